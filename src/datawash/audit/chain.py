"""The audit log's hash chain: each event carries the SHA-256 of the one before it and of
its own content, so rewriting, inserting, deleting or replacing any event - or dropping
and recreating the table - breaks the chain where it happened, and `datawash audit verify`
says where.

Events get their place in the chain when the session flushes them. Writers take the
chain's head row first (FOR UPDATE on PostgreSQL; SQLite's write lock), so two
transactions never extend the chain from the same event. Hand-written: no maintained
library does a hash chain over SQLAlchemy rows; the rule is a dozen lines.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from datawash.audit.models import AuditChainHead, AuditEvent
from datawash.db import begin_write, utcnow

GENESIS = "0" * 64

# The order events were recorded in (audit.record), so one flush chains them in it.
_ORDER = itertools.count()
_recorded: WeakKeyDictionary[AuditEvent, int] = WeakKeyDictionary()


def note(e: AuditEvent) -> None:
    _recorded[e] = next(_ORDER)


def content(e: AuditEvent) -> str:
    """The event's content as hashed: every field but the hashes, in a fixed form."""
    return json.dumps(
        {
            "seq": e.seq,
            "at": e.at.isoformat() if e.at else None,
            "actor": e.actor,
            "actor_role": e.actor_role,
            "channel": e.channel,
            "os_account": e.os_account,
            "action": e.action,
            "entity_type": e.entity_type,
            "entity_id": e.entity_id,
            "person_id": e.person_id,
            "case_id": e.case_id,
            "before": e.before,
            "after": e.after,
            "reason": e.reason,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def legacy_content(row: dict[str, Any]) -> str:
    """An event recorded before the chain existed (migration 0006), in a fixed form."""
    at = row.get("at")
    if isinstance(at, datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    fields = ("id", "actor", "actor_role", "action", "entity_type", "entity_id", "person_id")
    data = {k: row.get(k) for k in (*fields, "case_id", "before", "after", "reason")}
    data["at"] = str(at)
    for key in ("before", "after"):
        value = data[key]
        if isinstance(value, str):  # JSON read back as text by a plain table construct
            data[key] = json.loads(value)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str) + "\n"


def link_hash(prev_hash: str, e: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + "\n" + content(e)).encode("utf-8")).hexdigest()


def head(session: Session, *, lock: bool) -> AuditChainHead:
    """The chain's head row, locked for this transaction when ``lock``."""
    if lock:
        begin_write(session)  # SQLite: take the write lock before reading the head
    stmt = select(AuditChainHead).where(AuditChainHead.id == 1)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        row = AuditChainHead(id=1, seq=0, hash=GENESIS)
        session.add(row)
    return row


@event.listens_for(Session, "before_flush")
def _chain_new_events(session: Session, _context: Any, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, AuditEvent) and o.hash is None]
    if not new:
        return
    new.sort(key=lambda e: _recorded.get(e, 0))
    chain = head(session, lock=True)
    for e in new:
        # Column defaults are applied at INSERT, after this hook: set them now, since the
        # hash covers them.
        e.at = e.at or utcnow()
        e.channel = e.channel or "service"
        chain.seq += 1
        e.seq = chain.seq
        e.prev_hash = chain.hash
        e.hash = link_hash(chain.hash, e)
        chain.hash = e.hash


def current_head(session: Session) -> str:
    """The hash of the newest event once pending ones are flushed: recorded with a wash
    run and a sent FOI response, so a later rewrite of the log cannot match them."""
    session.flush()
    row = session.get(AuditChainHead, 1)
    return row.hash if row is not None else GENESIS
