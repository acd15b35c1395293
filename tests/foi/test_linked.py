"""Disclosure control across a response and the disclosure log: each attack that worked
against per-table control - a breakdown beside its total, by role beside all roles, the same
table answered again later - no longer gives a hidden count away."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from datawash.cases import service as cases
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import InputError
from datawash.foi import service
from datawash.foi.linked import protect_linked, scopes
from datawash.stats.registry import DISMISSAL
from datawash.stats.tables import StatTable
from tests.review.helpers import FOI, ensure_users
from tests.stats.test_registry import ANALYST, PSD

TODAY = date(2023, 2, 20)
SPAN = {"from_period": "2019/20", "to_period": "2020/21", "as_of": "2023-02-20"}


def _import(settings: Settings, tmp_path: Path, rows: list[tuple[str, ...]]) -> None:
    """Import cases of one allegation each: (recorded, closed, category, role, severity,
    outcome, outcome date[, person id]); person P<n> unless given."""
    _import_rows(settings, tmp_path, [
        {"recorded_on": recorded, "closed_on": closed, "category": cat, "role_at_time": role,
         "severity": severity, "stage": "closed" if outcome else "investigation",
         "outcome": outcome, "outcome_on": when, **({"person_id": pid[0]} if pid else {})}
        for recorded, closed, cat, role, severity, outcome, when, *pid in rows
    ])  # fmt: skip


def _register(settings: Settings, tmp_path: Path) -> None:
    """Dismissals in 2019/20: 6 officers for sexual offences, 2 for domestic abuse, 1 member
    of staff for a sexual offence; 7 officers for sexual offences in 2020/21."""
    people: list[tuple[str, str, str, str]] = (
        [("officer", "sexual", "2019-05-10", f"S{i}") for i in range(6)]
        + [("officer", "domestic_abuse", "2020-02-10", f"D{i}") for i in range(2)]
        + [("staff", "sexual", "2019-06-10", "T0")]
        + [("officer", "sexual", "2020-06-10", f"L{i}") for i in range(7)]
    )
    _import(settings, tmp_path, [
        ("2019-01-01", day, cat, role, "gross_misconduct", "dismissed", day, pid)
        for role, cat, day, pid in people
    ])  # fmt: skip


def _answer(s: Any, ref: str, number: int, **params: object) -> list[list[object]]:
    answer = service.answer_question(
        s, FOI, reference=ref, number=number, today=TODAY,
        statistics=[service.StatisticAnswer("outcomes_by_year", {**SPAN, **params})],
    )  # fmt: skip
    return [list(r) for r in answer.blocks[0]["table"]["rows"]]


def _request(s: Any) -> str:
    req = service.receive_request(
        s, FOI, received_on=date(2023, 2, 6), title="Dismissals",
        text="1. How many were dismissed?\n2. By category?\n3. By role?", today=TODAY,
        requester_name="Synthetic Requester",
    )  # fmt: skip
    return req.reference


def test_a_breakdown_beside_its_total_gives_nothing_away(
    settings: Settings, tmp_path: Path
) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _request(s)
        total = _answer(s, ref, 1, categories=["sexual", "domestic_abuse"], roles=["officer"],
                        by=["none"])  # fmt: skip
        assert total[0] == ["2019/20", 8]
        split = _answer(s, ref, 2, categories=["sexual", "domestic_abuse"], roles=["officer"],
                        by=["category"])  # fmt: skip
    # Per table, "sexual 6, domestic fewer than 5" would be safe; beside the total 8 it
    # gives 8 - 6 = 2. The 6 is withheld too, so the 2 stays hidden.
    assert split[0][2] == "fewer than 5"
    assert split[0][1] == "withheld"
    assert split[1] == ["2020/21", 7, 0]  # nothing to hide there: left as it was


def test_by_role_beside_all_roles_gives_nothing_away(settings: Settings, tmp_path: Path) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _request(s)
        everyone = _answer(s, ref, 1, categories=["sexual"], by=["none"])
        assert everyone[0] == ["2019/20", 7]
        roles = _answer(s, ref, 3, categories=["sexual"], by=["role"])
    officer, staff = roles[0][1], roles[0][2]
    assert staff == "fewer than 5"  # the one member of staff
    assert officer == "withheld"  # 7 - 6 would give the 1 away


def test_the_same_table_again_later_does_not_give_the_change_away(
    settings: Settings, tmp_path: Path
) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        first = _request(s)
        assert _answer(s, first, 1, categories=["sexual"], roles=["officer"], by=["none"])[1] == [
            "2020/21", 7]  # fmt: skip
        for q in (2, 3):
            service.answer_question(s, FOI, reference=first, number=q, text="See 1.")
        service.send_response(s, FOI, reference=first, on=TODAY, today=TODAY)
    # A late-recorded dismissal in 2020/21: the same table a month later would say 8.
    with session_scope(settings) as s:
        c = tmp_path / "late-c.csv"
        a = tmp_path / "late-a.csv"
        c.write_text(
            "case_id,recorded_on,source,severity,closed_on\n"
            "KZ,2019-01-01,complaint,gross_misconduct,2020-07-01\n"
        )
        a.write_text(
            "allegation_id,case_id,person_id,role_at_time,category,stage,outcome,outcome_on\n"
            "AZ,KZ,Z0,officer,sexual,closed,dismissed,2020-07-01\n"
        )
        cases.import_register(s, PSD, cases_path=c, allegations_path=a)
        second = _request(s)
        again = _answer(s, second, 1, categories=["sexual"], roles=["officer"], by=["none"])
    assert again[1] == ["2020/21", "withheld"]  # 8 beside the 7 in the log gives 1 away
    assert again[0] == ["2019/20", 6]  # unchanged: still published


def test_unlinked_statistics_and_unrelated_tables_pass_unchanged() -> None:
    table = StatTable(name="wash_progress", title="t", columns=["measure", "value"],
                      rows=[["people checked", 3]])  # fmt: skip
    assert scopes(table) == {}
    safe, added = protect_linked(table, [table], 5)
    assert safe is table and added == []


@pytest.mark.parametrize("threshold", [2, 5])
def test_protection_follows_the_threshold(
    settings: Settings, tmp_path: Path, threshold: int
) -> None:
    from datawash.safeguards.service import change
    from tests.review.helpers import ADMIN

    _register(settings, tmp_path)
    with session_scope(settings) as s:
        change(s, ADMIN, name="disclosure_threshold", raw_value=str(threshold), reason="test")
        ref = _request(s)
        _answer(s, ref, 1, categories=["sexual", "domestic_abuse"], roles=["officer"],
                by=["none"])  # fmt: skip
        split = _answer(s, ref, 2, categories=["sexual", "domestic_abuse"], roles=["officer"],
                        by=["category"])  # fmt: skip
    # The 2 domestic abuse dismissals are a small count at 5 but not at 2.
    expected = ["2019/20", "withheld", "fewer than 5"] if threshold == 5 else ["2019/20", 6, 2]
    assert split[0] == expected


def test_only_linked_populations_are_read_together() -> None:
    from datawash.foi.linked import DIMENSIONS, Scope, _Cell, _connected

    def scope(cats: list[str], start: int, end: int) -> Scope:
        dims = (frozenset(cats), frozenset(["officer"]), frozenset(["dismissed"]),
                *[None] * (len(DIMENSIONS) - 3))  # fmt: skip
        return Scope("register:people:outcome", dims, date(start, 4, 1), date(end, 4, 1))

    near = _Cell(scope(["sexual"], 2019, 2020), 3, new=False)
    chained = _Cell(scope(["sexual", "other"], 2019, 2021), 9, new=False)
    via_chain = _Cell(scope(["other"], 2020, 2021), 4, new=False)
    apart = _Cell(scope(["drugs"], 2015, 2016), 2, new=False)
    kept = _connected([apart, via_chain, chained, near], [scope(["sexual"], 2019, 2020)])
    assert near in kept and chained in kept and via_chain in kept and apart not in kept


def test_the_general_count_is_linked_with_the_dismissals_table(
    settings: Settings, tmp_path: Path
) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _request(s)
        total = _answer(s, ref, 1, categories=["sexual", "domestic_abuse"], roles=["officer"],
                        by=["none"])  # fmt: skip
        assert total[0] == ["2019/20", 8]
        answer = service.answer_question(
            s, FOI, reference=ref, number=2, today=TODAY,
            statistics=[service.StatisticAnswer("register_count", {
                **SPAN, "categories": ["sexual", "domestic_abuse"], "roles": ["officer"],
                "by": ["category"], "date_field": "outcome"})],
        )  # fmt: skip
        rows = answer.blocks[0]["table"]["rows"]
    year = {r[1]: r[2] for r in rows if r[0] == "2019/20"}
    assert year["domestic_abuse"] == "fewer than 5"
    assert year["sexual"] == "withheld" or year["all"] == "withheld"  # 8 - 6 = 2 not possible


def test_a_narrower_table_beside_a_wider_one_gives_no_small_difference(
    settings: Settings, tmp_path: Path
) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _request(s)
        both = _answer(s, ref, 1, categories=["sexual", "domestic_abuse"], roles=["officer"],
                       by=["none"])  # fmt: skip
        assert both[0] == ["2019/20", 8]
        # Officers dismissed for sexual offences alone: 6, and 8 - 6 = 2 for domestic abuse.
        sexual = _answer(s, ref, 2, categories=["sexual"], roles=["officer"], by=["none"])
    assert sexual[0] == ["2019/20", "withheld"]
    assert sexual[1] == ["2020/21", 7]  # 7 beside 7: nothing to give away


def test_a_response_drafted_beside_another_is_checked_again_when_sent(
    settings: Settings, tmp_path: Path
) -> None:
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        a, b = _request(s), _request(s)
        # A: the breakdown (6 and fewer than 5), answered first, not yet sent.
        split = _answer(s, a, 1, categories=["sexual", "domestic_abuse"], roles=["officer"],
                        by=["category"])  # fmt: skip
        assert split[0] == ["2019/20", 6, "fewer than 5"]
        for q in (2, 3):
            service.answer_question(s, FOI, reference=a, number=q, text="See 1.")
        # B: the total (8), answered and sent in between.
        _answer(s, b, 1, categories=["sexual", "domestic_abuse"], roles=["officer"],
                by=["none"])  # fmt: skip
        for q in (2, 3):
            service.answer_question(s, FOI, reference=b, number=q, text="See 1.")
        service.send_response(s, FOI, reference=b, on=TODAY, today=TODAY)
        with pytest.raises(InputError, match="question 1 must be answered again"):
            service.send_response(s, FOI, reference=a, on=TODAY, today=TODAY)
        again = _answer(s, a, 1, categories=["sexual", "domestic_abuse"], roles=["officer"],
                        by=["category"])  # fmt: skip
        assert again[0] == ["2019/20", "withheld", "fewer than 5"]
        assert service.send_response(s, FOI, reference=a, on=TODAY, today=TODAY).status == "sent"


def _statistic(s: Any, ref: str, number: int, name: str, params: dict[str, Any]) -> list[Any]:
    answer = service.answer_question(
        s, FOI, reference=ref, number=number, today=TODAY,
        statistics=[service.StatisticAnswer(name, params)],
    )  # fmt: skip
    return [list(r) for r in answer.blocks[0]["table"]["rows"]]


def test_an_answer_takes_only_what_its_statistic_does(settings: Settings, tmp_path: Path) -> None:
    """An FOI answer refuses a parameter its statistic would ignore (it would be stored as
    applied), and years beside a span; a span alone is answered as the span, with no
    years written into the stored parameters beside it."""
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _request(s)
        for name, params, field in (
            ("live_investigations", {"outcomes": ["dismissed"]}, "outcomes"),
            ("register_count", {**SPAN, "span_from": "2019-05-01", "span_to": "2020-05-31"},
             "span_from"),
        ):  # fmt: skip
            with pytest.raises(InputError, match=r"not take|cannot both") as refused:
                _statistic(s, ref, 1, name, params)
            assert refused.value.field == field
        answer = service.answer_question(
            s, FOI, reference=ref, number=1, today=TODAY,
            statistics=[service.StatisticAnswer("register_count", {
                "span_from": "2019-05-01", "span_to": "2020-05-31", "date_field": "outcome",
                "categories": ["sexual"]})],
        )  # fmt: skip
        stored = answer.blocks[0]["params"]
        assert stored["from_period"] is None and stored["to_period"] is None
        assert stored["outcomes"] == ["any"]
        assert [r[0] for r in answer.blocks[0]["table"]["rows"]] == ["01/05/2019 to 31/05/2020"]


def test_a_filter_on_severity_beside_all_severities_gives_no_small_difference(
    settings: Settings, tmp_path: Path
) -> None:
    # Every case in _register is gross misconduct (6 officers dismissed for sexual offences
    # in 2019/20); two more for misconduct: 8 of all severities beside 6 of gross misconduct
    # would give the 2 away.
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        (tmp_path / "m-c.csv").write_text(
            "case_id,recorded_on,source,severity,closed_on\n"
            "KM1,2019-01-01,complaint,misconduct,2019-07-01\n"
            "KM2,2019-01-01,complaint,misconduct,2019-08-01\n"
        )
        (tmp_path / "m-a.csv").write_text(
            "allegation_id,case_id,person_id,role_at_time,category,stage,outcome,outcome_on\n"
            "AM1,KM1,M1,officer,sexual,closed,dismissed,2019-07-01\n"
            "AM2,KM2,M2,officer,sexual,closed,dismissed,2019-08-01\n"
        )
        cases.import_register(s, PSD, cases_path=tmp_path / "m-c.csv",
                              allegations_path=tmp_path / "m-a.csv")  # fmt: skip
        ref = _request(s)
        every = _answer(s, ref, 1, categories=["sexual"], roles=["officer"], by=["none"])
        assert every[0] == ["2019/20", 8]
        gross = _statistic(s, ref, 2, "register_count", {
            **SPAN, "categories": ["sexual"], "roles": ["officer"], "date_field": "outcome",
            "severities": ["gross_misconduct"], "outcomes": list(DISMISSAL)})  # fmt: skip
    # Per table the 6 is safe; beside the 8 of all severities it gives 8 - 6 = 2 away.
    assert gross[0] == ["2019/20", "withheld"]
    assert gross[1] == ["2020/21", 7]  # 7 beside 7: nothing to give away


def test_live_investigations_by_category_beside_their_total_give_nothing_away(
    settings: Settings, tmp_path: Path
) -> None:
    _import_rows(settings, tmp_path, [
        {"recorded_on": "2022-06-01", "severity": "gross_misconduct", "category": cat,
         "stage": "investigation"} for cat in ["sexual"] * 6 + ["domestic_abuse"] * 2
    ])  # fmt: skip
    with session_scope(settings) as s:
        ref = _request(s)
        day = {"as_of": TODAY.isoformat(), "categories": ["sexual", "domestic_abuse"]}
        total = _statistic(s, ref, 1, "live_investigations", day)
        assert total == [["all in scope", 8, 8]]
        split = _statistic(s, ref, 2, "live_investigations", {**day, "by": ["category"]})
        # And the general count of the same live cases, by category, beside both.
        general = _statistic(s, ref, 3, "register_count", {
            **day, "count": "cases", "date_field": "recorded", "live": "live",
            "outcomes": ["any"], "span_from": "1900-01-01", "span_to": TODAY.isoformat(),
            "by": ["category"]})  # fmt: skip
    sexual, domestic = split[0], split[1]
    assert domestic[1:] == ["fewer than 5", "fewer than 5"]
    assert sexual[1:] == ["withheld", "withheld"]  # 8 - 6 would give the 2 away
    counts = {r[1]: r[2] for r in general}
    assert counts["domestic_abuse"] == "fewer than 5"
    assert counts["sexual"] == "withheld" or counts["all"] == "withheld"


def test_a_named_statistic_counts_what_its_register_count_preset_counts(
    settings: Settings, tmp_path: Path
) -> None:
    from datawash.stats import service as stats
    from datawash.stats.registry import StatParams, live_investigations_preset

    _register(settings, tmp_path)
    with session_scope(settings) as s:
        p = StatParams(as_of=TODAY, categories=("sexual", "domestic_abuse"), by=("category",))
        named = stats.run_statistic(s, FOI, "outcomes_by_year", {
            **SPAN, "by": ["category"], "categories": list(p.categories)})  # fmt: skip
        general = stats.run_statistic(s, FOI, "register_count", {
            **SPAN, "by": ["category"], "categories": list(p.categories),
            "date_field": "outcome"})  # fmt: skip
        by_year = {(r[0], r[1]): r[2] for r in general.rows}
        for row in named.rows:
            assert row[1:] == [by_year[(row[0], "sexual")], by_year[(row[0], "domestic_abuse")]]
        q = live_investigations_preset(p)
        assert (q.date_field, q.live, q.span_to) == ("recorded", "live", TODAY)


def _narrative(s: Any, reference: str) -> tuple[str, list[dict[str, Any]]]:
    q4 = next(q for q in service.get_request(s, FOI, reference).questions if q.number == 4)
    assert q4.answer is not None
    text = " ".join(str(b["text"]) for b in q4.answer.blocks if b["kind"] == "text")
    return text, [b for b in q4.answer.blocks if b["kind"] == "figures"]


def test_numbers_in_a_narrative_are_controlled_beside_the_disclosure_log(
    settings: Settings, tmp_path: Path
) -> None:
    from datawash.foi.seed import build_seed_response
    from tests.review.helpers import make_run

    _register(settings, tmp_path)  # 16 completed cases: 14 sexual offences, 2 domestic abuse
    with session_scope(settings) as s:
        make_run(s, {("P0", "R0"): "a"})
        first = _request(s)
        sexual = _statistic(s, first, 1, "completed_case_review", {
            "as_of": TODAY.isoformat(), "categories": ["sexual"]})  # fmt: skip
        assert sexual == [["all in scope", 14, 14]]
        for q in (2, 3):
            service.answer_question(s, FOI, reference=first, number=q, text="See 1.")
        service.send_response(s, FOI, reference=first, on=TODAY, today=TODAY)
        seed = build_seed_response(s, FOI, authority="Test Police", received_on=TODAY,
                                   as_of=TODAY)  # fmt: skip
        text, figures = _narrative(s, seed)
    # "16 completed cases" beside the 14 of sexual offences in the log would give the 2
    # domestic abuse cases away.
    assert "yes, the force is reviewing completed cases" in text
    assert "16 completed cases" not in text and "16 officers" not in text
    assert "undisclosed number of completed cases" in text
    assert len(figures) == 1


def test_a_later_table_is_read_beside_the_numbers_of_a_narrative(
    settings: Settings, tmp_path: Path
) -> None:
    from datawash.foi.seed import build_seed_response
    from tests.review.helpers import make_run

    _register(settings, tmp_path)
    with session_scope(settings) as s:
        make_run(s, {("P0", "R0"): "a"})
        seed = build_seed_response(s, FOI, authority="Test Police", received_on=TODAY,
                                   as_of=TODAY)  # fmt: skip
        text, _figures = _narrative(s, seed)
        assert "16 completed cases" in text  # nothing published beside it yet
        service.send_response(s, FOI, reference=seed, on=TODAY, today=TODAY)
        later = _request(s)
        sexual = _statistic(s, later, 1, "completed_case_review", {
            "as_of": TODAY.isoformat(), "categories": ["sexual"]})  # fmt: skip
    # 14 beside the narrative's 16 would give the 2 domestic abuse cases away.
    assert sexual == [["all in scope", "withheld", "withheld"]]


def test_a_one_role_table_beside_a_breakdown_by_every_role_gives_nothing_away() -> None:
    """An "all roles" total is the sum of the four roles: no room for a fifth in which the
    reader could hide the difference (found in review: 25 - 10 - 6 - 5 = 4)."""
    from datawash.foi.disclosure import apply_disclosure_control
    from datawash.stats.registry import StatParams

    def table(by: list[str], rows: list[list[object]], **params: Any) -> StatTable:
        p = StatParams(date_field="outcome", from_period="2019/20", to_period="2019/20",
                       as_of=TODAY, outcomes=("any",), by=tuple(by), **params)  # fmt: skip
        lines = [[(len(rows) - 1, 2)] + [(r, 2) for r in range(len(rows) - 1)]] if by else []
        return StatTable(name="register_count", title="t", columns=["period", *by, "people"],
                         rows=rows, label_columns=1 + len(by), lines=lines,
                         parameters=p.as_dict())  # fmt: skip

    by_role, _ = apply_disclosure_control(
        table(["role"], [["2019/20", "officer", 10], ["2019/20", "staff", 4],
                         ["2019/20", "special", 5], ["2019/20", "volunteer", 6],
                         ["2019/20", "all", 25]]), 5)  # fmt: skip
    assert [r[2] for r in by_role.rows] == [10, "fewer than 5", "withheld", 6, 25]
    special, _ = apply_disclosure_control(table([], [["2019/20", 5]], roles=("special",)), 5)
    safe, changed = protect_linked(special, [by_role], 5)
    assert safe.rows == [["2019/20", "withheld"]] and changed


def test_a_system_too_large_to_check_refuses_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Breakdowns by many dimensions multiply the atoms (nine in full: millions, hours of
    linear programmes): past the limit the table is refused, never published unchecked."""
    from datawash.foi import linked
    from datawash.foi.disclosure import apply_disclosure_control
    from datawash.stats.registry import StatParams

    p = StatParams(date_field="outcome", from_period="2019/20", to_period="2019/20",
                   as_of=TODAY, outcomes=("any",), by=("role",))  # fmt: skip
    by_role, _ = apply_disclosure_control(
        StatTable(name="register_count", title="By role", columns=["period", "role", "people"],
                  rows=[["2019/20", "officer", 10], ["2019/20", "staff", 4],
                        ["2019/20", "special", 5], ["2019/20", "volunteer", 6],
                        ["2019/20", "all", 25]],
                  label_columns=2, lines=[[(4, 2), (0, 2), (1, 2), (2, 2), (3, 2)]],
                  parameters=p.as_dict()), 5)  # fmt: skip
    total = StatTable(name="register_count", title="All roles", columns=["period", "people"],
                      rows=[["2019/20", 25]], label_columns=1,
                      parameters=replace(p, by=()).as_dict())  # fmt: skip
    assert protect_linked(total, [by_role], 5)[0].rows == [["2019/20", 25]]  # checked: fine
    monkeypatch.setattr(linked, "MAX_ATOMS", 3)  # the roles alone make more
    with pytest.raises(
        InputError, match=r"'All roles' cannot be checked.* into \d+ pieces, more than the 3"
    ):
        protect_linked(total, [by_role], 5)


