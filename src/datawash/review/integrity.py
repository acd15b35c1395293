"""`datawash audit verify`, second half: the review and register tables checked against
the audit log, so a decision flipped or an outcome changed with SQL behind datawash's back
shows even when the chain itself is whole."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.audit.models import AuditEvent
from datawash.audit.verify import VerifyReport, verify
from datawash.cases.models import Allegation
from datawash.review.models import ReviewDecision, ReviewItem


def verify_all(session: Session, actor: Actor) -> VerifyReport:
    """The chain (audit.verify, which checks the permission), then the domain tables."""
    report = verify(session, actor)
    report.mismatches = check_against_audit(session)
    return report


def check_against_audit(session: Session) -> list[str]:
    """What the domain tables say that the audited services did not do: a review decision
    with no audited decision or countersignature behind it, an item whose state its
    decisions do not give, an allegation outcome other than the last one audited."""
    by_decision: dict[int, set[str]] = defaultdict(set)
    outcomes: dict[str, Any] = {}
    for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
        after = e.after or {}
        if e.entity_type == "review_item" and "decision_id" in after:
            by_decision[int(after["decision_id"])].add(
                f"{e.action}:{after.get('status', '')}:{after.get('decision', '')}"
            )
        if e.action in ("cases.outcome_recorded", "cases.allegation_imported"):
            outcomes[e.entity_id] = after.get("outcome")
    problems: list[str] = []
    decisions: dict[int, list[ReviewDecision]] = defaultdict(list)
    for d in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)):
        decisions[d.item_id].append(d)
        seen = by_decision.get(d.id, set())
        actions = {s.split(":", 1)[0] for s in seen}
        opened = {"decision": "review.decided", "reopen": "review.reopen_asked"}
        if d.kind == "rewash":
            expected_actions = {"review.reopened"}
        else:
            expected_actions = {opened.get(d.kind, "review.decided")}
            if d.status == "effective" and d.dual_control:
                expected_actions.add("review.countersigned")
            if d.status == "rejected":
                expected_actions.add("review.rejected")
        if not expected_actions <= actions:
            problems.append(
                f"review decision {d.id} ({d.to_state}, {d.status}) has no audited "
                "decision or countersignature that made it so"
            )
        single = d.status == "effective" and d.kind != "rewash" and not d.dual_control
        if single and not any(
            s.startswith(("review.decided:effective", "review.reopen_asked:effective"))
            for s in seen
        ):
            problems.append(f"review decision {d.id} took effect without a countersignature")
    for item in session.scalars(select(ReviewItem)):
        effective = sorted(
            (d for d in decisions.get(item.id, []) if d.status == "effective"),
            key=lambda d: (d.effective_at, d.id),
        )
        expected = effective[-1].to_state if effective else "new"
        if item.state != expected:
            problems.append(
                f"review item {item.id} is '{item.state}' but its decisions make it '{expected}'"
            )
    for a in session.scalars(select(Allegation)):
        if a.allegation_id in outcomes and outcomes[a.allegation_id] != a.outcome:
            problems.append(
                f"allegation {a.allegation_id}: outcome differs from the last audited outcome"
            )
    return problems
