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
        (row,) = safeguards.list_safeguards(s)
        assert (row.value, row.changed_by, row.reason) == (True, "ada", "trial over")


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
