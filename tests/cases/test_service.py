"""Case register on SQLite and PostgreSQL: import, idempotence, errors, counts, outcomes."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from datawash.audit.models import AuditEvent
from datawash.auth.service import Actor, Role
from datawash.cases import service
from datawash.cases.models import Allegation, Case, CaseSubject
from datawash.cases.workflow import STAGE_TRANSITIONS, check_stage
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import ForbiddenTransition, InputError, PermissionDenied, ValidationFailed
from datawash.ingest.schema import STAGES

PSD = Actor("pat", Role.PSD_INVESTIGATOR)
REV = Actor("riley", Role.REVIEWER)

CASES = """case_id,recorded_on,source,severity,closed_on
C1,2019-05-01,complaint,gross_misconduct,2020-06-01
C2,2021-01-10,conduct_matter,misconduct,
C3,2022-03-03,data_wash,gross_misconduct,2023-01-01
"""
ALLEGATIONS = """allegation_id,case_id,person_id,role_at_time,category,stage,outcome,outcome_on
A1,C1,P1,officer,sexual,closed,dismissed,2020-05-20
A2,C1,P2,staff,sexual,closed,final_written_warning,2020-05-20
A3,C2,P1,officer,domestic_abuse,investigation,,
A4,C3,P3,officer,domestic_abuse,closed,dismissed,2022-12-01
"""


def _files(tmp_path: Path, cases: str = CASES, allegations: str = ALLEGATIONS) -> tuple[Path, Path]:
    c, a = tmp_path / "cases.csv", tmp_path / "allegations.csv"
    c.write_text(cases)
    a.write_text(allegations)
    return c, a


def test_import_is_idempotent(settings: Settings, tmp_path: Path) -> None:
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        first = service.import_register(s, PSD, cases_path=c, allegations_path=a)
    assert (first.cases_inserted, first.allegations_inserted) == (3, 4)
    with session_scope(settings) as s:
        n_audit = s.scalar(select(func.count()).select_from(AuditEvent))
        again = service.import_register(s, PSD, cases_path=c, allegations_path=a)
        assert again.changes == 0
        assert (again.cases_unchanged, again.allegations_unchanged) == (3, 4)
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == n_audit
        assert s.scalar(select(func.count()).select_from(CaseSubject)) == 4
    # A changed row is an update, audited with before and after.
    c2, a2 = _files(
        tmp_path,
        allegations=ALLEGATIONS.replace(
            "A3,C2,P1,officer,domestic_abuse,investigation,,",
            "A3,C2,P1,officer,domestic_abuse,hearing,,",
        ),
    )
    with session_scope(settings) as s:
        third = service.import_register(s, PSD, cases_path=c2, allegations_path=a2)
        assert third.allegations_updated == 1 and third.changes == 1


def _imported_then_a3_dismissed(settings: Settings, tmp_path: Path) -> tuple[Path, Path]:
    """The register imported, then A3 (case C2) dismissed in datawash after a hearing."""
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
    with session_scope(settings) as s:
        service.move_stage(s, PSD, allegation_id="A3", stage="hearing", reason="case to answer")
        service.record_outcome(s, PSD, allegation_id="A3", outcome="dismissed",
                               outcome_on=date(2021, 9, 1), reason="hearing")  # fmt: skip
    return c, a


def test_a_reimport_never_reverts_a_later_change(settings: Settings, tmp_path: Path) -> None:
    c, a = _imported_then_a3_dismissed(settings, tmp_path)
    # The old file again: A3 would go back to no outcome. Refused, nothing written.
    with pytest.raises(ValidationFailed) as err, session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
    (problem,) = err.value.problems
    assert (problem.row, problem.column) == (3, "stage") and "not overwritten" in problem.message
    # With skip_conflicts the rest is imported and A3 is left as it is.
    c2, a2 = _files(
        tmp_path,
        allegations=ALLEGATIONS.replace("A1,C1,P1,officer,sexual,", "A1,C1,P1,staff,sexual,"),
    )
    with session_scope(settings) as s:
        done = service.import_register(
            s, PSD, cases_path=c2, allegations_path=a2, skip_conflicts=True
        )
        assert [p.row for p in done.conflicts] == [3]
        a3 = s.get(Allegation, "A3")
        assert a3 is not None and a3.outcome == "dismissed"
        subject = s.scalars(select(CaseSubject).where(CaseSubject.case_id == "C2")).one()
        assert subject.barred_list_referred_on == date(2021, 9, 1)


def test_counts_cases_and_distinct_people(settings: Settings, tmp_path: Path) -> None:
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
        assert service.count_cases(s, PSD) == service.CaseCounts(cases=3, people=3)
        assert service.count_cases(s, PSD, categories=["sexual"]) == service.CaseCounts(1, 2)
        assert service.count_cases(s, PSD, live=True) == service.CaseCounts(1, 1)
        assert service.count_cases(
            s, PSD, live=False, categories=["sexual", "domestic_abuse"]
        ) == service.CaseCounts(2, 3)


def test_import_errors_name_file_row_and_column_and_write_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    bad = (
        ALLEGATIONS
        + "A5,C9,P4,officer,sexual,,,\n"
        + "A6,C2,P5,staff,violence,,dismissed,\n"
        + "A7,C1,P6,staff,other,,reduction_in_rank,2020-01-01\n"
    )
    c, a = _files(tmp_path, allegations=bad)
    with session_scope(settings) as s, pytest.raises(ValidationFailed) as info:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
    text = str(info.value)
    assert "allegations.csv, row 5, column 'case_id': no case with this case_id" in text
    assert "row 6, column 'outcome_on': an outcome needs its date" in text
    assert "row 7, column 'outcome'" in text and "officers and specials only" in text
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_outcomes_refer_to_barred_and_advisory_lists(settings: Settings, tmp_path: Path) -> None:
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
        service.move_stage(s, PSD, allegation_id="A3", stage="hearing", reason="case to answer")
        service.record_outcome(
            s,
            PSD,
            allegation_id="A3",
            outcome="dismissed",
            outcome_on=date(2021, 9, 1),
            reason="hearing",
        )
        subject = s.scalars(select(CaseSubject).where(CaseSubject.case_id == "C2")).one()
        assert subject.barred_list_referred_on == date(2021, 9, 1)
        for typo in ("sacked", "dismised", ""):  # update refuses what import refuses
            with pytest.raises(InputError, match="unknown outcome"):
                service.record_outcome(
                    s,
                    PSD,
                    allegation_id="A3",
                    outcome=typo,
                    outcome_on=date(2021, 9, 1),
                    reason="x",
                )
        with pytest.raises(InputError, match="unknown stage"):
            service.move_stage(s, PSD, allegation_id="A3", stage="tribunal", reason="x")
        with pytest.raises(InputError, match="hearing cannot give"):
            service.record_outcome(
                s,
                PSD,
                allegation_id="A3",
                outcome="reflective_practice",
                outcome_on=date(2021, 9, 1),
                reason="x",
            )
        service.close_case(s, PSD, case_id="C2", closed_on=date(2021, 9, 2))
        assert s.get(Case, "C2").closed_on == date(2021, 9, 2)  # type: ignore[union-attr]


def test_close_needs_every_outcome_and_permissions(settings: Settings, tmp_path: Path) -> None:
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
    with session_scope(settings) as s, pytest.raises(InputError, match="without an outcome: A3"):
        service.close_case(s, PSD, case_id="C2", closed_on=date(2022, 1, 1))
    with session_scope(settings) as s, pytest.raises(PermissionDenied):
        service.get_case(s, REV, "C1")
    with session_scope(settings) as s, pytest.raises(PermissionDenied):
        service.import_register(s, REV, cases_path=c, allegations_path=a)
    with session_scope(settings) as s:
        assert s.get(Allegation, "A3").outcome is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STAGES, STAGES)))
def test_every_stage_edge(current: str, target: str) -> None:
    if (current, target) in STAGE_TRANSITIONS:
        check_stage(current, target)
    else:
        with pytest.raises(ForbiddenTransition):
            check_stage(current, target)


def test_a_closed_case_needs_every_outcome_by_its_closing(
    settings: Settings, tmp_path: Path
) -> None:
    c, a = _files(
        tmp_path,
        cases="case_id,recorded_on,source,severity,closed_on\nC9,2021-01-01,complaint,,2021-06-01\n",
        allegations="allegation_id,case_id,person_id,role_at_time,category,stage,outcome,outcome_on\n"
        "A8,C9,P1,officer,sexual,,,\n"
        "A9,C9,P2,officer,sexual,hearing,dismissed,2021-07-01\n",
    )
    with pytest.raises(ValidationFailed) as err, session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(1, "outcome"), (2, "outcome_on")}


BEYOND = (
    "allegation_id,case_id,person_id,role_at_time,category,stage,outcome,outcome_on,"
    "offence_code,criminal_proceedings,criminal_outcome_on,investigation_started_on,"
    "investigation_ended_on,hearing_held_on,appeal_on,suspended_on,suspension_ended_on,"
    "restricted_on,restriction_ended_on,left_force_on,leaving_reason,charged_on,gender,"
    "ethnicity,iopc_referred_on\n"
    "A1,C1,P1,officer,sexual,closed,dismissed,2020-05-20,19C,convicted,2020-03-02,"
    "2019-05-10,2020-02-01,2020-05-20,2020-07-01,2019-05-12,2020-05-20,,,2020-05-20,dismissed,"
    "2019-11-04,m,White,2019-05-20\n"
    "A3,C2,P1,officer,domestic_abuse,investigation,,,8N,charged,2021-06-01,2021-01-12,,,,,,"
    "2021-01-15,,,,2021-06-01,M,,\n"
)


def test_the_register_beyond_outcomes_is_imported(settings: Settings, tmp_path: Path) -> None:
    c, a = _files(tmp_path, allegations=BEYOND)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
        a1 = s.get(Allegation, "A1")
        a3 = s.get(Allegation, "A3")
        assert a1 is not None and a3 is not None
        assert (a1.offence_code, a1.criminal_proceedings, a1.criminal_outcome_on) == (
            "19C", "convicted", date(2020, 3, 2))  # fmt: skip
        assert (a1.charged_on, a3.charged_on) == (date(2019, 11, 4), date(2021, 6, 1))
        assert (a1.gender, a1.ethnicity, a1.iopc_referred_on) == ("M", "white", date(2019, 5, 20))
        assert (a3.gender, a3.ethnicity, a3.iopc_referred_on) == ("M", None, None)
    # Ethnicity is kept as its group however it was written: a self-defined code or the name.
    for written, group in (
        ("A2", "asian"),
        (" b1", "black"),
        ("NS", "not_stated"),
        ("Not stated", "not_stated"),
        ("O1", "other"),
        ("mixed", "mixed"),
    ):
        c, a = _files(tmp_path, allegations=BEYOND.replace("m,White,", f"m,{written},"))
        with session_scope(settings) as s:
            service.import_register(s, PSD, cases_path=c, allegations_path=a)
            a1 = s.get(Allegation, "A1")
            assert a1 is not None and a1.ethnicity == group, written
    # A code is kept in one form however it was written: 088/05 and 88e are 88E.
    for written in ("088/05", " 88e"):
        c, a = _files(tmp_path, allegations=BEYOND.replace("19C,convicted", f"{written},convicted"))
        with session_scope(settings) as s:
            service.import_register(s, PSD, cases_path=c, allegations_path=a)
            a1 = s.get(Allegation, "A1")
            assert a1 is not None and a1.offence_code == "88E"
        assert (a1.hearing_held_on, a1.appeal_on) == (date(2020, 5, 20), date(2020, 7, 1))
        assert (a1.suspended_on, a1.suspension_ended_on) == (date(2019, 5, 12), date(2020, 5, 20))
        assert (a1.left_force_on, a1.leaving_reason) == (date(2020, 5, 20), "dismissed")
        assert (a3.restricted_on, a3.restriction_ended_on, a3.suspended_on) == (
            date(2021, 1, 15), None, None)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("2019-05-12,2020-05-20,,,", ",2020-05-20,,,"), "suspended_on", "start is needed"),
        (("2019-05-12,2020-05-20,,,", "2019-05-12,2019-01-01,,,"), "suspension_ended_on",
         "before suspended_on"),
        (("2020-05-20,dismissed", "2020-05-20,"), "leaving_reason", "both date and reason"),
        (("2020-07-01,2019-05-12", "2020-01-01,2019-05-12"), "appeal_on", "before the outcome"),
        (("19C,convicted", "19C,jailed"), "criminal_proceedings", "not one of"),
        (("8N,charged,2021-06-01", "8N,,2021-06-01"), "criminal_proceedings", "without"),
        # A charge date comes with proceedings that can follow a charge, not after their outcome.
        (("8N,charged", "8N,under_investigation"), "criminal_proceedings", "follow a charge"),
        (("19C,convicted", "rape,convicted"), "offence_code", "not a Home Office offence code"),
        (("19C,convicted", "019/99,convicted"), "offence_code", "not a Home Office offence code"),
        (("dismissed,2019-11-04", "dismissed,2020-04-01"), "criminal_outcome_on",
         "before the charge"),
        (("m,White,2019-05-20", "m,White,2019-04-30"), "iopc_referred_on",
         "before the case was recorded"),
        (("m,White,", "m,W7,"), "ethnicity", "not an ethnic group"),
        (("m,White,", "m,Caucasian,"), "ethnicity", "not an ethnic group"),
        (("m,White,", "male,White,"), "gender", "not one of"),
        (("m,White,2019-05-20", "m,White,2099-05-20"), "iopc_referred_on", "future"),
    ],
)  # fmt: skip
def test_bad_register_dates_name_file_row_and_field(
    settings: Settings, tmp_path: Path, change: tuple[str, str], field: str, message: str
) -> None:
    c, a = _files(tmp_path, allegations=BEYOND.replace(*change))
    with session_scope(settings) as s, pytest.raises(ValidationFailed) as err:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
    text = str(err.value)
    assert "allegations.csv, row" in text and field in text and message in text
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(Allegation)) == 0  # nothing written


def test_a_case_imported_again_is_checked_against_its_stored_allegations(
    settings: Settings, tmp_path: Path
) -> None:
    """The rules on dates hold for the whole register, not only for one file's rows: a case
    imported again (its allegations not in the file) with a recorded date after a stored
    outcome, or closed before one, is refused naming the cases file's row and field."""
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
    # The allegations file holds another case's allegation only (a file needs a row).
    (tmp_path / "none.csv").write_text("\n".join(ALLEGATIONS.splitlines()[::4]) + "\n")
    for line, field, message in (
        ("C1,2020-05-25,complaint,gross_misconduct,2020-06-01", "recorded_on",
         "after the outcome_on of allegation A1"),
        ("C1,2019-05-01,complaint,gross_misconduct,2020-05-01", "closed_on",
         "before the outcome of allegation A1"),
        ("C2,2021-01-10,conduct_matter,misconduct,2021-06-01", "closed_on",
         "allegation A3 has no outcome yet"),
    ):  # fmt: skip
        (tmp_path / "again.csv").write_text(CASES.splitlines()[0] + "\n" + line + "\n")
        with session_scope(settings) as s, pytest.raises(ValidationFailed) as err:
            service.import_register(
                s, PSD, cases_path=tmp_path / "again.csv", allegations_path=tmp_path / "none.csv"
            )
        text = str(err.value)
        assert "again.csv, row" in text and field in text and message in text