def _random_scope(rnd: Any, all_values: float, first_year: int, fields: list[str]) -> Any:
    """A random population: each dimension all values (with chance ``all_values``) or a
    random set of them, a span of financial years from ``first_year``, one of ``fields``."""
    from datawash.foi.linked import DIMENSIONS, UNIVERSE, Scope

    dims = tuple(
        None if rnd.random() < all_values
        else frozenset(rnd.sample(UNIVERSE[d], rnd.randint(1, len(UNIVERSE[d]))))
        for d in DIMENSIONS
    )  # fmt: skip
    y = rnd.randint(first_year, 2022)
    end = date(rnd.randint(y + 1, 2024), 4, 1)
    return Scope("register:people", dims, date(y, 4, 1), end, rnd.choice(fields))


def test_each_cells_atoms_are_built_as_their_definition_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Kronecker-built masks against the plain definition, atom by atom, on random
    cells: an atom is one value class per dimension and one span, the last varying fastest."""
    import random
    from itertools import pairwise, product

    import numpy as np

    from datawash.cases.workflow import LEGACY_OUTCOMES, OFFICER_ONLY, OFFICER_ROLES
    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, UNIVERSE, _atoms, _Cell, _has

    monkeypatch.setattr(linked, "MAX_RAW_ATOMS", 10**9)  # the construction, however large
    rnd = random.Random(7)
    for _ in range(40):
        cells = []
        for _ in range(rnd.randint(1, 5)):
            scope = _random_scope(rnd, 0.7, 2015, ["outcome"])
            # Not cut by leaving while under investigation: that brings the dates it follows
            # from in as axes (the grid test reads it).
            dims = list(scope.dims)
            dims[DIMENSIONS.index("left_under_investigation")] = None
            cells.append(_Cell(replace(scope, dims=tuple(dims)), 3, new=False))
        n_atoms, masks, _possible = _atoms(cells)
        left = DIMENSIONS.index("left_under_investigation")
        cut = any(c.scope.dims[left] is not None for c in cells)

        def classes_of(
            i: int, d: str, rules: bool, cells: list[Any] = cells, cut: bool = cut
        ) -> list[str]:
            firsts: dict[tuple[object, ...], str] = {}
            for v in sorted({*UNIVERSE[d], *(x for c in cells for x in c.scope.dims[i] or ())}):
                # Placed by the date of outcome: "not recorded" (no such date) is kept apart.
                # Cut by leaving while under investigation: each of its values is (its rules
                # read them), and a "not recorded" leaving reason (it goes with theirs).
                told: object = (d == "outcome" or (cut and d == "leaving_reason")) and (
                    v == "not recorded"
                )
                if cut and d == "left_under_investigation":
                    told = v
                # Where outcomes are told apart, so are those the outcome rules read (a
                # legacy outcome, reduction in rank), and the roles reduction in rank is for.
                if rules:
                    told = (told, v in LEGACY_OUTCOMES, v in OFFICER_ONLY, v in OFFICER_ROLES)
                firsts.setdefault((*(_has(c.scope.dims[i], v) for c in cells), told), v)
            return list(firsts.values())

        classes = [classes_of(i, d, False) for i, d in enumerate(DIMENSIONS)]
        o, r = DIMENSIONS.index("outcome"), DIMENSIONS.index("role")
        if len(classes[o]) > 1:
            classes[o] = classes_of(o, "outcome", True)
            if len(classes[r]) > 1:
                classes[r] = classes_of(r, "role", True)
        spans = list(pairwise(sorted({t for c in cells for t in (c.scope.start, c.scope.end)})))
        atoms = [(v, sp) for v in product(*classes) for sp in spans]
        assert n_atoms == len(atoms)
        for cell, mask in zip(cells, masks, strict=True):
            s = cell.scope
            expected = [
                all(_has(s.dims[i], v[i]) for i in range(len(DIMENSIONS)))
                and s.start <= sp[0] and sp[1] <= s.end
                for v, sp in atoms
            ]  # fmt: skip
            assert np.array_equal(mask, np.array(expected, dtype=float))


def _span_table(
    date_field: str, by: str, rows: list[list[object]], *, controlled: bool = False
) -> StatTable:
    """register_count of people dismissed for sexual offences or domestic abuse "since
    records began" (1 January 1900 to TODAY), placed by ``date_field``, broken down by
    ``by``, its own disclosure control applied (``controlled``: as given, already applied)."""
    from datawash.foi.disclosure import apply_disclosure_control
    from datawash.stats.registry import EVER, StatParams

    p = StatParams(date_field=date_field, span_from=EVER, span_to=TODAY, as_of=TODAY,
                   outcomes=("dismissed",), by=(by,))  # fmt: skip
    label = f"{EVER:%d/%m/%Y} to {TODAY:%d/%m/%Y}"
    body = [[label, *r] for r in rows]
    table = StatTable(name="register_count", title=f"By {by}, placed by {date_field}",
                      columns=["period", by, "people"], rows=body, label_columns=2,
                      lines=[[(len(body) - 1, 2)] + [(r, 2) for r in range(len(body) - 1)]],
                      parameters=p.as_dict())  # fmt: skip
    return table if controlled else apply_disclosure_control(table, 5)[0]


def test_tables_placed_by_different_dates_are_read_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Since records began, the people dismissed counted by the date their case was recorded
    are the people dismissed counted by the date of the outcome (every outcome has its date,
    none is before 1985 or in the future): a total by one beside a breakdown by the other
    gives a hidden count away (14 - 12 - 0 - 0 = 2) unless the two are one system."""
    from datawash.foi import linked

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    by_category = _span_table("recorded", "category",
                              [["sexual", 8], ["domestic_abuse", 6], ["all", 14]])  # fmt: skip
    assert [r[2] for r in by_category.rows] == [8, 6, 14]
    # The role table as its own control may publish it, hiding the total: the 2 cannot be
    # had from it alone ...
    by_role = _span_table("outcome", "role", [["officer", 12], ["staff", "fewer than 5"],
                          ["special", 0], ["volunteer", 0], ["all", "withheld"]],
                          controlled=True)  # fmt: skip
    # ... but beside the category table's total it could: more is withheld.
    safe, changed = protect_linked(by_role, [by_category], 5)
    assert changed and safe.rows[0][2] == "withheld"
    # And read the other way round: the category table beside the published role table.
    safe, changed = protect_linked(by_category, [by_role], 5)
    assert changed and "withheld" in [r[2] for r in safe.rows]


