"""Everything datawash writes for people to open, made safe in one place: CSV cells that a
spreadsheet will not run, text for a terminal that cannot carry markup or control codes,
and files written privately (0600 in a 0700 directory) and atomically.

Hand-written because each is a few lines the libraries leave to the caller: the csv module
quotes but does not neutralise formulas, rich escapes markup but not control characters.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR is a formula to
    Excel and LibreOffice (CSV injection), so it gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in _FORMULA_START else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()


def visible(value: Any) -> str:
    """Control characters (terminal escape sequences, bidirectional overrides, NUL) shown
    as visible code points, so data cannot move the cursor, clear or recolour a screen."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def terminal(value: Any) -> str:
    """Text from the data for a place that reads rich markup: escaped, and visible()."""
    return escape(visible(value))


class SafeConsole(Console):
    """The CLI's console: markup is off unless a call asks for it (so data cannot carry
    markup), and every string it renders - table cells included - goes through visible()."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)


def private_dir(path: Path) -> Path:
    """Create a directory (and its parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


# Files of datawash's own that an output must never replace (a mistyped --csv, --out).
PROTECTED_NAMES = frozenset(
    {"datawash.sqlite", "datawash.sqlite-wal", "datawash.sqlite-shm", "web-secret-key",
     ".datawash-demo"}
)  # fmt: skip


def refuse_protected(path: Path) -> None:
    """An output path may not be a database (by name or by its SQLite header) or one of
    datawash's own files."""
    from datawash.errors import InputError

    if path.name in PROTECTED_NAMES:
        raise InputError(f"{path} is one of datawash's own files: choose another name")
    try:
        with path.open("rb") as fh:
            if fh.read(16) == b"SQLite format 3\x00":
                raise InputError(f"{path} is a database: an output never replaces one")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return


def write_private(path: Path, data: bytes | str, *, own_file: bool = False) -> Path:
    """Write a file 0600, atomically: a temporary file in the same directory (never
    following a planted link), flushed to disk, then renamed over the target, so a kill
    mid-write leaves the old file or the new one, never half of one."""
    if not own_file:  # datawash writing one of its own files (the demo marker, a key)
        refuse_protected(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def stage_file(target: Path) -> Path:
    """A new private file beside ``target`` for a writer that opens paths itself (DuckDB's
    COPY): made with O_EXCL under a random name, so no planted link is followed; the caller
    renames it over the target once complete. Leftovers of killed runs are removed first."""
    refuse_protected(target)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in target.parent.glob(f".{target.name}.*.partial"):
        old.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(fd)
    return Path(tmp)
