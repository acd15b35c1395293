"""Users and proof of who is acting: argon2id passwords, deactivation, roles.

Every adapter turns a username and a password into an :class:`Actor` through
:func:`authenticate`; nothing else makes an actor for a person. A wrong password, an
unknown or deactivated user and a user with no password all get the same refusal, so the
message does not tell an attacker which names exist.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from datawash import audit
from datawash.actor import RESERVED_USERNAMES, SYSTEM, Actor, Channel, Role
from datawash.audit import events
from datawash.auth import sessions
from datawash.auth.models import User
from datawash.clock import now
from datawash.db import claim_once
from datawash.errors import (
    AccountLocked,
    AuthenticationFailed,
    InputError,
    NotFound,
    PermissionDenied,
)
from datawash.permissions import require
from datawash.vocabulary import parse

__all__ = [
    "SYSTEM",
    "Actor",
    "Role",
    "UserRead",
    "add_user",
    "authenticate",
    "deactivate",
    "get_actor",
    "list_users",
    "require",
    "set_password",
    "set_role",
]

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile). Tests swap in a
# cheaper hasher; stored hashes carry their own parameters, so either verifies.
hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so a refusal takes as long either way
    (made on first need: hashing costs a tenth of a second at every start otherwise)."""
    return hasher.hash("datawash: no such user")


MIN_PASSWORD_LENGTH = 10
LOCKOUT_AFTER = 5
LOCKOUT_MINUTES = 15
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
REFUSED = "unknown user, wrong password, no password set or deactivated user"


class UserRead(BaseModel):
    username: str
    role: Role
    display_name: str | None
    active: bool
    has_password: bool


def locked_out(user: User) -> bool:
    if user.failed_attempts < LOCKOUT_AFTER or user.last_failed_at is None:
        return False
    return now() - user.last_failed_at < timedelta(minutes=LOCKOUT_MINUTES)


def _read(user: User) -> UserRead:
    return UserRead(
        username=user.username,
        role=Role(user.role),
        display_name=user.display_name,
        active=user.active,
        has_password=user.password_hash is not None,
    )


def _check_username(username: str) -> str:
    if not _USERNAME.fullmatch(username):
        raise InputError(
            "a username is 1 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if username in RESERVED_USERNAMES:
        raise InputError(f"{username!r} is reserved for datawash itself")
    return username


def _check_password(password: str) -> str:
    if "\x00" in password:
        raise InputError("a password cannot hold a NUL character")
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise InputError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _user(session: Session, username: str) -> User:
    user = session.get(User, username)
    if user is None:
        raise NotFound("user", username)
    return user


def add_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    role: str,
    display_name: str | None = None,
    password: str | None = None,
) -> UserRead:
    """Create a user. The very first user must be an administrator and needs no actor;
    after that only an administrator adds users."""
    role_ = parse(Role, role, what="role")
    _check_username(username)
    if password is not None:
        _check_password(password)
    first = session.scalar(select(func.count()).select_from(User)) == 0
    if first:
        if role_ is not Role.ADMINISTRATOR:
            raise InputError("the first user must be an administrator")
        claim_once(session, "first-administrator")  # two fresh installs at once: one wins
        actor = Actor(username, role_, actor.channel if actor else Channel.SERVICE)
    elif actor is None:
        raise PermissionDenied("adding a user needs an administrator")
    else:
        require(actor, "users.manage")
    if session.get(User, username) is not None:
        raise InputError(f"user {username!r} already exists")
    user = User(username=username, role=role_.value, display_name=display_name)
    if password is not None:
        user.password_hash, user.password_set_at = hasher.hash(password), now()
    session.add(user)
    audit.record(
        session,
        actor,
        events.USER_ADDED,
        entity_id=username,
        after={"username": username, "role": role_.value, "password": password is not None},
    )
    session.flush()
    return _read(user)


def set_password(session: Session, actor: Actor, *, username: str, password: str) -> None:
    """A user sets their own password; an administrator sets anyone's."""
    if actor.username != username:
        require(actor, "users.manage")
    user = _user(session, username)
    _check_password(password)
    user.password_hash, user.password_set_at = hasher.hash(password), now()
    user.failed_attempts, user.last_failed_at = 0, None
    sessions.revoke_all(session, username)
    audit.record(session, actor, events.USER_PASSWORD_SET, entity_id=username)
    session.flush()


def deactivate(session: Session, actor: Actor, *, username: str, reason: str) -> None:
    """An administrator stops a user from acting (never deleted: the audit log names them)."""
    require(actor, "users.manage")
    if not reason.strip():
        raise InputError("deactivating a user needs a reason")
    if username == actor.username:
        raise InputError("an administrator cannot deactivate themselves")
    user = _user(session, username)
    user.active = False
    sessions.revoke_all(session, username)
    audit.record(session, actor, events.USER_DEACTIVATED, entity_id=username, reason=reason)
    session.flush()