def test_dates_out_of_order_or_out_of_range_hold_nothing() -> None:
    """What the importer refuses is known to every reader, so the system knows it too: no
    outcome before its case was recorded, no outcome without its date, no date before 1985."""
    from datawash.foi.linked import DIMENSIONS, NOT_RECORDED, Scope, _atoms, _Cell

    everything = (None,) * len(DIMENSIONS)
    cells = [
        _Cell(Scope("k", everything, date(2019, 1, 1), date(2020, 1, 1), "recorded"), 5, False),
        _Cell(Scope("k", everything, date(2018, 1, 1), date(2019, 1, 1), "outcome"), 5, False),
    ]
    _n, _masks, possible = _atoms(cells)
    outcome = DIMENSIONS.index("outcome")
    recorded_2019 = cells[0].scope
    # An atom is (dimension classes ..., recorded bucket, outcome bucket): rebuild the grid.
    from datawash.foi.linked import _buckets

    axes = dict(_buckets(cells))
    grid = possible.reshape(-1, len(axes["outcome"]), len(axes["recorded"]))
    rec = axes["recorded"].index(("span", recorded_2019.start, recorded_2019.end))
    out_2018 = axes["outcome"].index(("span", date(2018, 1, 1), date(2019, 1, 1)))
    none = axes["outcome"].index(("none", None, None))
    assert not grid[:, out_2018, rec].any()  # an outcome in 2018 of a case recorded in 2019
    assert grid[:, none, rec].any()  # no outcome yet: possible (with "not recorded")
    assert ("none", None, None) not in axes["recorded"]  # every case is recorded on a day
    assert NOT_RECORDED == "not recorded" and outcome >= 0


def test_the_system_read_is_the_grid_with_alike_and_empty_atoms_merged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """_system builds the atoms a dimension or date at a time without writing the grid out;
    on random cells placed by several dates it must give exactly the grid's distinct
    columns, once atoms no record can be in and atoms in no cell are left out."""
    import random

    import numpy as np

    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, UNIVERSE, _atoms, _Cell, _system

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    monkeypatch.setattr(linked, "MAX_RAW_ATOMS", 4_000_000)  # the grid, written out here
    rnd = random.Random(11)
    fields = ["recorded", "outcome", "appeal", "closed"]
    tied = 0
    # ... and with the date left, fewer dimensions cut (the grid grows fast); and spells in
    # force (a condition on the date a spell ends) and tables as at a past day.
    compared = dict.fromkeys(("dates", "left", "spells"), 0)
    for mode in ["dates"] * 30 + ["left"] * 60 + ["spells"] * 30:
        left = mode == "left"
        cells = []
        for _ in range(rnd.randint(1, 4 if left else 6)):
            scope = _random_scope(
                rnd,
                0.95 if mode != "dates" else 0.7,
                1983,
                {"left": ["recorded", "outcome", "left", "left"],
                 "spells": ["recorded", "suspended", "suspension_ended", "charged"]}.get(
                    mode, fields),
            )  # fmt: skip
            if mode == "spells" and rnd.random() < 0.5:
                start = date(rnd.randint(1990, 2022), 1, 1)
                ends = rnd.choice(["suspension_ended", "closed"])
                scope = replace(scope, closed=(start, None, True), closed_field=ends)
            if mode == "spells" and rnd.random() < 0.4:
                scope = replace(scope, recorded_by=date(rnd.randint(2000, 2022), 7, 1))
            # Cut by leaving while under investigation in "left" systems only (it brings the
            # dates recorded, left and of outcome in as axes: too large a grid elsewhere).
            values = UNIVERSE["left_under_investigation"]
            dims = list(scope.dims)
            dims[DIMENSIONS.index("left_under_investigation")] = (
                frozenset(rnd.sample(values, rnd.randint(1, len(values))))
                if left and rnd.random() < 0.7 else None
            )  # fmt: skip
            scope = replace(scope, dims=tuple(dims))
            cells.append(_Cell(scope, 3, new=False))
        try:
            _n, raw, possible = _atoms(cells)
        except linked._TooLarge:
            continue  # a grid too large to write out here
        grid = np.vstack(raw)[:, (possible > 0) & (np.vstack(raw).sum(axis=0) > 0)]
        expected = {tuple(col) for col in grid.T}
        n, masks, _all = _system(cells)
        got = {tuple(col) for col in np.vstack(masks).T}
        assert n == len(got) == len(expected) and got == expected
        compared[mode] += 1
        tied += bool(linked._ties(*linked._axes(cells, TODAY)[::-1], TODAY))
    assert tied >= 5  # the rule of three axes (leaving while under investigation) was read
    assert min(compared.values()) >= 25, compared  # most systems of each kind written out


def test_leaving_while_under_investigation_ties_the_dates_recorded_left_and_of_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "Yes" (left while under investigation) needs the case recorded by the day left and
    no outcome or a later one; "no" needs the case recorded after the day left, or an
    outcome by then; both are "not recorded" exactly when the leaving reason is. No atom
    holds records the rules forbid; without the rules some would."""
    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, NOT_RECORDED, Scope, _Cell

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    index = {"left": DIMENSIONS.index("left_under_investigation"),
             "outcome": DIMENSIONS.index("outcome"),
             "reason": DIMENSIONS.index("leaving_reason")}  # fmt: skip

    def scope(field: str, year: int, **values: str) -> Scope:
        dims: list[frozenset[str] | None] = [None] * len(DIMENSIONS)
        for name, value in values.items():
            dims[index[name]] = frozenset([value])
        return Scope("register:people", tuple(dims), date(year, 4, 1), date(year + 1, 4, 1),
                     field)  # fmt: skip

    cells = [_Cell(sc, 3, new=False) for sc in (
        scope("left", 2020, left="no"),                   # 0
        scope("outcome", 2021),                           # 1
        scope("left", 2021, left="yes"),                  # 2
        scope("outcome", 2019),                           # 3
        scope("recorded", 2022),                          # 4
        scope("recorded", 2015, outcome=NOT_RECORDED),    # 5
        scope("recorded", 2017, reason=NOT_RECORDED),     # 6
        scope("recorded", 2017, left="no"),               # 7
        scope("recorded", 2022, outcome=NOT_RECORDED),    # 8
    )]  # fmt: skip

    def together(masks: list[Any], i: int, j: int) -> bool:
        return bool(np.any((masks[i] > 0) & (masks[j] > 0)))

    forbidden = [(2, 3), (2, 4), (0, 5), (6, 7)]
    # (2, 3) yes: the outcome after the day left; (2, 4) yes: the case recorded by then;
    # (0, 5) no, no outcome: only if the case was recorded after the day left;
    # (6, 7) no leaving reason: never left.
    # (0, 8) no, no outcome: the case recorded after the day left.
    allowed = [(0, 1), (0, 3), (2, 1), (2, 5), (0, 4), (0, 8)]
    _n, masks, _p = linked._system(cells)
    assert not any(together(masks, i, j) for i, j in forbidden)
    assert all(together(masks, i, j) for i, j in allowed)
    _n, grid, possible = linked._atoms(cells)  # the grid says the same
    assert not any(np.any(grid[i] * grid[j] * possible) for i, j in forbidden)
    assert all(np.any(grid[i] * grid[j] * possible) for i, j in allowed)
    monkeypatch.setattr(linked, "_ties", lambda classes, axes, today: {})
    monkeypatch.setattr(linked, "_rules", lambda classes, axes: {})
    linked._system_of.cache_clear()
    _n, masks, _p = linked._system(cells)
    assert all(together(masks, i, j) for i, j in forbidden)


def _progress(finished: int, remaining: int, psd: int) -> StatTable:
    """A wash progress table of run 1 as its own control publishes it."""
    from datawash.foi.disclosure import apply_disclosure_control

    rows: list[list[object]] = [
        ["people checked", 100], ["people with records to review", finished + remaining],
        ["people checked with nothing to review", 100 - finished - remaining],
        ["reviews finished", finished], ["reviews remaining", remaining],
        ["referred: psd", psd],
    ]  # fmt: skip
    table = StatTable(name="wash_progress", title="Data wash progress",
                      columns=["measure", "number"], rows=rows,
                      parameters={"run_id": 1, "as_of": "2023-02-20"},
                      lines=[[(0, 1), (1, 1), (2, 1)], [(1, 1), (3, 1), (4, 1)]])  # fmt: skip
    return apply_disclosure_control(table, 5)[0]


def test_the_wash_progress_answered_again_does_not_give_the_change_away() -> None:
    """Two more people referred to PSD between two answers (7, then 9) is a count of 2: the
    later figure is withheld, and so is what the table's sums would give it back from."""
    first = _progress(finished=12, remaining=8, psd=7)
    later = _progress(finished=14, remaining=6, psd=9)
    safe, changed = protect_linked(later, [first], 5)
    got = {r[0]: r[1] for r in safe.rows}
    assert got["referred: psd"] == "withheld" and got["reviews finished"] == "withheld"
    # Finished + remaining = 20, published: remaining must go too, or 20 - 6 gives 14 back.
    assert got["reviews remaining"] == "withheld"
    assert got["people checked"] == 100 and got["people with records to review"] == 20
    assert changed
    # Moved by 5 or more, or another run's progress: nothing to give away.
    assert protect_linked(_progress(finished=17, remaining=3, psd=12), [first], 5)[1] == []
    other_run = replace(first, parameters={"run_id": 2, "as_of": "2023-01-20"})
    assert protect_linked(later, [other_run], 5)[1] == []
    # The same run answered with another kind of year is the same progress (found in review).
    calendar = replace(first, parameters={"run_id": 1, "period": "calendar"})
    assert protect_linked(later, [calendar], 5)[1]


