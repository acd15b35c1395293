"""Web sessions: a new random token at every sign-in, revocable on the server, ended after
IDLE_MINUTES without a request or ABSOLUTE_HOURS after sign-in; every start and end is in
the audit log. The web adapter holds only the token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from datawash import audit
from datawash.actor import Actor, Channel, Role
from datawash.audit import events
from datawash.auth.models import User, WebSession
from datawash.clock import now
from datawash.errors import AuthenticationFailed

IDLE_MINUTES = 30
ABSOLUTE_HOURS = 12


class SessionEnded(AuthenticationFailed):
    """The session is over (signed out, idle, expired, revoked): sign in again."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"your session has ended ({reason}); sign in again")
        self.reason = reason


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, actor: Actor, *, method: str = "password") -> str:
    """A new session for an actor just authenticated (by ``method``: a password, or the
    force's identity provider); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_hash(token), username=actor.username))
    audit.record(
        session, actor, events.SIGNED_IN, entity_id=actor.username, after={"method": method}
    )
    session.flush()
    return token


def resume(session: Session, token: str | None, *, touch: bool = True) -> Actor:
    """The actor of a live session, its idle clock reset; SessionEnded otherwise. A session
    found idle or expired is ended here, so call it in a transaction that commits (the
    web adapter does, and raises afterwards): see check()."""
    actor, reason = check(session, token, touch=touch)
    if actor is None:
        raise SessionEnded(reason or "ended")
    return actor


def check(
    session: Session, token: str | None, *, touch: bool = True
) -> tuple[Actor | None, str | None]:
    """(actor, None) for a live session, or (None, why it is over) - ending it, audited."""
    row = session.get(WebSession, _hash(token)) if token else None
    if row is None:
        return None, "not signed in"
    if row.ended_at is not None:
        return None, row.end_reason or "ended"
    at = now()
    reason = None
    if at - row.last_seen_at > timedelta(minutes=IDLE_MINUTES):
        reason = "idle"
    elif at - row.created_at > timedelta(hours=ABSOLUTE_HOURS):
        reason = "expired"
    user = session.get(User, row.username)
    if user is None or not user.active:
        reason = "revoked"
    if reason is not None:
        _end(session, row, reason)
        return None, reason
    if touch:
        # One UPDATE, not the ORM's read-modify-write: concurrent requests of one session
        # must not conflict with each other.
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == row.token_hash)
            .values(last_seen_at=at)
        )
    assert user is not None
    return Actor(user.username, Role(user.role), Channel.WEB), None


def end(session: Session, token: str | None, reason: str = "signed_out") -> None:
    row = session.get(WebSession, _hash(token)) if token else None
    if row is not None and row.ended_at is None:
        _end(session, row, reason)


def revoke_all(session: Session, username: str) -> int:
    """End every live session of a user (deactivation, a password change)."""
    rows = session.scalars(
        select(WebSession).where(WebSession.username == username, WebSession.ended_at.is_(None))
    ).all()
    for row in rows:
        _end(session, row, "revoked")
    return len(rows)


def _end(session: Session, row: WebSession, reason: str) -> None:
    row.ended_at, row.end_reason = now(), reason
    user = session.get(User, row.username)
    who = Actor(row.username, Role(user.role) if user else Role.REVIEWER, Channel.WEB)
    audit.record(session, who, events.SIGNED_OUT, entity_id=row.username, after={"reason": reason})


def mark_reauthenticated(session: Session, token: str | None, at: datetime) -> None:
    """The user proved it was them again (at the identity provider) at ``at``."""
    if token:
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None))
            .values(reauthenticated_at=at)
        )


def reauthenticated_within(session: Session, token: str | None, seconds: int) -> bool:
    row = session.get(WebSession, _hash(token)) if token else None
    at = row.reauthenticated_at if row is not None else None
    return at is not None and timedelta(0) <= now() - at <= timedelta(seconds=seconds)


def take_reauthentication(session: Session, token: str | None, seconds: int) -> bool:
    """Use the session's recent re-authentication for one act (a countersignature): True
    if there was one within ``seconds``, which is then cleared - in the act's transaction,
    so a refused act does not use it up, and two acts at once cannot both use it."""
    if not token:
        return False
    result = session.execute(
        update(WebSession)
        .where(
            WebSession.token_hash == _hash(token),
            WebSession.ended_at.is_(None),
            WebSession.reauthenticated_at.is_not(None),
            WebSession.reauthenticated_at >= now() - timedelta(seconds=seconds),
            WebSession.reauthenticated_at <= now(),
        )
        .values(reauthenticated_at=None)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
