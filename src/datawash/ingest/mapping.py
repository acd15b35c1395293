"""Column mapping: other systems' headers to the canonical names (`surname=LAST_NAME`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from datawash.errors import InputError
from datawash.ingest.schema import KINDS

_ALL_CANONICAL = {c for kind in KINDS.values() for c in kind.names}


@dataclass(frozen=True)
class ColumnMap:
    """canonical name -> source header, per file kind ("*" applies to every kind)."""

    by_kind: dict[str, dict[str, str]] = field(default_factory=dict)

    def for_kind(self, kind: str) -> dict[str, str]:
        merged = dict(self.by_kind.get("*", {}))
        merged.update(self.by_kind.get(kind, {}))
        return merged

    def merged(self, other: ColumnMap) -> ColumnMap:
        """This map with `other`'s entries taking precedence."""
        out = {k: dict(v) for k, v in self.by_kind.items()}
        for kind, entries in other.by_kind.items():
            out.setdefault(kind, {}).update(entries)
        return ColumnMap(out)


def _check(canonical: str, where: str, kind: str = "*") -> str:
    name = canonical.strip().lower()
    known = _ALL_CANONICAL if kind == "*" else set(KINDS[kind].names)
    if name not in known:
        raise InputError(f"{where}: {canonical!r} is not a canonical column name")
    return name


def parse_map_options(options: list[str]) -> ColumnMap:
    """`--map surname=LAST_NAME` or `--map workforce.surname=LAST_NAME`."""
    by_kind: dict[str, dict[str, str]] = {}
    for opt in options:
        if "=" not in opt:
            raise InputError(f"--map {opt!r}: expected canonical=SOURCE_HEADER")
        left, source = (part.strip() for part in opt.split("=", 1))
        kind = "*"
        if "." in left:
            kind, left = (part.strip().lower() for part in left.split(".", 1))
            if kind not in KINDS:
                raise InputError(f"--map {opt!r}: unknown file kind {kind!r}")
        if not source:
            raise InputError(f"--map {opt!r}: the source header is empty")
        by_kind.setdefault(kind, {})[_check(left, f"--map {opt!r}", kind)] = source
    return ColumnMap(by_kind)


def load_map_file(path: Path) -> ColumnMap:
    """A TOML mapping file: a `[workforce]` (etc.) table per kind, or top-level entries
    for every kind; values are the source headers. Plain `canonical=SOURCE` lines also work."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the mapping file ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        lines = [ln.strip() for ln in text.splitlines()]
        return parse_map_options([ln for ln in lines if ln and not ln.startswith("#")])
    by_kind: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            kind = key.lower()
            if kind not in KINDS:
                raise InputError(f"{path}: unknown file kind [{key}]")
            for canonical, source in value.items():
                by_kind.setdefault(kind, {})[_check(canonical, f"{path} [{key}]", kind)] = str(
                    source
                )
        else:
            by_kind.setdefault("*", {})[_check(key, str(path))] = str(value)
    return ColumnMap(by_kind)