def test_rates_shown_beside_a_figure_withheld_later_are_dropped() -> None:
    """ "77% of the responses sent were on time" beside a withheld count of late responses
    gives it back (found in review): withholding more drops the rates, as the table's own
    control does."""
    from datawash.foi.disclosure import RATES_NOT_GIVEN, apply_disclosure_control, withhold_more

    table = StatTable(name="foi_timeliness", title="t", columns=["year", "on_time", "late"],
                      rows=[["2023", 40, 12]], parameters={"period": "calendar"},
                      count_notes=["77% of the responses sent were on time."])  # fmt: skip
    safe, _ = apply_disclosure_control(table, 5)
    assert safe.shown_notes[-1] == "77% of the responses sent were on time."
    more, changed = withhold_more(safe, [(0, 2)], 5)
    assert changed and more.rows[0][2] == "withheld"
    assert "77% of the responses sent were on time." not in more.shown_notes
    assert RATES_NOT_GIVEN in more.shown_notes


def _given_away_here(cells: list[Any]) -> list[int]:
    from datawash.foi.linked import _given_away, _system

    _n, masks, possible = _system(cells)
    return _given_away(cells, masks, 5, possible)


def test_an_outcome_total_beside_a_breakdown_of_the_real_outcomes_gives_nothing_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Placed by the date of outcome, every record has an outcome ("not recorded" has no such
    date): a total of 10 beside a breakdown of the outcomes by category with 6 in one and 0
    elsewhere gives the hidden 4 away (found in review; the system did not know it)."""
    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, NOT_RECORDED, UNIVERSE, Scope, _Cell

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    o, c = DIMENSIONS.index("outcome"), DIMENSIONS.index("category")
    real = frozenset(v for v in UNIVERSE["outcome"] if v != NOT_RECORDED)

    def scope(outcomes: frozenset[str] | None, category: str | None = None) -> Scope:
        dims: list[frozenset[str] | None] = [None] * len(DIMENSIONS)
        dims[o], dims[c] = outcomes, frozenset([category]) if category else None
        return Scope("register:people", tuple(dims), date(2020, 1, 1), date(2021, 1, 1))

    for hidden in (2, 4):
        cells = [_Cell(scope(None), 6 + hidden, new=False, table=0)]
        for i, category in enumerate(UNIVERSE["category"]):
            value: object = "fewer than 5" if i == 0 else (6 if i == 1 else 0)
            cells.append(_Cell(scope(real, category), value, new=True, position=(0, i + 1)))
        assert _given_away_here(cells) == [1]


def test_live_cases_beside_recorded_and_closed_give_nothing_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A case is live at a day exactly when it was not closed by then: recorded 10, closed 6,
    so live is 4 (found in review: live tables were not tied to the closed date)."""
    from datetime import timedelta

    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, UNIVERSE, Scope, _Cell
    from datawash.stats.registry import EVER

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    cat = DIMENSIONS.index("category")
    first, second = UNIVERSE["category"][:2]

    def scope(field: str, category: str, state: str | None = None) -> Scope:
        dims: list[frozenset[str] | None] = [None] * len(DIMENSIONS)
        dims[cat] = frozenset([category])
        # Live at the day: closed after it, or not closed (Scope.closed).
        closed = (TODAY + timedelta(days=1), None, True) if state == "live" else None
        return Scope("register:cases", tuple(dims), EVER, TODAY + timedelta(days=1), field,
                     closed)  # fmt: skip

    recorded, closed = {first: 10, second: 5}, {first: 6, second: 5}
    cells = []
    for category in UNIVERSE["category"]:
        cells.append(_Cell(scope("recorded", category), recorded.get(category, 0), False, table=0))
        cells.append(_Cell(scope("closed", category), closed.get(category, 0), False, table=1))
    for i, category in enumerate(UNIVERSE["category"]):
        value: object = "fewer than 5" if category == first else 0
        cells.append(_Cell(scope("recorded", category, "live"), value, True, position=(i, 1)))
    hidden = next(i for i, cell in enumerate(cells) if cell.value == "fewer than 5")
    assert _given_away_here(cells) == [hidden]


