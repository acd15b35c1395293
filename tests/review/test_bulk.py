"""Bulk decisions and countersignatures from CSV: the same checks per row, every problem
named by row and column, nothing written on any error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import InputError, PermissionDenied, ValidationFailed
from datawash.review import bulk
from datawash.review import service as review
from datawash.review.models import ReviewDecision
from tests.review.helpers import FOI, REV1, REV2, make_run


def _count(settings: Settings) -> int:
    with session_scope(settings) as s:
        return s.scalar(select(func.count()).select_from(ReviewDecision)) or 0


def test_bulk_decide_then_countersign(settings: Settings, tmp_path: Path) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b", ("P2", "R3"): "c"})
    f = tmp_path / "decisions.csv"
    f.write_text(
        "person_id,decision,reason,records\n"
        "P1,not_the_person,namesake,R1=not_this_person: born 1958\n"
        'P2,identity_confirmed,"dob, address",R2=this_person; R3=not_this_person\n'
    )
    with session_scope(settings) as s:
        result = bulk.decide_from_file(s, REV1, f)
        assert result.rows == 2 and {d.status for d in result.decisions} == {"pending"}
    c = tmp_path / "countersign.csv"
    c.write_text("person_id,reason,reject\nP1,agreed,\nP2,R3 needs a look,yes\n")
    with session_scope(settings) as s:
        bulk.countersign_from_file(s, REV2, c)
        assert review._item(s, "P1").state == "not_the_person"
        assert review._item(s, "P2").state == "new"
        assert review.show(s, REV1, "P2").last_rejection is not None


def test_bad_rows_are_each_reported_and_nothing_is_written(
    settings: Settings, tmp_path: Path
) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b", ("P3", "R3"): "c"})
    f = tmp_path / "decisions.csv"
    f.write_text(
        "person_id,decision,reason,records,referral\n"
        "P1,not_the_person,namesake,R1=not_this_person,\n"  # good
        "P2,sacked,x,,\n"  # unknown decision
        "P404,not_the_person,x,R1=not_this_person,\n"  # unknown person
        "P3,identity_confirmed,x,R3=maybe,\n"  # bad mark
        "P3,not_the_person,  ,R3=not_this_person,\n"  # empty reason
        "P3,not_the_person,x,R3=not_this_person,prison\n"  # referral with a wrong decision
    )
    # pytest.raises outside: the transaction sees the error and rolls back, as in the CLI.
    with pytest.raises(ValidationFailed) as err, session_scope(settings) as s:
        bulk.decide_from_file(s, REV1, f)
    where = [(p.row, p.column) for p in err.value.problems]
    assert where == [
        (2, "decision"),
        (3, "person_id"),
        (4, "records"),
        (5, "reason"),
        (6, "referral"),
    ]
    assert "nothing was written" in str(err.value)
    assert _count(settings) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfep\x00e\x00", "UTF-16"),
        (b"person_id,decision\nP1,not_the_person\n", "reason"),
        (b"person_id,decision,reason,Reason\n", "column 4 appears twice"),
        (b"person_id,decision,reason,salary\n", "column 4 is not one of"),
        (b"person_id,decision,reason\nP1,not_the_person\n", "2 cells where the header has 3"),
        (b"person_id,decision,reason\nP1,not_the_person,x\x00y\n", "NUL"),
        (b"person_id,decision,reason\n", "no rows"),
    ],
)
def test_unreadable_files_are_refused_clearly(
    sqlite_settings: Settings, tmp_path: Path, content: bytes, message: str
) -> None:
    f = tmp_path / "d.csv"
    f.write_bytes(content)
    with session_scope(sqlite_settings) as s:
        make_run(s, {("P1", "R1"): "a"})
    with session_scope(sqlite_settings) as s, pytest.raises(InputError, match=message):
        bulk.decide_from_file(s, REV1, f)


def test_bulk_needs_the_permission_before_reading(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    f = tmp_path / "d.csv"
    f.write_text("person_id,decision,reason\nP1,not_the_person,x\n")
    with session_scope(sqlite_settings) as s, pytest.raises(PermissionDenied):
        bulk.decide_from_file(s, FOI, f)
