"""Write audit events in the caller's transaction, and query them back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.audit import chain
from datawash.audit.events import EventType
from datawash.audit.models import AuditEvent


def record(
    session: Session,
    actor: Actor,
    event: EventType,
    *,
    entity_id: str | int,
    person_id: str | None = None,
    case_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add one event to the session: it commits or rolls back with the change it describes."""
    row = AuditEvent(
        actor=actor.username,
        actor_role=str(actor.role),
        channel=str(actor.channel),
        os_account=actor.os_account,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=str(entity_id),
        person_id=person_id,
        case_id=case_id,
        before=before,
        after=after,
        reason=reason,
    )
    chain.note(row)
    session.add(row)
    return row


def query(
    session: Session,
    actor: Actor,
    *,
    person_id: str | None = None,
    case_id: str | None = None,
    username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AuditEvent]:
    from datawash.permissions import require

    require(actor, "audit.view")
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if person_id is not None:
        stmt = stmt.where(AuditEvent.person_id == person_id)
    if case_id is not None:
        stmt = stmt.where(AuditEvent.case_id == case_id)
    if username is not None:
        stmt = stmt.where(AuditEvent.actor == username)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    return list(session.scalars(stmt.limit(limit)))