def test_figures_that_break_a_rule_of_the_dates_are_still_read_as_sums(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A published figure the rules say cannot be (17 people dismissed or with no outcome,
    placed by the date of outcome, where only the dismissed can have that date and they are
    14: a register that changed between answers, say) makes the system with the rules
    contradict itself; it is read without them, still as sums, so the subtraction across the
    tables placed by different dates is still caught (not only "at most the sum")."""
    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, NOT_RECORDED, Scope, _Cell, _protect, scopes

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    by_category = _span_table("recorded", "category",
                              [["sexual", 8], ["domestic_abuse", 6], ["all", 14]])  # fmt: skip
    by_role = _span_table("outcome", "role", [["officer", 12], ["staff", "fewer than 5"],
                          ["special", 0], ["volunteer", 0], ["all", "withheld"]],
                          controlled=True)  # fmt: skip
    old = [_Cell(sc, by_category.rows[r][c], new=False, table=0)
           for (r, c), sc in scopes(by_category).items()]  # fmt: skip
    total = old[-1].scope
    dims = list(total.dims)
    dims[DIMENSIONS.index("outcome")] = frozenset(["dismissed", NOT_RECORDED])
    odd = Scope(total.kind, tuple(dims), total.start, total.end, "outcome")
    old.append(_Cell(odd, 17, new=False, table=1))
    mine = scopes(by_role)
    every = old + [_Cell(sc, by_role.rows[r][c], True, (r, c)) for (r, c), sc in mine.items()]
    _n, masks, _p = linked._system(every)
    assert not linked._feasible(every, masks, 5)  # with the rules it cannot be
    rows = [list(r) for r in by_role.rows]
    read: list[bool] = []
    system = linked._system

    def spy(cells: list[Any], *, rules: bool = True) -> Any:
        read.append(rules)
        return system(cells, rules=rules)

    monkeypatch.setattr(linked, "_system", spy)
    _protect(by_role, rows, mine, old, 5)
    assert rows[0][2] == "withheld"  # the officers' 12, which gave the 2 away
    assert False in read  # read without the rules


def _record(rnd: Any, day: date) -> dict[str, Any]:
    """One allegation the importer would accept, with every value the system reads."""
    from datetime import timedelta

    from datawash.cases.workflow import LEGACY_OUTCOMES, LEGACY_UNTIL, OFFICER_ONLY, OFFICER_ROLES
    from datawash.foi.linked import DIMENSIONS, NOT_RECORDED, UNIVERSE
    from datawash.ingest.schema import AFTER_CHARGE

    def on_or_after(start: date) -> date:
        return start + timedelta(days=rnd.randint(0, max(0, (day - start).days)))

    rec: dict[str, Any] = {d: rnd.choice([v for v in UNIVERSE[d] if v != NOT_RECORDED] or
                                         list(UNIVERSE[d])) for d in DIMENSIONS}  # fmt: skip
    dates: dict[str, date | None] = {"recorded": on_or_after(date(1985, 1, 1))}
    recorded = dates["recorded"]
    assert recorded is not None
    has_outcome = rnd.random() < 0.6
    dates["outcome"] = on_or_after(recorded) if has_outcome else None
    rec["outcome"] = rec["outcome"] if has_outcome else NOT_RECORDED
    # The outcome rules (check_outcome): a legacy outcome only for a case recorded before
    # February 2020, reduction in rank only for officers and specials.
    if rec["outcome"] in LEGACY_OUTCOMES and recorded >= LEGACY_UNTIL:
        rec["outcome"] = "reflective_practice"
    if rec["outcome"] in OFFICER_ONLY and rec["role"] not in OFFICER_ROLES:
        rec["role"] = rnd.choice(OFFICER_ROLES)
    dates["closed"] = on_or_after(dates["outcome"]) if has_outcome and rnd.random() < 0.7 else None
    dates["appeal"] = on_or_after(dates["outcome"]) if has_outcome and rnd.random() < 0.3 else None
    for f in ("assessed", "hearing"):
        dates[f] = on_or_after(recorded) if rnd.random() < 0.5 else None
    started = on_or_after(recorded) if rnd.random() < 0.6 else None
    dates["investigation_started"] = started
    dates["investigation_ended"] = on_or_after(started) if started and rnd.random() < 0.6 else None
    left = rnd.random() < 0.3
    # A former officer's conduct may come to light after they left: any day, now and then.
    start = date(1985, 1, 1) if rnd.random() < 0.3 else recorded
    dates["left"] = on_or_after(start) if left else None
    rec["leaving_reason"] = rec["leaving_reason"] if left else NOT_RECORDED
    outcome, left_on = dates["outcome"], dates["left"]
    rec["left_under_investigation"] = (
        NOT_RECORDED if left_on is None
        else "yes" if left_on >= recorded and (outcome is None or outcome > left_on)
        else "no"
    )  # fmt: skip
    if rnd.random() < 0.4:
        rec["criminal_proceedings"] = NOT_RECORDED
    dates["criminal_outcome"] = (
        on_or_after(recorded)
        if rec["criminal_proceedings"] != NOT_RECORDED and rnd.random() < 0.5
        else None
    )
    # Suspended and restricted on any day (the importer does not tie them to the case's
    # dates), each ended or not, never before it began.
    for begun, ended in (("suspended", "suspension_ended"), ("restricted", "restriction_ended")):
        dates[begun] = on_or_after(date(1985, 1, 1)) if rnd.random() < 0.4 else None
        dates[ended] = on_or_after(dates[begun]) if dates[begun] and rnd.random() < 0.6 else None
    # A charge on any day (before the case was recorded too), not after the proceedings'
    # outcome, with proceedings that follow a charge.
    charged = rec["criminal_proceedings"] in AFTER_CHARGE and rnd.random() < 0.6
    latest = dates["criminal_outcome"] or day
    dates["charged"] = (
        date(1985, 1, 1) + timedelta(days=rnd.randint(0, (latest - date(1985, 1, 1)).days))
        if charged else None
    )  # fmt: skip
    rec["dates"] = dates
    return rec


@pytest.mark.parametrize("leaving", [False, True])
def test_every_record_the_importer_accepts_is_in_an_atom_of_the_system(
    monkeypatch: pytest.MonkeyPatch, leaving: bool
) -> None:
    """The oracle for the rules of the dates: random allegations the importer accepts (every
    rule of cases/service.py), random tables placed by random dates, some of live cases at a
    day: each record's set of cells must be an atom of the system (a rule that left out a
    record that can exist would let the linear programmes pin a count wrongly)."""
    import random
    from datetime import timedelta

    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, UNIVERSE, Scope, _Cell, _has, _system

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    # Every date; the recorded and closed dates (which live cases turn on) twice as often.
    fields = ["recorded", "recorded", "outcome", "closed", "closed", "appeal", "assessed",
              "hearing", "left", "investigation_started", "investigation_ended",
              "charged", "criminal_outcome", "suspended", "suspension_ended", "restricted",
              "restriction_ended"]  # fmt: skip
    # A condition on the date closed (live or completed), or on the end of a spell (a spell
    # in force at some time in a period: begun by its end, not ended by its start).
    ends = ["closed", "closed", "investigation_ended", "suspension_ended", "restriction_ended"]
    if leaving:  # every cell cut by leaving while under investigation, placed by its dates
        fields = ["left", "left", "outcome", "outcome", "recorded", "closed"]
    rnd = random.Random(5)
    checked = 0
    for _ in range(120):
        # Live or completed at up to two days in one system (a condition on the date closed).
        days = [TODAY - timedelta(days=rnd.randint(0, 3000)) for _ in range(rnd.randint(0, 2))]
        cells = []
        for _ in range(rnd.randint(1, 6)):
            dims = [
                None if rnd.random() < 0.75
                else frozenset(rnd.sample(UNIVERSE[d], rnd.randint(1, len(UNIVERSE[d]))))
                for d in DIMENSIONS
            ]  # fmt: skip
            dims[DIMENSIONS.index("live")] = None
            if leaving:
                values = UNIVERSE["left_under_investigation"]
                dims = [None if rnd.random() < 0.8 else dim for dim in dims]
                dims[DIMENSIONS.index("left_under_investigation")] = frozenset(
                    rnd.sample(values, rnd.randint(1, len(values)))
                )
            closed_condition = None
            on = rnd.choice(ends)
            if days and rnd.random() < 0.5:
                after = rnd.choice(days) + timedelta(days=1)
                live = rnd.random() < 0.5
                closed_condition = (after, None, True) if live else (None, after, False)
            y = rnd.randint(1984, 2022)
            end = date(rnd.randint(y + 1, 2024), 4, 1)
            # Counted as at a past day: the cases recorded by then only (Scope.recorded_by).
            by = TODAY - timedelta(days=rnd.randint(0, 4000)) if rnd.random() < 0.3 else None
            scope = Scope("register:people", tuple(dims), date(y, 4, 1), end,
                          rnd.choice(fields), closed_condition, on, by)  # fmt: skip
            cells.append(_Cell(scope, 3, new=False))
        _n, masks, _p = _system(cells)
        atoms = {tuple(int(x) for x in col) for col in np.vstack(masks).T} if _n else set()
        for _ in range(200):
            rec = _record(rnd, TODAY)
            held = []
            for cell in cells:
                sc = cell.scope
                values = dict(rec)
                closed = rec["dates"][sc.closed_field]
                in_closed = True
                if sc.closed is not None:
                    start, stop, open_cases = sc.closed
                    in_closed = (
                        open_cases
                        if closed is None
                        else (
                            (start is None or closed >= start) and (stop is None or closed < stop)
                        )
                    )
                when = rec["dates"].get(sc.field)
                recorded_by = sc.recorded_by is None or rec["dates"]["recorded"] < sc.recorded_by
                held.append(int(
                    all(_has(sc.dims[d], values[dim]) for d, dim in enumerate(DIMENSIONS))
                    and when is not None and sc.start <= when < sc.end and in_closed
                    and recorded_by
                ))  # fmt: skip
            if any(held):
                checked += 1
                assert tuple(held) in atoms, (rec, [c.scope for c in cells])
    assert checked > 1000  # records that some cell counts: the check is not vacuous


def test_figures_that_do_not_add_up_elsewhere_do_not_drop_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """People counted in two roles make an unrelated, linked table not add up as sums; the
    rules of the dates must still be read (found in review): 7 people with any outcome,
    placed by the date of outcome, are the people with a real outcome (only they have the
    date), so two hidden parts of 7 are each 3 or 4, and the new table is refused."""
    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, NOT_RECORDED, UNIVERSE, Scope, _Cell, _protect

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    cat, role, out = (DIMENSIONS.index(x) for x in ("category", "role", "outcome"))
    c0, c1, c2 = UNIVERSE["category"][:3]
    real = frozenset(v for v in UNIVERSE["outcome"] if v != NOT_RECORDED)

    def scope(cats: list[str], field: str = "outcome", outcomes: frozenset[str] | None = None,
              roles: list[str] | None = None, start: date = date(2020, 1, 1),
              end: date = date(2021, 1, 1)) -> Scope:  # fmt: skip
        dims: list[frozenset[str] | None] = [None] * len(DIMENSIONS)
        dims[cat], dims[out] = frozenset(cats), outcomes
        dims[role] = frozenset(roles) if roles else None
        return Scope("register:people", tuple(dims), start, end, field)

    published = [
        _Cell(scope([c0, c1]), 7, False, table=0),
        _Cell(scope([c1, c2], "recorded", start=date(1990, 1, 1), end=TODAY), 100, False, table=1),
        _Cell(scope([c2], roles=["officer"]), 10, False, table=2),
        _Cell(scope([c2], roles=["staff"]), 10, False, table=2),
        _Cell(scope([c2]), 15, False, table=2),  # one person in both roles: not a sum
    ]
    new = StatTable(name="register_count", title="New", columns=["period", "category", "people"],
                    rows=[["2020", c0, "fewer than 5"], ["2020", c1, "fewer than 5"]])  # fmt: skip
    mine = {(0, 2): scope([c0], outcomes=real), (1, 2): scope([c1], outcomes=real)}
    with pytest.raises(InputError, match="would give away a count withheld"):
        _protect(new, [list(r) for r in new.rows], mine, published, 5)


def test_the_change_of_figures_withheld_between_two_answers_is_not_given_away() -> None:
    """Found in review: 30 -> 40 in all, one part 10 -> 18 shown, the other two hidden: they
    grew by 2 together. Read with the earlier answer, the sums of changes are controlled too."""
    from datawash.foi.linked import _published_again

    def progress(total: int, a: object, b: object, c: object) -> StatTable:
        return StatTable(name="wash_progress", title="p", columns=["measure", "number"],
                         rows=[["all", total], ["a", a], ["b", b], ["c", c]],
                         parameters={"run_id": 1},
                         lines=[[(0, 1), (1, 1), (2, 1), (3, 1)]])  # fmt: skip

    first = progress(30, 10, 10, 10)
    later = progress(40, 18, "withheld", "withheld")  # as its own control could publish it
    safe, changed = _published_again(later, [first], 5)
    assert changed
    assert "withheld" in (safe.rows[0][1], safe.rows[1][1])  # the total or the part shown
    # Grown by 5 or more together: nothing to give away.
    assert _published_again(progress(50, 18, "withheld", "withheld"), [first], 5)[1] == []
    # One part withheld now, shown before: its change is pinned, so its value would be.
    safe, changed = _published_again(progress(40, 18, 11, "withheld"), [first], 5)
    assert changed


def test_what_the_rules_of_the_dates_forbid_is_in_no_atom_and_what_they_allow_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other direction of the oracle above: a reader knows what the importer refuses, so
    the system must leave out every record breaking a rule (else a hidden count could be
    narrowed further than the linear programmes think), and keep the records the rule allows.
    Each case is a pair of cells that tells forbidden records apart from allowed ones (the
    records no cell counts are left out of the system by design)."""
    from datetime import timedelta

    from datawash.foi import linked
    from datawash.foi.linked import DIMENSIONS, NOT_RECORDED, UNIVERSE, Scope, _Cell, _system

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    out = DIMENSIONS.index("outcome")
    real = frozenset(v for v in UNIVERSE["outcome"] if v != NOT_RECORDED)
    ever = (date(1985, 1, 1), TODAY + timedelta(days=1))  # to the day the check runs

    def cell(field: str, span: tuple[date, date], outcome: frozenset[str] | None = None,
             closed: tuple[date | None, date | None, bool] | None = None,
             recorded_by: date | None = None, **more: frozenset[str]) -> _Cell:  # fmt: skip
        dims: list[frozenset[str] | None] = [None] * len(DIMENSIONS)
        dims[out] = outcome
        for dim, values in more.items():
            dims[DIMENSIONS.index(dim)] = values
        scope = Scope("register:people", tuple(dims), span[0], span[1], field, closed,
                      recorded_by=recorded_by)  # fmt: skip
        return _Cell(scope, 3, new=False)

    def known(dim: str) -> frozenset[str]:
        return frozenset(v for v in UNIVERSE[dim] if v != NOT_RECORDED)

    day = date(2020, 6, 30)
    live, completed = (day + timedelta(days=1), None, True), (None, day + timedelta(days=1), False)

    y2010, y2011 = (date(2010, 1, 1), date(2011, 1, 1)), (date(2011, 1, 1), TODAY)
    y2015 = (date(2015, 1, 1), date(2016, 1, 1))
    cases = [
        # an investigation never ends before it starts (NEVER_AFTER)
        ([cell("investigation_ended", y2010), cell("investigation_started", y2011)],
         [(1, 1)], [(1, 0), (0, 1)]),
        # nor ends without having started (NEEDS_DATE)
        ([cell("investigation_ended", y2010), cell("investigation_started", ever)],
         [(1, 0)], [(1, 1), (0, 1)]),
        # a closed case has its outcomes recorded (DATED_NEEDS)
        ([cell("closed", y2015), cell("closed", y2015, frozenset({NOT_RECORDED}))],
         [(1, 1)], [(1, 0)]),
        # an outcome has its date, and the date its outcome (DATED_WITH), both ways
        ([cell("recorded", ever, real), cell("outcome", ever)], [(1, 0), (0, 1)], [(1, 1)]),
        ([cell("outcome", y2015, frozenset({NOT_RECORDED})), cell("recorded", ever)],
         [(1, 1), (1, 0)], [(0, 1)]),
        # nothing is recorded after it is closed, and no outcome comes before it is recorded
        ([cell("closed", y2010), cell("recorded", y2011)], [(1, 1)], [(1, 0), (0, 1)]),
        ([cell("outcome", y2010), cell("recorded", y2011)], [(1, 1)], [(1, 0), (0, 1)]),
        # a leaving date has its reason, and a reason its date (DATED_WITH)
        ([cell("recorded", ever, leaving_reason=known("leaving_reason")), cell("left", ever)],
         [(1, 0), (0, 1)], [(1, 1)]),
        # a criminal outcome date has its proceedings recorded (DATED_NEEDS)
        ([cell("criminal_outcome", y2015),
          cell("criminal_outcome", y2015, criminal_proceedings=frozenset({NOT_RECORDED}))],
         [(1, 1)], [(1, 0)]),
        # a charge date has proceedings that follow a charge (DATED_NEEDS), and the outcome
        # of the proceedings is not before the charge (NEVER_AFTER)
        ([cell("charged", y2015),
          cell("charged", y2015, criminal_proceedings=frozenset({"none", "under_investigation"})),
          cell("charged", y2015, criminal_proceedings=frozenset({"convicted"}))],
         [(1, 1, 0), (1, 1, 1), (0, 1, 0)], [(1, 0, 1), (1, 0, 0)]),
        ([cell("charged", y2011), cell("criminal_outcome", y2010)], [(1, 1)], [(1, 0), (0, 1)]),
        # no outcome after the case closed; no investigation ended before the case was
        # recorded, though no cell is placed by its start (the chain through it)
        ([cell("closed", y2010), cell("outcome", y2011)], [(1, 1)], [(1, 0), (0, 1)]),
        ([cell("investigation_ended", y2010), cell("recorded", y2011)], [(1, 1)],
         [(1, 0), (0, 1)]),
        # reduction in rank only for officers and specials; a legacy outcome only in a case
        # recorded before February 2020
        ([cell("recorded", ever, frozenset({"reduction_in_rank"})),
          cell("recorded", ever, role=frozenset({"staff", "volunteer"})),
          cell("recorded", ever, role=frozenset({"special"}))],
         [(1, 1, 0)], [(1, 0, 1), (0, 1, 0), (1, 0, 0)]),
        ([cell("recorded", y2011, frozenset({"management_advice"})),
          cell("recorded", (date(2020, 2, 1), TODAY), frozenset({"management_advice"}))],
         [(0, 1), (1, 1)], [(1, 0)]),
        # a table as at a past day counts no case recorded after it (Scope.recorded_by)
        ([cell("left", ever, recorded_by=date(2015, 1, 1)), cell("recorded", y2015)],
         [(1, 1)], [(1, 0), (0, 1)]),
        # a suspension or restriction never ends before it begins, nor without beginning
        ([cell("suspension_ended", y2010), cell("suspended", y2011)], [(1, 1)], [(1, 0), (0, 1)]),
        ([cell("restriction_ended", y2010), cell("restricted", ever)], [(1, 0)], [(1, 1)]),
        # a case live at a day was not closed by then, and a completed one was
        ([cell("recorded", ever, closed=live),
          cell("closed", (date(2000, 1, 1), day))], [(1, 1)], [(1, 0), (0, 1)]),
        ([cell("recorded", ever, closed=completed),
          cell("closed", ever)], [(1, 0)], [(1, 1), (0, 1)]),
        # live at two days: a case live at the later one and completed at the earlier one
        # cannot be (it would have closed, then been open again)
        ([cell("recorded", ever, closed=completed),
          cell("recorded", ever, closed=(date(2021, 1, 1), None, True))],
         [(1, 1)], [(1, 0), (0, 1)]),
    ]  # fmt: skip
    for cells, forbidden, allowed in cases:
        _n, masks, _p = _system(cells)
        atoms = {tuple(int(x) for x in col) for col in np.vstack(masks).T}
        scopes_ = [(c.scope.field, c.scope.dims[out]) for c in cells]
        assert not set(forbidden) & atoms, (scopes_, atoms)
        assert set(allowed) <= atoms, (scopes_, atoms)


def test_a_figure_withheld_later_does_not_erase_the_one_published_before(
    settings: Settings, tmp_path: Path
) -> None:
    """The log publishes sexual-offence dismissals as 5. A later breakdown by category
    withholds that cell (beside its total it would pin the two small ones), but the 5 is
    still public: the plain total answered next (8) gives 8 - 5 = 3 for the two "fewer than
    5" cells, so it must be withheld too, whatever order the tables come in."""
    people = [("sexual", f"S{i}") for i in range(5)] + [("dishonesty", "H0")] + [
        ("other", f"O{i}") for i in range(2)]  # fmt: skip
    _import(settings, tmp_path, [
        ("2019-01-01", "2020-06-10", cat, "officer", "gross_misconduct", "dismissed",
         "2020-06-10", pid) for cat, pid in people
    ])  # fmt: skip
    cats = ["sexual", "dishonesty", "other"]
    with session_scope(settings) as s:
        first = _request(s)
        assert _answer(s, first, 1, categories=["sexual"], roles=["officer"], by=["none"])[1] == [
            "2020/21", 5]  # fmt: skip
        for q in (2, 3):
            service.answer_question(s, FOI, reference=first, number=q, text="See 1.")
        service.send_response(s, FOI, reference=first, on=TODAY, today=TODAY)
        second = _request(s)
        answer = service.answer_question(
            s, FOI, reference=second, number=1, today=TODAY,
            statistics=[
                service.StatisticAnswer("register_count", {
                    **SPAN, "categories": cats, "roles": ["officer"], "by": ["category"],
                    "date_field": "outcome"}),
                service.StatisticAnswer("outcomes_by_year", {
                    **SPAN, "categories": cats, "roles": ["officer"], "by": ["none"]}),
            ],
        )  # fmt: skip
        split = {r[1]: r[2] for r in answer.blocks[0]["table"]["rows"] if r[0] == "2020/21"}
        total = [list(r) for r in answer.blocks[1]["table"]["rows"]]
        for q in (2, 3):
            service.answer_question(s, FOI, reference=second, number=q, text="See 1.")
        # What was answered is what can be sent: nothing more to withhold at send time.
        service.send_response(s, FOI, reference=second, on=TODAY, today=TODAY)
    assert split["dishonesty"] == "fewer than 5" and split["other"] == "fewer than 5"
    assert split["sexual"] in (5, "withheld")
    assert ["2020/21", 8] not in total  # 8 - 5 would leave 3 for the two small cells


