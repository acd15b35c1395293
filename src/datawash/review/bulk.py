"""Bulk decisions and countersignatures from a CSV file: the same service, and so the same
checks, row by row; every problem reported with file, row and column; one transaction, so
nothing is written if any row is wrong.

The file is read with the csv module rather than the wash's DuckDB readers: it is small,
typed by a person, and each cell is checked here against the review's own rules.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.db import begin_write
from datawash.errors import (
    Conflict,
    DatawashError,
    DualControlError,
    ForbiddenTransition,
    InputError,
    NotFound,
    Problem,
    ValidationFailed,
)
from datawash.permissions import require
from datawash.review import service
from datawash.review.read import DecisionRead

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000

DECISION_COLUMNS = (
    "person_id",
    "decision",
    "reason",
    "referral",
    "records",
    "allegations",
    "version",
)
DECISION_REQUIRED = ("person_id", "decision", "reason")
COUNTERSIGN_COLUMNS = ("person_id", "reason", "reject", "version")
COUNTERSIGN_REQUIRED = ("person_id", "reason")


@dataclass
class BulkResult:
    rows: int
    decisions: list[DecisionRead]


def _read(
    path: Path, allowed: tuple[str, ...], required: tuple[str, ...]
) -> tuple[list[dict[str, str]], list[Problem]]:
    """The rows to act on, and the problems of rows that cannot be (empty required value,
    NUL, wrong number of cells); a file that cannot be read at all raises."""
    name = str(path)
    try:
        raw = path.read_bytes() if path.stat().st_size <= MAX_BYTES else None
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror})") from None
    if raw is None:
        raise InputError(f"{name}: larger than {MAX_BYTES // 1024 // 1024} MB")
    if not raw.strip():
        raise InputError(f"{name}: the file is empty (a header row is needed)")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{name}: the file is UTF-16; save it as UTF-8 CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start + 1})") from None
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
        table = list(reader)
    except csv.Error as exc:
        raise InputError(f"{name}: not a readable CSV file ({exc})") from None
    seen: set[str] = set()
    for n, h in enumerate(header, start=1):
        # A header cell that is not a known column is named by its place only: a file
        # without a header has a person's details in its first row.
        known = h if h in allowed else None
        if h in seen:
            problems.append(Problem(name, 0, known, f"column {n} appears twice"))
        seen.add(h)
        if known is None:
            problems.append(
                Problem(name, 0, None, f"column {n} is not one of: {', '.join(allowed)}")
            )
    for r in required:
        if r not in seen:
            problems.append(Problem(name, 0, r, "required column is missing"))
    if problems:
        raise ValidationFailed(problems)
    if len(table) > MAX_ROWS:
        raise InputError(f"{name}: more than {MAX_ROWS:,} rows; split the file")
    rows = []
    problems = []
    for n, cells in enumerate(table, start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(name, n, None, f"{len(cells)} cells where the header has {len(header)}")
            )
            continue
        row = dict(zip(header, cells, strict=True))
        bad = [
            Problem(name, n, col, "holds a NUL character") for col, v in row.items() if "\x00" in v
        ]
        bad += [
            Problem(name, n, r, "required value is empty")
            for r in required
            if not row.get(r, "").strip()
        ]
        problems += bad
        if not bad:
            row["_row"] = str(n)
            rows.append(row)
    if not rows and not problems:
        raise InputError(f"{name}: no rows under the header")
    return rows, problems


def _column_of(exc: DatawashError, default: str) -> str | None:
    if isinstance(exc, InputError) and exc.field:
        return exc.field
    if isinstance(exc, Conflict):
        return "version"
    if isinstance(exc, NotFound | DualControlError):
        return "person_id"
    if isinstance(exc, ForbiddenTransition):
        return "decision"
    return default


def _version(value: str | None) -> int | None:
    if not value or not value.strip():
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        raise InputError("a version is a whole number (from review show)", field="version")
    return int(text)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _each(
    session: Session,
    path: Path,
    read: tuple[list[dict[str, str]], list[Problem]],
    act: Callable[[dict[str, str]], DecisionRead],
    default_column: str,
) -> BulkResult:
    rows, problems = read
    begin_write(session)  # savepoints per row nest inside one transaction
    done: list[DecisionRead] = []
    for row in rows:
        savepoint = session.begin_nested()
        try:
            done.append(act(row))
            savepoint.commit()
        except DatawashError as exc:
            savepoint.rollback()
            problems.append(
                Problem(str(path), int(row["_row"]), _column_of(exc, default_column), str(exc))
            )
    if problems:
        raise ValidationFailed(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return BulkResult(rows=len(rows), decisions=done)


def decide_from_file(session: Session, actor: Actor, path: Path) -> BulkResult:
    """One decision per row: person_id, decision, reason, and as needed referral, records
    (``R1=this_person; R2=not_this_person: born 1958``), allegations (``E1=sexual; E2``)
    and version (the item's version the reviewer saw)."""
    require(actor, "review.decide")
    rows = _read(path, DECISION_COLUMNS, DECISION_REQUIRED)

    def act(row: dict[str, str]) -> DecisionRead:
        return service.decide(
            session,
            actor,
            person_id=row["person_id"].strip(),
            decision=row["decision"],
            reason=row["reason"],
            referral=(row.get("referral") or "").strip() or None,
            marks=[service.parse_mark(m) for m in _split(row.get("records"))],
            allegations=[service.parse_allegation(a) for a in _split(row.get("allegations"))],
            expected_version=_version(row.get("version")),
        )

    return _each(session, path, rows, act, "decision")


def _yes(value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in ("", "no", "n", "false", "0"):
        return False
    if text in ("yes", "y", "true", "1"):
        return True
    raise InputError(f"reject is yes or no, not {value!r}", field="reject")


def countersign_from_file(session: Session, actor: Actor, path: Path) -> BulkResult:
    """One countersignature (or, with reject=yes, rejection) per row: person_id, reason."""
    require(actor, "review.countersign")
    rows = _read(path, COUNTERSIGN_COLUMNS, COUNTERSIGN_REQUIRED)

    def act(row: dict[str, str]) -> DecisionRead:
        return service.countersign(
            session,
            actor,
            person_id=row["person_id"].strip(),
            reason=row["reason"],
            reject=_yes(row.get("reject")),
            expected_version=_version(row.get("version")),
        )

    return _each(session, path, rows, act, "reason")