def test_an_outcome_is_not_recorded_after_its_appeal_or_the_closing(
    settings: Settings, tmp_path: Path
) -> None:
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
        with pytest.raises(InputError, match="after the case was closed"):
            service.record_outcome(s, PSD, allegation_id="A1", outcome="dismissed",
                                   outcome_on=date(2020, 7, 1), reason="late entry")  # fmt: skip
        s.get(Allegation, "A3").appeal_on = date(2021, 3, 1)  # type: ignore[union-attr]
        with pytest.raises(InputError, match="after the appeal against it"):
            service.record_outcome(s, PSD, allegation_id="A3", outcome="written_warning",
                                   outcome_on=date(2021, 4, 1), reason="recorded late")  # fmt: skip


def test_a_case_is_not_closed_before_an_outcome(settings: Settings, tmp_path: Path) -> None:
    c, a = _files(tmp_path)
    with session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c, allegations_path=a)
        service.record_outcome(s, PSD, allegation_id="A3", outcome="written_warning",
                               outcome_on=date(2021, 5, 1), reason="decided")  # fmt: skip
        with pytest.raises(InputError, match="outcomes after that date: A3"):
            service.close_case(s, PSD, case_id="C2", closed_on=date(2021, 2, 1))


def test_rows_kept_as_stored_are_checked_beside_the_rows_imported(
    settings: Settings, tmp_path: Path
) -> None:
    _imported_then_a3_dismissed(settings, tmp_path)
    with session_scope(settings) as s:
        service.close_case(s, PSD, case_id="C2", closed_on=date(2021, 10, 1))
    # The old file again, with a new allegation on C2 and no outcome: C2 and A3 are kept as
    # they are in datawash (closed, dismissed), and beside them the new allegation would be
    # an allegation of a closed case without an outcome.
    c2, a2 = _files(tmp_path, allegations=ALLEGATIONS + "A5,C2,P4,staff,sexual,investigation,,\n")
    with pytest.raises(ValidationFailed) as err, session_scope(settings) as s:
        service.import_register(s, PSD, cases_path=c2, allegations_path=a2, skip_conflicts=True)
    found = {(Path(p.file).name, p.row, p.column) for p in err.value.problems}
    assert ("allegations.csv", 5, "outcome") in found
    assert any("closed" in p.message for p in err.value.problems if p.row == 5)
    with session_scope(settings) as s:  # nothing written
        assert s.get(Allegation, "A5") is None
    # With an outcome before the case was closed (in datawash) the rest goes in, though the
    # file's own C2, left out as a conflict, says it closed before that (found in review).
    c3, a3 = _files(
        tmp_path,
        cases=CASES.replace("C2,2021-01-10,conduct_matter,misconduct,",
                            "C2,2021-01-10,conduct_matter,misconduct,2021-06-01"),
        allegations=ALLEGATIONS + "A5,C2,P4,staff,sexual,closed,no_case_to_answer,2021-09-15\n",
    )  # fmt: skip
    with session_scope(settings) as s:
        done = service.import_register(
            s, PSD, cases_path=c3, allegations_path=a3, skip_conflicts=True
        )
        assert done.allegations_inserted == 1 and done.conflicts
        assert s.get(Allegation, "A5") is not None
