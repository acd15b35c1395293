"""Write audit events in the caller's transaction, and query them back."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash.audit.models import AuditEvent

if TYPE_CHECKING:
    from datawash.auth.service import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity_type: str,
    entity_id: str | int,
    person_id: str | None = None,
    case_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add one event to the session: it commits or rolls back with the change it describes."""
    event = AuditEvent(
        actor=actor.username,
        actor_role=str(actor.role),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        person_id=person_id,
        case_id=case_id,
        before=before,
        after=after,
        reason=reason,
    )
    session.add(event)
    return event


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
    from datawash.auth.service import require

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
