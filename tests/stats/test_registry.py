"""Named statistics on a small hand-made register: cases versus distinct people, live at a
date, outcomes by financial year with zero years, completed cases, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from datawash.auth.service import Actor, Role
from datawash.cases import service as cases
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import InputError, PermissionDenied
from datawash.review import service as review
from datawash.stats import service
from datawash.stats.registry import STATISTICS, StatParams

PSD = Actor("pat", Role.PSD_INVESTIGATOR)
ANALYST = Actor("alex", Role.ANALYST)

CASES = """case_id,recorded_on,source,severity,closed_on
C1,2019-05-01,complaint,gross_misconduct,2020-06-01
C2,2021-01-10,conduct_matter,misconduct,
C3,2022-03-03,data_wash,gross_misconduct,2023-01-01
C4,2022-05-01,complaint,gross_misconduct,
C5,2018-06-01,complaint,gross_misconduct,2019-04-01
C6,2020-01-01,complaint,misconduct,2020-09-01
"""
ALLEGATIONS = """allegation_id,case_id,person_id,role_at_time,category,stage,outcome,outcome_on
A1,C1,P1,officer,sexual,closed,dismissed,2020-05-20
A2,C1,P2,staff,sexual,closed,final_written_warning,2020-05-20
A3,C2,P1,officer,domestic_abuse,investigation,,
A3b,C2,P4,special,sexual,investigation,,
A4,C3,P3,officer,domestic_abuse,closed,dismissed,2022-12-01
A5,C3,P3,officer,sexual,closed,dismissed,2022-12-01
A6,C4,P1,officer,sexual,investigation,,
A7,C5,P5,officer,sexual,closed,would_have_been_dismissed,2019-03-31
A8,C5,P6,officer,sexual,closed,dismissed,2019-04-01
A9,C6,P7,staff,dishonesty,closed,dismissed,2020-08-01
"""


@pytest.fixture
def register(settings: Settings, tmp_path: Path) -> Settings:
    c, a = tmp_path / "cases.csv", tmp_path / "allegations.csv"
    c.write_text(CASES)
    a.write_text(ALLEGATIONS)
    with session_scope(settings) as s:
        cases.import_register(s, PSD, cases_path=c, allegations_path=a)
    return settings


def _run(settings: Settings, name: str, **params: object) -> list[list[object]]:
    with session_scope(settings) as s:
        return service.run_statistic(s, ANALYST, name, StatParams(**params)).rows  # type: ignore[arg-type]


def test_live_investigations_cases_versus_people(register: Settings) -> None:
    day = date(2023, 1, 20)
    # Live on that day: C2 (P1 domestic abuse, P4 sexual) and C4 (P1 sexual).
    assert _run(register, "live_investigations", as_of=day) == [["all in scope", 2, 2]]
    by_cat = _run(register, "live_investigations", as_of=day, by=("category",))
    assert by_cat == [["sexual", 2, 2], ["domestic_abuse", 1, 1], ["Total", 2, 2]]
    # The total of distinct people (2) is not the sum of the rows (3): P1 is in both.
    by_role = _run(register, "live_investigations", as_of=day, by=("role",))
    assert by_role == [
        ["officer", 2, 1],
        ["staff", 0, 0],
        ["special", 1, 1],
        ["volunteer", 0, 0],
        ["Total", 2, 2],
    ]
    # A year earlier C3 was live (recorded March 2022, closed January 2023) and C4 not yet.
    assert _run(register, "live_investigations", as_of=date(2022, 4, 1)) == [["all in scope", 2, 3]]


def test_outcomes_by_financial_year_with_zero_years(register: Settings) -> None:
    rows = _run(
        register,
        "outcomes_by_year",
        from_period="2018/19",
        to_period="2022/23",
        as_of=date(2023, 6, 1),
    )
    # 31 March 2019 is 2018/19 and 1 April 2019 is 2019/20; dishonesty (A9) is out of scope.
    assert rows == [
        ["2018/19", 1, 0],
        ["2019/20", 1, 0],
        ["2020/21", 1, 0],
        ["2021/22", 0, 0],
        ["2022/23", 1, 1],
    ]
    # Not broken down: P3, dismissed for both in 2022/23, is one person.
    flat = _run(
        register, "outcomes_by_year", from_period="2022/23", to_period="2022/23", by=("none",)
    )
    assert flat == [["2022/23", 1]]
    # Calendar years on request: 2019 holds both the March and the April 2019 dismissals.
    cal = _run(
        register,
        "outcomes_by_year",
        from_period="2019",
        to_period="2020",
        period="calendar",
        categories=("sexual",),
    )
    assert cal == [["2019", 2], ["2020", 1]]
    # Counted at a day: an outcome dated later is not yet known (P3, 1 December 2022).
    before = _run(
        register,
        "outcomes_by_year",
        from_period="2022/23",
        to_period="2022/23",
        as_of=date(2022, 11, 30),
    )
    assert before == [["2022/23", 0, 0]]


def test_completed_case_review(register: Settings) -> None:
    rows = _run(register, "completed_case_review", as_of=date(2023, 1, 20))
    # C1 (P1, P2), C3 (P3), C5 (P5, P6); C6 is dishonesty.
    assert rows == [["all in scope", 3, 5]]
    by_role = _run(register, "completed_case_review", as_of=date(2023, 1, 20), by=("role",))
    assert by_role[0] == ["officer", 3, 4] and by_role[1] == ["staff", 1, 1]


def test_parameters_are_checked(register: Settings) -> None:
    with pytest.raises(InputError, match="unknown category"):
        StatParams.from_dict({"categories": ["sexy"]})
    with pytest.raises(InputError, match="unknown outcome 'sacked'"):
        StatParams.from_dict({"outcomes": ["sacked"]})
    with pytest.raises(InputError, match="unknown statistic parameter"):
        StatParams.from_dict({"colour": "red"})
    with pytest.raises(InputError, match="no statistic called"):
        _run(register, "nonsense")
    with pytest.raises(InputError, match="category or role"):
        _run(register, "live_investigations", by=("rank",))
    with session_scope(register) as s, pytest.raises(PermissionDenied):
        service.run_statistic(s, Actor("r", Role.REVIEWER), "live_investigations")


def test_every_statistic_is_documented_and_runs_on_an_empty_register(settings: Settings) -> None:
    with session_scope(settings) as s:
        listed = service.list_statistics(ANALYST)
        assert {st.name for st in listed} == set(STATISTICS)
        for st in listed:
            assert st.description and st.title
            table = service.run_statistic(s, ANALYST, st.name, {"as_of": "2023-01-20"})
            assert table.columns and table.parameters["as_of"] == "2023-01-20"


def test_params_round_trip() -> None:
    p = StatParams(
        from_period="2018/19", to_period="2022/23", categories=("sexual",), as_of=date(2023, 1, 2)
    )
    assert StatParams.from_dict(p.as_dict()) == p


def test_foi_timeliness_by_year_of_receipt(settings: Settings) -> None:
    from datawash.foi import service as foi

    officer = Actor("fran", Role.FOI_OFFICER)

    def receive(s: object, on: date) -> str:
        return foi.receive_request(
            s,  # type: ignore[arg-type]
            officer,
            received_on=on,
            title="t",
            text="How many?",
            requester_name="Synthetic Person",
            today=date(2023, 4, 30),
        ).reference

    def send(s: object, ref: str, on: date) -> None:
        foi.answer_question(s, officer, reference=ref, number=1, text="None.")  # type: ignore[arg-type]
        foi.send_response(s, officer, reference=ref, on=on)  # type: ignore[arg-type]

    with session_scope(settings) as s:
        send(s, receive(s, date(2023, 2, 6)), date(2023, 3, 6))  # due 06/03: on time
        send(s, receive(s, date(2023, 2, 6)), date(2023, 3, 7))  # a day late
        receive(s, date(2023, 2, 20))  # due 20/03, still open on 31/03: overdue
        receive(s, date(2023, 3, 27))  # due after Easter: open, in time
        foi.withdraw(s, officer, reference=receive(s, date(2023, 1, 10)), reason="withdrawn")
        receive(s, date(2023, 4, 3))  # 2023/24
    rows = _run(
        settings,
        "foi_timeliness",
        from_period="2022/23",
        to_period="2023/24",
        as_of=date(2023, 3, 31),
    )
    # Nothing received after the day counted at is counted.
    assert rows == [["2022/23", 5, 1, 1, 1, 1, 1], ["2023/24", 0, 0, 0, 0, 0, 0]]
    later = _run(
        settings,
        "foi_timeliness",
        from_period="2022/23",
        to_period="2023/24",
        as_of=date(2023, 4, 30),
    )
    # By 30/04 the March request is overdue too (due 26/04, after Good Friday and Easter Monday).
    assert later == [["2022/23", 5, 1, 1, 2, 0, 1], ["2023/24", 1, 0, 0, 0, 1, 0]]
    # A response sent after the day counted at is still open on that day.
    before_sent = _run(
        settings,
        "foi_timeliness",
        from_period="2022/23",
        to_period="2022/23",
        as_of=date(2023, 3, 5),
    )
    assert before_sent == [["2022/23", 4, 0, 0, 0, 3, 1]]


def test_wash_progress_declares_every_sum_so_nothing_withheld_can_be_worked_out(
    settings: Settings,
) -> None:
    from datawash.foi.disclosure import apply_disclosure_control
    from tests.review.helpers import SUP, decided, make_run

    # 20 people: 9 not the person, 3 referred, 8 still new (finished 12, remaining 8).
    people = [f"P{k:02d}" for k in range(20)]
    with session_scope(settings) as s:
        run_id = make_run(s, {(pid, f"R{pid}"): "a" for pid in people})
        review.set_deadline(s, SUP, run_id=run_id, due_on=date.today() + timedelta(days=30))
        for pid in people[:9]:
            decided(s, pid, "not_the_person")
        for pid in people[9:12]:
            decided(s, pid, "identity_confirmed", "assessed", "referred")
    with session_scope(settings) as s:
        table = service.run_statistic(s, ANALYST, "wash_progress", StatParams())
    assert any("reviews a day needed" in n for n in table.shown_notes)
    figures = {r[0]: r[1] for r in table.rows}
    assert figures["reviews finished"] == 12 and figures["state: referred"] == 3
    safe, decision = apply_disclosure_control(table, 5)
    shown = {r[0]: r[1] for r in safe.rows}
    assert shown["state: referred"] == "fewer than 5"
    # finished - not the person = referred, so one of them must go too; and whatever goes
    # from "finished", "remaining" and the states must not be recoverable from the rest.
    assert not isinstance(shown["reviews finished"], int) or not isinstance(
        shown["state: not the person"], int
    )
    assert decision.secondary
    # Every declared line: a line with a visible total never has exactly one hidden part.
    for total, *parts in safe.all_lines():
        hidden = [p for p in parts if not isinstance(safe.rows[p[0]][p[1]], int)]
        if isinstance(safe.rows[total[0]][total[1]], int):
            assert len(hidden) != 1, (total, parts)
    # The pace note would give "remaining" away: dropped when anything is withheld.
    assert not any("reviews a day needed" in n for n in safe.shown_notes)


def test_every_title_states_its_full_scope() -> None:
    from datawash.ingest.schema import CATEGORIES
    from datawash.stats.registry import StatParams, scope

    assert scope(StatParams()) == "sexual offence related or domestic abuse related; all roles"
    assert scope(StatParams(categories=tuple(CATEGORIES), roles=("officer",))) == (
        "all categories; police officers"
    )
