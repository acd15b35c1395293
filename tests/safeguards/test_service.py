"""Safeguards live in the database: an environment variable cannot switch one off."""

from __future__ import annotations

import pytest

from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import InputError
from datawash.safeguards import service as safeguards
from tests.review.helpers import ADMIN, make_run, propose


def test_the_environment_cannot_switch_dual_control_off(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWASH_DUAL_CONTROL", "false")
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        assert safeguards.dual_control(s) is True
        assert propose(s, "P1", "not_the_person").status == "pending"


def test_values_are_checked_and_listed_with_who_and_why(settings: Settings) -> None:
    with session_scope(settings) as s:
        with pytest.raises(InputError, match="on or off"):
            safeguards.change(s, ADMIN, name="dual_control", raw_value="maybe", reason="x")
        with pytest.raises(InputError, match="unknown safeguard"):
            safeguards.change(s, ADMIN, name="disclosure", raw_value="1", reason="x")
        safeguards.change(s, ADMIN, name="dual_control", raw_value="no", reason="trial")
        safeguards.change(s, ADMIN, name="dual_control", raw_value="on", reason="trial over")
        rows = {r.name: r for r in safeguards.list_safeguards(s)}
        row = rows["dual_control"]
        assert (row.value, row.changed_by, row.reason) == (True, "ada", "trial over")
        assert rows["disclosure_threshold"].value == 5
        for bad in ("1", "x", "101", "-3", "5.5"):
            with pytest.raises(InputError):
                safeguards.change(s, ADMIN, name="disclosure_threshold", raw_value=bad, reason="x")
        safeguards.change(s, ADMIN, name="disclosure_threshold", raw_value="10", reason="small")
        assert safeguards.disclosure_threshold(s) == 10


def test_the_environment_cannot_lower_the_disclosure_threshold(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datawash.foi.disclosure import apply_disclosure_control
    from datawash.stats.tables import StatTable

    monkeypatch.setenv("DATAWASH_DISCLOSURE_THRESHOLD", "1")
    with session_scope(settings) as s:
        table = StatTable(
            name="t", title="t", columns=["k", "n"], headings=["K", "N"], rows=[["a", 3]]
        )
        safe, _ = apply_disclosure_control(table, safeguards.disclosure_threshold(s))
        assert safe.rows[0][1] == "fewer than 5"


def test_the_wash_statistic_says_when_decisions_had_no_second_person(settings: Settings) -> None:
    from datawash.stats.registry import StatParams
    from datawash.stats.service import run_statistic
    from tests.review.helpers import Actor, Role

    analyst = Actor("alex", Role.ANALYST)
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        table = run_statistic(s, analyst, "wash_progress", StatParams())
        assert not any("without a second person" in n for n in table.notes)
        safeguards.change(s, ADMIN, name="dual_control", raw_value="off", reason="trial")
        propose(s, "P1", "not_the_person")
        table = run_statistic(s, analyst, "wash_progress", StatParams())
        assert any("without a second person" in n for n in table.notes)
