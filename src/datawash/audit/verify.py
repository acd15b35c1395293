"""`datawash audit verify`, first half: walk the hash chain from its start and say where
it first breaks (the domain tables are checked against it by review.integrity)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.audit.chain import GENESIS, legacy_content, link_hash
from datawash.audit.models import AuditChainHead, AuditEvent
from datawash.permissions import require


@dataclass
class VerifyReport:
    events: int = 0
    chained: int = 0
    before_chain: int = 0
    head_seq: int | None = None
    head_hash: str | None = None
    # The first break in the chain, in words (None: the chain is whole).
    chain_break: str | None = None
    # Domain rows that do not match the audited history (filled by review.integrity).
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain_break is None and not self.mismatches


def verify(session: Session, actor: Actor) -> VerifyReport:
    require(actor, "audit.verify")
    report = VerifyReport()
    report.chain_break = _check_chain(session, report)
    return report


def _legacy_row(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id, "at": e.at, "actor": e.actor, "actor_role": e.actor_role,
        "action": e.action, "entity_type": e.entity_type, "entity_id": e.entity_id,
        "person_id": e.person_id, "case_id": e.case_id, "before": e.before,
        "after": e.after, "reason": e.reason,
    }  # fmt: skip


def _check_chain(session: Session, report: VerifyReport) -> str | None:
    head = session.get(AuditChainHead, 1)
    legacy = hashlib.sha256()
    prev: str | None = None
    expected_seq = 1
    first_chained_id: int | None = None
    for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
        report.events += 1
        if e.seq is None:
            if first_chained_id is not None:
                return f"event {e.id} has no place in the chain (inserted after it began)"
            report.before_chain += 1
            legacy.update(legacy_content(_legacy_row(e)).encode("utf-8"))
            continue
        if first_chained_id is None:
            first_chained_id = e.id
            prev = legacy.hexdigest() if report.before_chain else GENESIS
            if e.prev_hash != prev:
                return (
                    f"event {e.id} (number {e.seq}): the events before the chain began "
                    "were changed, removed or added"
                )
        if e.seq != expected_seq:
            return (
                f"event {e.id}: number {e.seq} where {expected_seq} was due "
                f"({'events removed' if e.seq > expected_seq else 'events out of order'})"
            )
        if e.prev_hash != prev:
            return f"event {e.id} (number {e.seq}): does not follow the event before it"
        if e.hash != link_hash(prev or GENESIS, e):
            return f"event {e.id} (number {e.seq}): its content was changed after it was written"
        prev = e.hash
        expected_seq += 1
        report.chained += 1
    report.head_seq = head.seq if head else None
    report.head_hash = head.hash if head else None
    if head is None:
        return "the chain's head is missing" if report.chained else None
    if head.seq != report.chained or (report.chained and head.hash != prev):
        return (
            f"the chain's head says {head.seq} events, the table holds {report.chained}: "
            "the newest events were removed"
        )
    return None