def set_role(session: Session, actor: Actor, *, username: str, role: str, reason: str) -> None:
    require(actor, "users.manage")
    if not reason.strip():
        raise InputError("changing a role needs a reason")
    role_ = parse(Role, role, what="role")
    user = _user(session, username)
    if username == actor.username and role_ is not Role.ADMINISTRATOR:
        raise InputError("an administrator cannot take away their own role")
    before = user.role
    user.role = role_.value
    audit.record(
        session,
        actor,
        events.USER_ROLE_CHANGED,
        entity_id=username,
        before={"role": before},
        after={"role": role_.value},
        reason=reason,
    )
    session.flush()


def list_users(session: Session, actor: Actor) -> list[UserRead]:
    require(actor, "users.manage")
    return [_read(u) for u in session.scalars(select(User).order_by(User.username))]


def any_user(session: Session) -> bool:
    return session.scalar(select(User.username).limit(1)) is not None


def authenticate(
    session: Session,
    username: str,
    password: str | None,
    *,
    channel: Channel,
    os_account: str | None = None,
) -> Actor:
    """The actor for a username proven by its password, or AuthenticationFailed. After
    LOCKOUT_AFTER refusals in a row an account waits LOCKOUT_MINUTES, right password or not
    (the refusal says so only to someone who gave the right password)."""
    user = session.get(User, username)
    stored = user.password_hash if user is not None else None
    try:
        hasher.verify(stored or _dummy_hash(), password or "")
        ok = stored is not None and password is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        raise AuthenticationFailed(REFUSED)
    if locked_out(user):
        raise AccountLocked(
            f"this account is locked for {LOCKOUT_MINUTES} minutes after {LOCKOUT_AFTER} "
            "refused attempts; an administrator can set a new password to unlock it"
        )
    if stored is not None and hasher.check_needs_rehash(stored) and password is not None:
        user.password_hash = hasher.hash(password)
    if user.failed_attempts:
        session.execute(
            update(User).where(User.username == user.username).values(failed_attempts=0)
        )
    return Actor(user.username, Role(user.role), channel, os_account)


def authenticate_external(
    session: Session, username: str, *, subject: str, channel: Channel
) -> Actor:
    """The actor for a username the force's identity provider has just proven (OpenID
    Connect). The provider says who someone is; datawash says what they may do: the account
    must exist here and be active, and a locked account stays locked. ``subject`` is the
    provider's own account ("issuer|sub"): a user is bound to it at the first sign-in, and
    afterwards only that account signs in as them, and it as no one else (a username claim
    edited at the provider cannot take over another user)."""
    user = session.get(User, username)
    if user is None or not user.active or not subject:
        raise AuthenticationFailed(REFUSED)
    owner = session.scalars(select(User).where(User.oidc_subject == subject)).first()
    if owner is not None and owner.username != user.username:
        raise AuthenticationFailed(REFUSED)
    if user.oidc_subject is not None and user.oidc_subject != subject:
        raise AuthenticationFailed(REFUSED)
    if locked_out(user):
        raise AccountLocked(f"this account is locked for {LOCKOUT_MINUTES} minutes")
    if user.oidc_subject is None:
        user.oidc_subject = subject
        audit.record(
            session, Actor(user.username, Role(user.role), channel), events.USER_OIDC_BOUND,
            entity_id=user.username, after={"bound": True},
        )  # fmt: skip
    return Actor(user.username, Role(user.role), channel)


def bound_subject(session: Session, username: str) -> str | None:
    """The identity provider account a user is bound to, if any."""
    user = session.get(User, username)
    return user.oidc_subject if user is not None else None


def record_failed_attempt(
    session: Session, username: str, *, channel: Channel, os_account: str | None
) -> None:
    """Count and audit a refused attempt (in its own transaction: the refused one rolls
    back). The username is recorded only if it exists, so typos of passwords into the
    username field are not kept."""
    known = session.get(User, username) is not None
    if known:
        # One atomic UPDATE: concurrent refusals all count.
        session.execute(
            update(User)
            .where(User.username == username)
            .values(failed_attempts=User.failed_attempts + 1, last_failed_at=now())
        )
    who = Actor(username if known else "unknown", Role.REVIEWER, channel, os_account)
    audit.record(session, who, events.SIGN_IN_FAILED, entity_id=username if known else "unknown")


def job_actor(session: Session) -> Actor | None:
    """The system actor, for an automated job on a fresh install (no user exists yet);
    None once there are users, when a job must be run as one of them."""
    return None if any_user(session) else SYSTEM


def get_actor(session: Session, username: str) -> Actor:
    """The actor of an active user, without a password: for jobs and tests that run
    services directly in Python, never for an adapter acting for a person."""
    user = session.get(User, username)
    if user is None or not user.active:
        raise PermissionDenied(f"unknown or inactive user {username!r}")
    return Actor(user.username, Role(user.role))