def _reader_range(
    cells: list[tuple[list[tuple[str, int]], object]], target: int
) -> tuple[int, int]:
    """What a reader can prove about published cell ``target``, worked out independently of
    foi/linked.py: an integer programme over the count of dismissals of each category in
    each month, with every published figure as a sum of those ("fewer than 5" as 1 to 4,
    "withheld" as any count)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    variables = sorted({v for scope, _ in cells for v in scope})
    index = {v: i for i, v in enumerate(variables)}
    rows: list[np.ndarray] = []
    low: list[float] = []
    high: list[float] = []
    for scope, value in cells:
        row = np.zeros(len(variables))
        for v in scope:
            row[index[v]] = 1
        rows.append(row)
        if isinstance(value, int):
            bounds = (float(value), float(value))
        elif str(value).startswith("fewer than"):
            bounds = (1.0, 4.0)
        else:
            bounds = (0.0, np.inf)
        low.append(bounds[0])
        high.append(bounds[1])
    constraint = LinearConstraint(np.array(rows), low, high)
    out = []
    for sign in (1, -1):
        goal = sign * rows[target]
        res = milp(goal, constraints=constraint, integrality=np.ones(len(variables)),
                   bounds=Bounds(0, np.inf))  # fmt: skip
        if sign < 0 and res.status in (3, 4):  # feasible (the least was found): unbounded
            out.append(10**9)
            continue
        assert res.success, (res.status, res.message)
        out.append(round(sign * res.fun))
    return out[0], out[1]


def test_financial_years_beside_calendar_years_give_nothing_away(
    settings: Settings, tmp_path: Path
) -> None:
    """Officers dismissed: 6 for sexual offences in May 2019, 2 for domestic abuse in
    February 2020 (financial year 2019/20, calendar year 2020), 7 for sexual offences in June
    2020. Totals by financial year beside a breakdown and totals by calendar year: the two
    domestic abuse dismissals sit in the piece January-March 2020 that the two kinds of
    year cut out between them."""
    _register(settings, tmp_path)
    cats = ["sexual", "domestic_abuse"]
    calendar = {"from_period": "2019", "to_period": "2020", "period": "calendar",
                "as_of": "2023-02-20"}  # fmt: skip
    asked = [
        ({**SPAN, "from_period": "2018/19"}, ["none"]),
        (calendar, ["category"]),
        (calendar, ["none"]),
    ]
    with session_scope(settings) as s:
        ref = _request(s)
        tables = []
        for number, (params, by) in enumerate(asked, start=1):
            answer = service.answer_question(
                s, FOI, reference=ref, number=number, today=TODAY,
                statistics=[service.StatisticAnswer(
                    "outcomes_by_year", {**params, "categories": cats, "roles": ["officer"],
                                         "by": by})],
            )  # fmt: skip
            tables.append(answer.blocks[0]["table"])

    def months(label: str, kind: str) -> list[int]:
        if kind == "calendar":
            return [int(label) * 12 + m for m in range(12)]
        return [int(label[:4]) * 12 + 3 + m for m in range(12)]  # April to March

    published: list[tuple[list[tuple[str, int]], object]] = []
    for table in tables:
        kind = table["parameters"]["period"]
        for row in table["rows"]:
            for column, value in zip(table["columns"][1:], row[1:], strict=True):
                scope_cats = cats if column == "all" else [column]
                scope = [(c, m) for c in scope_cats for m in months(str(row[0]), kind)]
                published.append((scope, value))
    small = [i for i, (_, v) in enumerate(published) if str(v).startswith("fewer than")]
    assert small  # the domestic abuse dismissals of 2020 are a small count
    for i in small:
        assert _reader_range(published, i) == (1, 4), published[i][1]


def test_an_earlier_total_stays_in_the_check_when_the_new_total_is_withheld(
    settings: Settings, tmp_path: Path
) -> None:
    """A breakdown by category and role shows 44 in all and every domestic abuse cell but
    one small; the next breakdown, by category and outcome, shows the two domestic abuse
    cells as "fewer than 5" and must withhold its own total. The check once let the new
    total stand in for the earlier 44 and then withheld it, losing the 44: 44 minus the
    other categories gave the domestic abuse total (8), so both small cells were 4."""
    from itertools import product

    true = {("sexual", "officer", "dismissed"): 10, ("sexual", "officer", "written_warning"): 5,
            ("sexual", "staff", "dismissed"): 8, ("domestic_abuse", "officer", "dismissed"): 2,
            ("domestic_abuse", "officer", "written_warning"): 3,
            ("domestic_abuse", "staff", "dismissed"): 2,
            ("domestic_abuse", "staff", "written_warning"): 1,
            ("violence", "officer", "written_warning"): 5, ("violence", "staff", "dismissed"): 6,
            ("violence", "staff", "written_warning"): 2}  # fmt: skip
    _import(settings, tmp_path, [
        ("2020-01-10", "2021-05-01", cat, role, "gross_misconduct", outcome, "2021-05-01")
        for (cat, role, outcome), k in true.items() for _ in range(k)
    ])  # fmt: skip
    base = {"categories": ["sexual", "domestic_abuse", "violence"], "roles": ["officer", "staff"],
            "outcomes": ["dismissed", "written_warning"], "date_field": "outcome",
            "span_from": "2021-04-01", "span_to": "2022-03-31", "as_of": "2023-02-20"}  # fmt: skip
    published: list[tuple[dict[str, str], object]] = []
    with session_scope(settings) as s:
        ref = _request(s)
        for number, by in ((1, ["category", "role"]), (3, ["category", "outcome"])):
            try:
                answer = service.answer_question(
                    s, FOI, reference=ref, number=number, today=TODAY,
                    statistics=[service.StatisticAnswer("register_count", {**base, "by": by})],
                )  # fmt: skip
            except InputError as refused:
                assert "cannot be published beside" in str(refused)  # refused, saying why
                continue
            for row in answer.blocks[0]["table"]["rows"]:
                published.append(({by[0]: str(row[1]), by[1]: str(row[2])}, row[3]))
    # The reader's integer programme over the true pieces (category x role x outcome).
    pieces = list(product(["sexual", "domestic_abuse", "violence"], ["officer", "staff"],
                          ["dismissed", "written_warning"]))  # fmt: skip
    names = ("category", "role", "outcome")

    def scope(dims: dict[str, str]) -> list[tuple[str, int]]:
        return [("x", i) for i, p in enumerate(pieces)
                if all(v == "all" or p[names.index(d)] == v for d, v in dims.items())]  # fmt: skip

    cells = [(scope(d), v) for d, v in published]
    small = [i for i, (_s, v) in enumerate(cells) if str(v).startswith("fewer than")]
    assert small
    for i in small:
        assert _reader_range(cells, i) == (1, 4), published[i]


def test_a_count_as_at_a_day_to_come_is_refused(settings: Settings, tmp_path: Path) -> None:
    """Live cases "as at" tomorrow are today's live cases (no date of the register is in the
    future), so beside today's table they would give a small count away."""
    _register(settings, tmp_path)
    with session_scope(settings) as s:
        ref = _request(s)
        with pytest.raises(InputError, match="after today"):
            service.answer_question(
                s, FOI, reference=ref, number=1, today=TODAY,
                statistics=[service.StatisticAnswer(
                    "live_investigations", {"as_of": "2023-02-21", "by": ["category"]})],
            )  # fmt: skip


def test_a_total_beside_two_of_its_three_parts_gives_no_small_piece_away(
    settings: Settings, tmp_path: Path
) -> None:
    """Sexual-offence dismissals: misconduct 7, gross misconduct 9, no severity recorded 3,
    each breakdown answered apart. Beside the first two, the total (19) would give the 3
    away, though no table shows that piece: it is withheld (the nested-pair rule sees two
    figures at a time only)."""
    from itertools import product

    true = {("sexual", "misconduct"): 7, ("sexual", "gross_misconduct"): 9, ("sexual", ""): 3,
            ("domestic_abuse", "misconduct"): 6, ("domestic_abuse", "gross_misconduct"): 8,
            ("domestic_abuse", ""): 6}  # fmt: skip
    _import(settings, tmp_path, [
        ("2020-01-10", "2021-05-01", cat, "officer", severity, "dismissed", "2021-05-01")
        for (cat, severity), k in true.items() for _ in range(k)
    ])  # fmt: skip
    base = {"categories": ["sexual", "domestic_abuse"], "outcomes": ["any"],
            "date_field": "outcome", "span_from": "2021-04-01", "span_to": "2022-03-31",
            "as_of": "2023-02-20", "by": ["category"]}  # fmt: skip
    asked = [{"severities": ["misconduct"]}, {"severities": ["gross_misconduct"]}, {}]
    published: list[tuple[dict[str, str], object]] = []
    with session_scope(settings) as s:
        ref = _request(s)
        for number, extra in enumerate(asked, start=1):
            answer = service.answer_question(
                s, FOI, reference=ref, number=number, today=TODAY,
                statistics=[service.StatisticAnswer("register_count", {**base, **extra})],
            )  # fmt: skip
            severity = extra.get("severities", ["all"])[0]
            for row in answer.blocks[0]["table"]["rows"]:
                published.append(({"category": str(row[1]), "severity": severity}, row[2]))
    pieces = list(product(["sexual", "domestic_abuse"], ["misconduct", "gross_misconduct", ""]))

    def scope(dims: dict[str, str]) -> list[tuple[str, int]]:
        def inside(cat: str, severity: str) -> bool:
            return dims["category"] in ("all", cat) and dims["severity"] in ("all", severity)

        return [("x", i) for i, (c, v) in enumerate(pieces) if inside(c, v)]

    cells = [(scope(d), v) for d, v in published]
    for cat in ("sexual", "domestic_abuse"):
        # The reader's range of the piece with no severity, as a cell of its own.
        cells.append(([("x", pieces.index((cat, "")))], "withheld"))
        low, high = _reader_range(cells, len(cells) - 1)
        assert not (low == high and 1 <= low <= 4), (cat, low)
        cells.pop()


