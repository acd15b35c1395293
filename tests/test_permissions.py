"""The permission table, walked role by role; analysts and FOI officers see counts only."""

from __future__ import annotations

import itertools

import pytest

from datawash.actor import Actor, Role
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import PermissionDenied
from datawash.permissions import PERMISSIONS, ROLE_DUTIES, require


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, PERMISSIONS)))
def test_every_role_and_action(role: Role, action: str) -> None:
    actor = Actor("someone", role)
    if role in PERMISSIONS[action]:
        require(actor, action)
    else:
        with pytest.raises(PermissionDenied):
            require(actor, action)


def test_counts_not_people_for_analysts_and_foi_officers(sqlite_settings: Settings) -> None:
    from datawash.cases import service as cases

    for role in (Role.ANALYST, Role.FOI_OFFICER):
        actor = Actor("someone", role)
        with session_scope(sqlite_settings) as s:
            assert cases.count_cases(s, actor).cases == 0
            with pytest.raises(PermissionDenied):
                cases.list_cases(s, actor)
            with pytest.raises(PermissionDenied):
                cases.get_case(s, actor, "C1")
        for action in ("review.view", "cases.view", "audit.view", "review.export"):
            assert role not in PERMISSIONS[action]
    assert set(ROLE_DUTIES) == set(Role)


def test_unknown_actions_are_a_programming_error() -> None:
    with pytest.raises(KeyError):
        require(Actor("a", Role.ADMINISTRATOR), "cases.delete_everything")
