"""Users and authentication: argon2id, wrong or no password, deactivated and unknown users
all refused alike, reserved names, roles changed and recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from datawash.actor import Channel
from datawash.audit.models import AuditEvent
from datawash.auth import service as auth
from datawash.auth.models import User
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import AuthenticationFailed, InputError, PermissionDenied
from tests.conftest import TEST_PASSWORD


def _team(settings: Settings) -> None:
    with session_scope(settings) as s:
        auth.add_user(s, None, username="ada", role="administrator", password=TEST_PASSWORD)
        admin = auth.get_actor(s, "ada")
        auth.add_user(s, admin, username="riley", role="reviewer", password=TEST_PASSWORD)
        auth.add_user(s, admin, username="nopass", role="reviewer")


def test_a_password_proves_who_acts(settings: Settings) -> None:
    _team(settings)
    with session_scope(settings) as s:
        stored = s.get(User, "riley")
        assert stored is not None and stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert TEST_PASSWORD not in stored.password_hash
        actor = auth.authenticate(s, "riley", TEST_PASSWORD, channel=Channel.CLI, os_account="u1")
        assert (actor.username, actor.role, actor.channel, actor.os_account) == (
            "riley",
            "reviewer",
            "cli",
            "u1",
        )
    refusals = [
        ("riley", "wrong password!"),
        ("riley", None),
        ("nopass", ""),
        ("nopass", None),
        ("nobody", TEST_PASSWORD),
    ]
    for username, password in refusals:
        with session_scope(settings) as s, pytest.raises(AuthenticationFailed) as err:
            auth.authenticate(s, username, password, channel=Channel.CLI)
        assert str(err.value) == auth.REFUSED  # never says which part was wrong
    with session_scope(settings) as s:
        auth.deactivate(s, auth.get_actor(s, "ada"), username="riley", reason="left the force")
    with session_scope(settings) as s, pytest.raises(AuthenticationFailed):
        auth.authenticate(s, "riley", TEST_PASSWORD, channel=Channel.CLI)


def test_failed_attempts_are_counted_and_audited(settings: Settings) -> None:
    _team(settings)
    with session_scope(settings) as s:
        auth.record_failed_attempt(s, "riley", channel=Channel.CLI, os_account="u1")
        auth.record_failed_attempt(s, "typo-of-a-password", channel=Channel.CLI, os_account=None)
    with session_scope(settings) as s:
        user = s.get(User, "riley")
        assert user is not None and user.failed_attempts == 1
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "auth.failed")).all()
        assert [(e.entity_id, e.channel) for e in events] == [("riley", "cli"), ("unknown", "cli")]
        auth.authenticate(s, "riley", TEST_PASSWORD, channel=Channel.CLI)
        assert user.failed_attempts == 0


def test_names_passwords_and_roles_are_checked(settings: Settings) -> None:
    _team(settings)
    with session_scope(settings) as s:
        admin = auth.get_actor(s, "ada")
        riley = auth.get_actor(s, "riley")
        for bad in ("system", "Riley", " riley", "a b", "", "x" * 65):
            with pytest.raises(InputError):
                auth.add_user(s, admin, username=bad, role="reviewer")
        with pytest.raises(InputError, match="at least"):
            auth.add_user(s, admin, username="short", role="reviewer", password="abc")
        with pytest.raises(InputError, match="unknown role"):
            auth.add_user(s, admin, username="x1", role="chief")
        with pytest.raises(PermissionDenied):
            auth.add_user(s, riley, username="x2", role="administrator")
        with pytest.raises(PermissionDenied):  # only an administrator sets another's
            auth.set_password(s, riley, username="nopass", password="a long new password")
        auth.set_password(s, riley, username="riley", password="my own new password")
        auth.set_role(s, admin, username="riley", role="supervisor", reason="promoted")
        assert auth.get_actor(s, "riley").role == "supervisor"
        with pytest.raises(InputError, match="themselves"):
            auth.deactivate(s, admin, username="ada", reason="x")
        assert [u.username for u in auth.list_users(s, admin)] == ["ada", "nopass", "riley"]


def test_the_first_user_is_an_administrator(settings: Settings) -> None:
    with session_scope(settings) as s, pytest.raises(InputError, match="first user"):
        auth.add_user(s, None, username="riley", role="reviewer")
    with session_scope(settings) as s:
        assert auth.job_actor(s) is not None  # a fresh install: jobs run as system
        auth.add_user(s, None, username="ada", role="administrator")
        assert auth.job_actor(s) is None
    with session_scope(settings) as s, pytest.raises(PermissionDenied):
        auth.add_user(s, None, username="eve", role="administrator")
