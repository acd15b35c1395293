"""Who is acting, and whether their role allows an action (checked inside every service)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from datawash.auth.models import User
from datawash.auth.permissions import PERMISSIONS, Role
from datawash.errors import InputError, PermissionDenied

__all__ = ["Actor", "Role", "add_user", "get_actor", "require"]


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role


# The actor used by automated jobs (a wash started from the command line by the system).
SYSTEM = Actor("system", Role.ADMINISTRATOR)


def require(actor: Actor, action: str) -> None:
    """Raise PermissionDenied unless the actor's role may take the named action."""
    allowed = PERMISSIONS.get(action)
    if allowed is None:
        raise KeyError(f"unknown action {action!r}: add it to auth/permissions.py")
    if actor.role not in allowed:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not {action}")


def get_actor(session: Session, username: str) -> Actor:
    user = session.get(User, username)
    if user is None or not user.active:
        raise PermissionDenied(f"unknown or inactive user {username!r}")
    return Actor(user.username, Role(user.role))


def add_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    role: str,
    display_name: str | None = None,
) -> User:
    """Create a user. The very first user must be an administrator and needs no actor."""
    from datawash import audit

    try:
        role_ = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {role!r}; one of: {allowed}") from None
    first = session.query(User).count() == 0
    if first:
        if role_ is not Role.ADMINISTRATOR:
            raise InputError("the first user must be an administrator")
        actor = Actor(username, role_)
    elif actor is None:
        raise PermissionDenied("adding a user needs an administrator")
    else:
        require(actor, "users.manage")
    if session.get(User, username) is not None:
        raise InputError(f"user {username!r} already exists")
    user = User(username=username, role=role_.value, display_name=display_name)
    session.add(user)
    audit.record(
        session,
        actor,
        "users.add",
        entity_type="user",
        entity_id=username,
        after={"username": username, "role": role_.value},
    )
    return user