def test_live_cases_at_two_days_beside_the_cases_recorded_and_closed_between(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live at 30/06/2022 "fewer than 5" (3), live at 31/12/2022 8, and the cases recorded
    (5) and closed (0) in between: 8 - 5 + 0 = 3 (an attacker's review found live tables of
    different days never read together). Read by an integer programme over the cases' pieces
    (recorded and closed, each before, between or after the two days; never closed before
    recorded), no small count is narrowed."""
    from datawash.foi import linked

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    rows = ([("2022-01-10", "", "")] * 3 + [("2022-08-01", "", "")] * 5
            + [("2021-01-10", "2022-03-01", "dismissed")] * 6)  # fmt: skip
    _import(settings, tmp_path, [
        (recorded, closed, "sexual", "officer", "gross_misconduct", outcome, closed)
        for recorded, closed, outcome in rows
    ])  # fmt: skip
    first, second = "2022-06-30", "2022-12-31"
    between = {"categories": ["sexual"], "count": "cases", "span_from": "2022-07-01",
               "span_to": second, "outcomes": ["any"], "as_of": second}  # fmt: skip
    asked = [("live_investigations", {"categories": ["sexual"], "as_of": first}),
             ("live_investigations", {"categories": ["sexual"], "as_of": second}),
             ("register_count", {**between, "date_field": "recorded"}),
             ("register_count", {**between, "date_field": "closed"})]  # fmt: skip
    # Pieces: when recorded (0: by 30/06, 1: between) and closed (0: by 30/06, 1: between,
    # 2: after 31/12 or not at all); a case is never closed before it is recorded.
    pieces = [(r, c) for r in (0, 1) for c in (0, 1, 2) if c >= r]
    populations = [
        [p for p in pieces if p[0] == 0 and p[1] >= 1],  # live at 30/06
        [p for p in pieces if p[1] == 2],  # live at 31/12
        [p for p in pieces if p[0] == 1],  # recorded between
        [p for p in pieces if p[1] == 1],  # closed between
    ]
    published: list[tuple[list[tuple[int, int]], object]] = []
    with session_scope(settings) as s:
        ref = service.receive_request(
            s, FOI, received_on=date(2023, 2, 6), title="Live cases", today=TODAY,
            text="1. Live in June?\n2. Live in December?\n3. Recorded since?\n4. Closed since?",
            requester_name="Synthetic Requester",
        ).reference  # fmt: skip
        for number, ((name, params), population) in enumerate(
            zip(asked, populations, strict=True), start=1
        ):
            answer = service.answer_question(
                s, FOI, reference=ref, number=number, today=TODAY,
                statistics=[service.StatisticAnswer(name, params)],
            )  # fmt: skip
            value = answer.blocks[0]["table"]["rows"][0][1]  # cases
            published.append((population, value))
    assert published[0][1] == "fewer than 5"
    small = [i for i, (_p, v) in enumerate(published) if str(v).startswith("fewer than")]
    for i in small:
        assert _reader_range(published, i) == (1, 4), published


def _publish(settings: Settings, asked: list[dict[str, Any]]) -> list[list[list[Any]]]:
    """Each table asked, answered as one question of one response (register_count)."""
    with session_scope(settings) as s:
        text = "\n".join(f"{n}. Question {n}?" for n in range(1, len(asked) + 1))
        ref = service.receive_request(
            s, FOI, received_on=date(2023, 2, 6), title="Q", text=text, today=TODAY,
            requester_name="Synthetic Requester",
        ).reference  # fmt: skip
        return [
            [list(r) for r in service.answer_question(
                s, FOI, reference=ref, number=n, today=TODAY,
                statistics=[service.StatisticAnswer("register_count", params)],
            ).blocks[0]["table"]["rows"]]
            for n, params in enumerate(asked, start=1)
        ]  # fmt: skip


def _not_pinned_small(cells: list[tuple[list[Any], object]], population: list[Any]) -> bool:
    low, high = _reader_range([*cells, (population, "withheld")], len(cells))
    return not (low == high and 1 <= low <= 4)


@pytest.mark.parametrize("order", [(0, 1, 2), (0, 2, 1), (2, 1, 0)])
def test_years_of_two_kinds_and_a_span_give_no_quarter_away(
    settings: Settings, tmp_path: Path, order: tuple[int, int, int]
) -> None:
    """Dismissed 7 in June 2021, 40 in July 2022, 3 in February 2023. By financial year
    (7, 43), by calendar year (2022: 40) and April-December 2021 (7): January-March 2022 is
    0, so January-March 2023 is 43 - 40 = 3, a piece no table shows (an attacker's review:
    the pieces read were only those the new figures cover)."""
    rows = ([("2021-01-10", "2021-06-10", "sexual", "officer", "misconduct", "dismissed",
              "2021-06-10")] * 7
            + [("2021-01-10", "2022-07-10", "sexual", "officer", "misconduct", "dismissed",
                "2022-07-10")] * 40
            + [("2021-01-10", "2023-02-10", "sexual", "officer", "misconduct", "dismissed",
                "2023-02-10")] * 3)  # fmt: skip
    _import(settings, tmp_path, rows)
    base = {"categories": ["sexual"], "date_field": "outcome", "as_of": "2023-02-20"}
    asked = [{**base, "from_period": "2021/22", "to_period": "2022/23"},
             {**base, "period": "calendar", "from_period": "2022", "to_period": "2022"},
             {**base, "span_from": "2021-04-01", "span_to": "2021-12-31"}]  # fmt: skip
    tables = _publish(settings, [asked[i] for i in order])
    # Pieces: April-December 2021, January-March 2022, April-December 2022, Jan-Mar 2023.
    cover = {"2021/22": [0, 1], "2022/23": [2, 3], "2022": [1, 2],
             "01/04/2021 to 31/12/2021": [0]}  # fmt: skip
    cells = [(cover[str(row[0])], row[-1]) for table in tables for row in table]
    assert all(_not_pinned_small(cells, [piece]) for piece in range(4)), cells


def test_a_total_less_two_parts_spread_over_pieces_is_not_given_away(
    settings: Settings, tmp_path: Path
) -> None:
    """Recorded in 2022: officers 14 misconduct, 14 gross, 2 with no severity; staff 11, 13
    and 1. By role (30, 25, all 55), misconduct 25 and gross misconduct 27 give the 3 with no
    severity, though neither role's share is pinned (an attacker's review)."""
    rows = []
    for role, counts in (("officer", (14, 14, 2)), ("staff", (11, 13, 1))):
        for severity, k in zip(("misconduct", "gross_misconduct", ""), counts, strict=True):
            rows += [("2022-03-01", "", "sexual", role, severity, "", "")] * k
    _import(settings, tmp_path, rows)
    base = {"categories": ["sexual"], "outcomes": ["any"], "count": "allegations",
            "date_field": "recorded", "span_from": "2022-01-01", "span_to": "2022-12-31",
            "as_of": "2023-02-20"}  # fmt: skip
    tables = _publish(settings, [{**base, "by": ["role"]}, {**base, "severities": ["misconduct"]},
                                 {**base, "severities": ["gross_misconduct"]}])  # fmt: skip
    pieces = [(r, v) for r in ("officer", "staff", "other") for v in ("m", "g", "n")]

    def where(role: str = "all", severity: str = "all") -> list[int]:
        return [i for i, (r, v) in enumerate(pieces)
                if role in ("all", r) and severity in ("all", v)]  # fmt: skip

    cells: list[tuple[list[Any], object]] = []
    for row in tables[0]:  # specials and volunteers (none) are the "other" pieces
        role = str(row[1])
        cells.append((where(role if role in ("officer", "staff", "all") else "other"), row[-1]))
    cells += [(where(severity="m"), tables[1][0][-1]), (where(severity="g"), tables[2][0][-1])]
    assert _not_pinned_small(cells, where(severity="n")), cells


def test_people_charged_beside_proceedings_give_no_small_count_away(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """17 people with sexual-offence allegations: 6 with no criminal proceedings, 4 charged
    and 7 convicted. By proceedings, the 4 is "fewer than 5" (the 6 withheld with it, the 7
    shown). Everyone with a charge date is in proceedings that follow a charge (the
    importer's rule), the others shown are 0, so the people charged (11, by the date of the
    charge) would give 11 - 7 = 4 for the "fewer than 5". That figure is withheld."""
    charged = {"criminal_proceedings": "charged", "criminal_outcome_on": "2020-07-01",
               "charged_on": "2020-07-01"}  # fmt: skip
    convicted = {**charged, "criminal_proceedings": "convicted",
                 "criminal_outcome_on": "2021-01-10"}  # fmt: skip
    none = {"criminal_proceedings": "none"}
    rows = [{"recorded_on": "2020-05-10", "stage": "investigation", **criminal}
            for criminal in [charged] * 4 + [convicted] * 7 + [none] * 6]  # fmt: skip
    _import_rows(settings, tmp_path, rows)
    ever = {"categories": ["sexual"], "outcomes": ["any"], "span_from": "1985-01-01",
            "span_to": "2023-02-20", "as_of": "2023-02-20"}  # fmt: skip
    from datawash.foi import linked

    # Checked on the day answered (cases recorded later than the tables' day: docs/foi.md).
    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    published = _published(settings, [
        ("register_count", {**ever, "date_field": "recorded", "by": ["criminal_proceedings"]}),
        ("register_count", {**ever, "date_field": "charged", "by": ["none"]}),
    ])  # fmt: skip
    tables = [{r[-2]: r[-1] for r in t} for t in published if not isinstance(t, str)]
    by_proceedings, by_charge = tables
    assert (by_proceedings["charged"], by_proceedings["none"]) == ("fewer than 5", "withheld")
    assert (by_proceedings["convicted"], by_proceedings["acquitted"]) == (7, 0)
    assert by_proceedings["all"] == 17
    assert list(by_charge.values()) == ["withheld"]


@pytest.mark.parametrize(("spell", "begins"), [("open", "recorded"), ("suspension", "suspended")])
@pytest.mark.parametrize("ended", [0, 3])
def test_spells_in_force_in_a_year_are_linked_with_the_dates_they_begin(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spell: str,
    begins: str, ended: int,
) -> None:  # fmt: skip
    """8 cases recorded (people suspended) in 2020, ``ended`` of them closed (the suspension
    ended) in October 2020, and 2 begun in 2021. Begun in 2021: "fewer than 5". In force at
    some time in 2021 (10 - ended) is read as begun by its end and not ended by its start, so
    beside the first it is safe and shown. Those begun up to the end of 2020 (8) would then
    give at least 10 - 8 = 2 for the "fewer than 5" when none ended (withheld); with 3 ended
    they say nothing of it (shown; read without the ends, 7 would contradict 8 + 2)."""
    from datawash.foi import linked

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    days = ["2020-06-01"] * 8 + ["2021-03-01"] * 2
    rows = []
    for n, day in enumerate(days):
        end = "2020-10-01" if n < ended else ""
        if spell == "open":
            rows.append({"recorded_on": day, "closed_on": end, "stage": "closed",
                         "outcome": "no_case_to_answer", "outcome_on": end} if end
                        else {"recorded_on": day, "stage": "investigation"})  # fmt: skip
        else:
            rows.append({"recorded_on": "2020-01-10", "stage": "investigation",
                         "suspended_on": day, "suspension_ended_on": end})  # fmt: skip
    _import_rows(settings, tmp_path, rows)
    base = {"categories": ["sexual"], "outcomes": ["any"], "count": "people",
            "as_of": "2023-02-20", "period": "calendar"}  # fmt: skip
    asked = [
        {"date_field": begins, "from_period": "2021", "to_period": "2021"},
        {"date_field": spell, "from_period": "2021", "to_period": "2021"},
        {"date_field": begins, "span_from": "1985-01-01", "span_to": "2020-12-31"},
    ]
    published = _published(settings, [("register_count", {**base, **extra}) for extra in asked])
    got = [[r[-1] for r in t] for t in published]
    assert got == [["fewer than 5"], [10 - ended], ["withheld" if not ended else 8]]


def test_a_table_as_at_a_past_day_counts_only_the_cases_recorded_by_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Placed by a date that may come before the case is recorded (left, charged,
    suspended), a table as at a past day is read as counting the cases recorded by then;
    placed by a date never before the recording (the outcome), or as at the day of the
    check, nothing more needs saying."""
    from datawash.foi import linked
    from datawash.foi.linked import RECORDED_FIRST, _recorded_by
    from datawash.stats.registry import StatParams

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    past = StatParams(as_of=date(2022, 6, 30))
    assert _recorded_by(past, "left") == _recorded_by(past, "suspended") == date(2022, 7, 1)
    assert _recorded_by(past, "outcome") is None and _recorded_by(past, "closed") is None
    assert _recorded_by(StatParams(as_of=TODAY), "left") is None
    assert {"investigation_ended", "appeal"} <= RECORDED_FIRST
    assert not {"left", "charged", "suspended", "suspension_ended"} & RECORDED_FIRST


def _import_rows(settings: Settings, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    """Import one allegation, of its own case (K<n>), per row: the case's recorded_on,
    closed_on and severity, and any allegation columns the row gives (person P<n>, an
    officer's sexual-offence allegation, unless it says otherwise)."""
    case_columns = ("recorded_on", "closed_on", "severity")
    named = ("person_id", "role_at_time", "category")
    columns = sorted({k for row in rows for k in row} - {*case_columns, *named})
    c_lines = ["case_id,recorded_on,source,severity,closed_on"]
    a_lines = [",".join(["allegation_id", "case_id", *named, *columns])]
    for n, row in enumerate(rows):
        c_lines.append(f"K{n},{row['recorded_on']},complaint,{row.get('severity', '')},"
                       f"{row.get('closed_on', '')}")  # fmt: skip
        a_lines.append(",".join([
            f"A{n}", f"K{n}", row.get("person_id", f"P{n}"), row.get("role_at_time", "officer"),
            row.get("category", "sexual"), *(row.get(c, "") for c in columns),
        ]))  # fmt: skip
    (tmp_path / "c.csv").write_text("\n".join(c_lines) + "\n")
    (tmp_path / "a.csv").write_text("\n".join(a_lines) + "\n")
    with session_scope(settings) as s:
        ensure_users(s)
        cases.import_register(s, PSD, cases_path=tmp_path / "c.csv",
                              allegations_path=tmp_path / "a.csv")  # fmt: skip


def _published(
    settings: Settings, asked: list[tuple[str, dict[str, Any]]]
) -> list[list[list[Any]] | str]:
    """Each (statistic, params) answered as one question of one response: each table's rows
    as published, or "refused"."""
    with session_scope(settings) as s:
        ref = service.receive_request(
            s, FOI, received_on=date(2023, 2, 6), title="Misconduct", today=TODAY,
            text="\n".join(f"{n}. How many, table {n}?" for n in range(1, len(asked) + 1)),
            requester_name="Synthetic Requester",
        ).reference  # fmt: skip
        out: list[list[list[Any]] | str] = []
        for number, (name, params) in enumerate(asked, start=1):
            try:
                answer = service.answer_question(
                    s, FOI, reference=ref, number=number, today=TODAY,
                    statistics=[service.StatisticAnswer(name, params)],
                )  # fmt: skip
                out.append([list(r) for r in answer.blocks[0]["table"]["rows"]])
            except InputError:
                out.append("refused")
    return out


def _attack(kind: str) -> tuple[list[dict[str, str]], list[tuple[str, dict[str, Any]]]]:
    """Four attacks an attacker's review found (2026-12-06), each through a rule the
    importer enforces: rows, and the tables in the order published (the last gives a
    "fewer than 5" away unless withheld)."""
    now: dict[str, Any] = {"categories": ["sexual"], "outcomes": ["any"], "as_of": "2023-02-20"}

    def span(field: str, first: str, last: str, **more: Any) -> tuple[str, dict[str, Any]]:
        return (
            "register_count",
            {**now, "date_field": field, "span_from": first, "span_to": last, **more},
        )

    def closed(outcome_on: str, closed_on: str, **more: str) -> dict[str, str]:
        return {
            "recorded_on": "2020-01-10",
            "stage": "closed",
            "outcome": "dismissed",
            "outcome_on": outcome_on,
            "closed_on": closed_on,
            **more,
        }

    if kind == "outcome never after closing":  # 11 closed in 2022, 7 outcomes by 2021
        rows = [closed("2021-06-01", "2022-03-01")] * 7 + [closed("2022-06-01", "2022-07-01")] * 4
        return rows, [span("outcome", "2022-01-01", "2022-12-31"),
                      span("outcome", "1985-01-01", "2021-12-31"),
                      span("closed", "2022-01-01", "2022-12-31")]  # fmt: skip
    if kind == "recorded, investigation started, ended":  # ended 2021: 10; recorded 2020: 6

        def investigated(recorded: str, started: str, ended: str) -> dict[str, str]:
            return {
                "recorded_on": recorded,
                "stage": "investigation",
                "investigation_started_on": started,
                "investigation_ended_on": ended,
            }

        rows = [investigated("2020-03-01", "2020-04-01", "2021-05-01")] * 6 + [
            investigated("2021-03-01", "2021-04-01", "2021-06-01")] * 4  # fmt: skip
        return rows, [span("recorded", "2021-01-01", "2021-12-31"),
                      span("recorded", "1985-01-01", "2020-12-31"),
                      span("investigation_ended", "2021-01-01", "2021-12-31")]  # fmt: skip
    if kind == "outcomes by year as at a past day":  # 14 by 30/06/2022: 10 by 31/05
        rows = [
            closed(d, d, recorded_on="2022-01-10")
            for d, k in (("2022-04-15", 5), ("2022-05-15", 5), ("2022-06-15", 4))
            for _ in range(k)
        ]
        dismissed = {"outcomes": ["dismissed"]}
        return rows, [
            ("outcomes_by_year", {**now, **dismissed, "by": ["none"], "as_of": "2022-06-30",
                                  "from_period": "2022/23", "to_period": "2022/23"}),
            span("outcome", "2022-03-01", "2022-03-31", **dismissed),
            span("outcome", "2022-06-01", "2022-06-30", **dismissed),
            span("outcome", "2022-03-01", "2022-05-31", **dismissed),
        ]  # fmt: skip
    if kind == "closing bounds the outcome, beside leaving":
        # 9 left in 2021 after an outcome by their case's closing in 2020 ("no"), 1 "yes"
        resigned = {"recorded_on": "2020-01-10", "left_force_on": "2021-03-01",
                    "leaving_reason": "resigned", "stage": "investigation"}  # fmt: skip
        rows = [
            {
                **resigned,
                "stage": "closed",
                "outcome": "dismissed",
                "outcome_on": "2020-06-01",
                "closed_on": "2020-07-01",
            }
        ] * 9 + [resigned]
        many = {**now, "count": "allegations"}
        r = {"leaving": ["resigned"]}
        return rows, [
            span("left", "2021-01-01", "2021-12-31", left_under_investigation=["yes"], **many),
            span("left", "1985-01-01", "2020-12-31", **many, **r),
            span("left", "2022-01-01", "2023-02-20", **many, **r),
            span("left", "2021-01-01", "2021-12-31", **many),
            span("left", "2021-01-01", "2021-12-31", **many, **r),
            span("closed", "1985-01-01", "2020-12-31", **many, **r),
        ]  # fmt: skip
    if kind == "a legacy outcome bounds the recording, beside leaving":
        # management advice: recorded before February 2020; 9 outcomes in June 2021, 1 in
        # March 2021, each "no" (left after the outcome)
        advice = {"recorded_on": "2019-06-01", "stage": "closed", "outcome": "management_advice",
                  "leaving_reason": "resigned"}  # fmt: skip
        rows = [{**advice, "outcome_on": "2021-06-15", "left_force_on": "2021-08-01"}] * 9 + [
            {**advice, "outcome_on": "2021-03-01", "left_force_on": "2021-04-01"}]  # fmt: skip
        no = {**now, "count": "allegations", "outcomes": ["management_advice"],
              "left_under_investigation": ["no"]}  # fmt: skip
        return rows, [
            span("left", "1985-01-01", "2020-01-31", **no),
            span("left", "2020-02-01", "2021-05-31", **no),
            span("outcome", "2021-06-01", "2021-06-30", **no),
            span("left", "2020-02-01", "2023-02-20", **no),
        ]  # fmt: skip
    # reduction in rank, officers and specials only: 6 officers, 4 specials
    rank = {"outcomes": ["reduction_in_rank"]}
    rows = [closed("2022-02-01", "2022-02-01", outcome="reduction_in_rank",
                   role_at_time=role, recorded_on="2021-01-10")
            for role, k in (("officer", 6), ("special", 4)) for _ in range(k)]  # fmt: skip
    return rows, [
        span("outcome", "1985-01-01", "2023-02-20", roles=["special"], **rank),
        span("outcome", "1985-01-01", "2023-02-20", roles=["officer"],
             categories=["sexual", "domestic_abuse"], **rank),
        span("outcome", "1985-01-01", "2023-02-20", roles=["officer"],
             categories=["domestic_abuse"], **rank),
        span("outcome", "1985-01-01", "2023-02-20", **rank),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", [
    "outcome never after closing", "recorded, investigation started, ended",
    "outcomes by year as at a past day", "reduction in rank for officers and specials",
    "closing bounds the outcome, beside leaving",
    "a legacy outcome bounds the recording, beside leaving",
])  # fmt: skip
def test_rules_the_importer_enforces_give_no_small_count_away(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """An outcome is never after its case closed; recorded <= investigation started <= ended
    binds recorded and ended though no table is placed by the start; an outcomes_by_year
    table as at a past day counts the outcomes up to that day only; reduction in rank is for
    officers and specials only; the outcome's bound by the closing, and the recording's by a
    legacy outcome, reach the dates that say whether someone left under investigation. Each
    lets the tables after a "fewer than 5" give it away unless the check knows it: so one of
    them is withheld (or refused)."""
    from datawash.foi import linked

    monkeypatch.setattr(linked, "_today", lambda: TODAY)
    rows, asked = _attack(kind)
    _import_rows(settings, tmp_path, rows)
    got = [t if isinstance(t, str) else t[-1][-1] for t in _published(settings, asked)]
    small = got.index("fewer than 5")  # the small count the tables after it give away
    assert {"withheld", "refused"} & set(got[small + 1 :]), got


def test_an_offence_group_beside_all_offences_gives_no_small_difference(
    settings: Settings, tmp_path: Path
) -> None:
    """8 officers dismissed for sexual offences in 2019/20, 6 of them for other sexual
    offences (88E) and 2 for rape (19C, 19A: a code the table does not list, by its class):
    the 6 beside the 8 would give the 2 away, so it is withheld; a table of the rapes alone
    says "fewer than 5" on its own."""
    _import_rows(settings, tmp_path, [
        {"recorded_on": "2019-01-01", "closed_on": "2019-06-01", "severity": "gross_misconduct",
         "stage": "closed", "outcome": "dismissed", "outcome_on": "2019-06-01",
         "offence_code": code}
        for code in ["88E"] * 6 + ["19C", "019a"]
    ])  # fmt: skip
    with session_scope(settings) as s:
        ref = _request(s)
        every = _answer(s, ref, 1, categories=["sexual"], roles=["officer"], by=["none"])
        assert every[0] == ["2019/20", 8]
        other = {**SPAN, "categories": ["sexual"], "roles": ["officer"],
                 "date_field": "outcome", "outcomes": list(DISMISSAL)}  # fmt: skip
        sexual = _statistic(s, ref, 2, "register_count", {**other, "offences": ["other_sexual"]})
        rape = _statistic(s, ref, 3, "register_count", {**other, "offences": ["rape"]})
    assert sexual[0] == ["2019/20", "withheld"]
    assert rape[0] == ["2019/20", "fewer than 5"]


def test_a_mean_is_given_only_where_its_count_is(settings: Settings, tmp_path: Path) -> None:
    """Days from recorded to closed, for officers' sexual-offence cases closed in 2019/20 and
    2020/21. Alone, 3 cases give "fewer than 5" and no mean or median, 6 give theirs;
    beside a count of the same cases already published (all sexual cases closed, one more),
    the 6 would give a difference of 1 away: it is withheld, and its mean and median with it."""
    from datawash.foi.disclosure import apply_disclosure_control
    from datawash.stats import service as stats

    _import_rows(settings, tmp_path, [
        {"recorded_on": "2019-01-01", "closed_on": closed, "severity": "gross_misconduct",
         "stage": "closed", "outcome": "dismissed", "outcome_on": closed, "role_at_time": role}
        for closed, role in [("2019-06-01", "officer")] * 3 + [("2020-06-01", "officer")] * 6
        + [("2020-07-01", "staff")]
    ])  # fmt: skip
    asked = {**SPAN, "categories": ["sexual"], "roles": ["officer"]}
    with session_scope(settings) as s:
        table = stats.run_statistic(s, ANALYST, "register_duration", asked)
        alone, _decision = apply_disclosure_control(table, 5)
        assert alone.rows[0] == ["2019/20", "fewer than 5", "withheld", "withheld"]
        assert alone.rows[1] == ["2020/21", 6, 517, 517]  # 1 January 2019 to 1 June 2020
        ref = _request(s)
        every = _statistic(
            s,
            ref,
            1,
            "register_count",
            {**SPAN, "categories": ["sexual"], "date_field": "closed", "count": "cases"},
        )
        assert every[1] == ["2020/21", 7]
        beside = _statistic(s, ref, 2, "register_duration", asked)
    assert beside[0] == ["2019/20", "fewer than 5", "withheld", "withheld"]
    assert beside[1] == ["2020/21", "withheld", "withheld", "withheld"]


def test_a_table_stored_before_a_rule_of_asking_is_still_read() -> None:
    """Ranks of police staff are refused when asked now (nothing could be counted), but a
    table stored before that rule still reads as the population it counted: otherwise one
    such table in the log would stop every later answer (found by a helper)."""
    from datawash.stats.registry import StatParams

    p = StatParams(roles=("staff",), ranks=("constable",), outcomes=("any",),
                   date_field="recorded", period="calendar", from_period="2024",
                   to_period="2024", as_of=date(2026, 1, 1))  # fmt: skip
    stored = {k: v for k, v in p.as_dict().items() if k not in ("offences", "measure")}
    old = StatTable(name="register_count", title="t", columns=["period", "people"],
                    rows=[["2024", 0]], parameters=stored)  # fmt: skip
    assert list(scopes(old)) == [(0, 1)]
    new = StatTable(name="register_count", title="n", columns=["period", "people"],
                    rows=[["2024", 7]], parameters={**stored, "roles": ["officer"]})  # fmt: skip
    safe, _withheld = protect_linked(new, [old], 5)
    assert safe.rows == [["2024", 7]]


def test_a_day_of_each_year_is_linked_with_the_same_day_asked_alone(
    settings: Settings, tmp_path: Path
) -> None:
    """Officers suspended on 31 March 2020: 6; every role on that day, asked as a one-day
    span, would be 8 (two members of staff): beside the 6 of the on_day table the
    difference of 2 would be given away, so the wider count is withheld."""
    _import_rows(settings, tmp_path, [
        {"recorded_on": "2019-06-01", "suspended_on": "2019-07-01", "role_at_time": role}
        for role in ["officer"] * 6 + ["staff"] * 2
    ])  # fmt: skip
    with session_scope(settings) as s:
        ref = _request(s)
        each_year = _statistic(s, ref, 1, "register_count", {
            "as_of": "2021-06-01", "from_period": "2019/20", "to_period": "2020/21",
            "on_day": "03-31", "date_field": "suspension", "categories": ["sexual"],
            "roles": ["officer"]})  # fmt: skip
        assert each_year == [["31/03/2020", 6], ["31/03/2021", 6]]
        one_day = _statistic(s, ref, 2, "register_count", {
            "as_of": "2021-06-01", "span_from": "2020-03-31", "span_to": "2020-03-31",
            "date_field": "suspension", "categories": ["sexual"]})  # fmt: skip
    assert one_day == [["31/03/2020", "withheld"]]
