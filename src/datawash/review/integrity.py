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
    """What the domain tables say that the audited services did not do: review decisions
    (their decision, decider, countersigner and status), item states, users' roles and
    whether they can act, safeguards, cases and allegations field by field, rows the log
    saw made that are gone, and the chain heads recorded with wash runs and sent FOI
    responses. (An attacker who can rewrite the whole database can rewrite the chain too;
    the heads recorded elsewhere - in a letter sent, a run's report - are what shows that.)"""
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    problems = _decisions(session, events)
    problems += _users_and_safeguards(session, events)
    problems += _register(session, events)
    problems += _recorded_heads(session, events)
    return problems


def _decisions(session: Session, events: list[AuditEvent]) -> list[str]:
    made: dict[int, AuditEvent] = {}
    signed: dict[int, AuditEvent] = {}
    for e in events:
        after = e.after or {}
        if e.entity_type != "review_item" or "decision_id" not in after:
            continue
        did = int(after["decision_id"])
        if e.action in ("review.decided", "review.reopen_asked", "review.reopened"):
            made[did] = e
        elif e.action in ("review.countersigned", "review.rejected"):
            signed[did] = e
    problems: list[str] = []
    decisions: dict[int, list[ReviewDecision]] = defaultdict(list)
    present = set()
    for d in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)):
        present.add(d.id)
        decisions[d.item_id].append(d)
        m, c = made.get(d.id), signed.get(d.id)
        label = f"review decision {d.id}"
        if m is None:
            problems.append(f"{label} has no audited decision behind it")
            continue
        if m.actor != d.decided_by:
            problems.append(f"{label}: decided by {d.decided_by}, audited as {m.actor}")
        audited_to = (m.after or {}).get("decision") or (m.after or {}).get("state")
        if audited_to != d.to_state:
            problems.append(f"{label}: says '{d.to_state}', audited as '{audited_to}'")
        if d.status == "effective" and d.kind != "rewash" and d.dual_control:
            if c is None or c.action != "review.countersigned":
                problems.append(f"{label} took effect with no audited countersignature")
            elif c.actor != d.countersigned_by:
                problems.append(
                    f"{label}: countersigned by {d.countersigned_by}, audited as {c.actor}"
                )
        single = d.status == "effective" and not d.dual_control and d.kind != "rewash"
        if single and (m.after or {}).get("status") != "effective":
            problems.append(f"{label} took effect without a countersignature")
        if d.status == "rejected" and (c is None or c.action != "review.rejected"):
            problems.append(f"{label} is rejected with no audited rejection")
    for did in sorted(set(made) - present):
        problems.append(f"review decision {did} was audited but is gone from the table")
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
    return problems


def _users_and_safeguards(session: Session, events: list[AuditEvent]) -> list[str]:
    from datawash.auth.models import User
    from datawash.safeguards.models import SafeguardSetting

    roles: dict[str, str] = {}
    inactive: set[str] = set()
    safeguards: dict[str, Any] = {}
    for e in events:
        after = e.after or {}
        if e.action == "users.add" or e.action == "users.role_changed":
            roles[e.entity_id] = after.get("role", "")
        elif e.action == "users.deactivated":
            inactive.add(e.entity_id)
        elif e.action == "safeguards.changed":
            safeguards[e.entity_id] = after.get("value")
    problems = []
    for u in session.scalars(select(User)):
        if u.username not in roles:
            problems.append(f"user {u.username} was never added through datawash")
        elif roles[u.username] != u.role:
            problems.append(f"user {u.username} is '{u.role}', audited as '{roles[u.username]}'")
        if u.active and u.username in inactive:
            problems.append(f"user {u.username} was deactivated but can act again")
    for row in session.scalars(select(SafeguardSetting)):
        import json

        if row.name not in safeguards or safeguards[row.name] != json.loads(row.value):
            problems.append(f"safeguard {row.name} is not what an administrator last set")
    return problems


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _register(session: Session, events: list[AuditEvent]) -> list[str]:
    from datawash.cases.models import Case

    allegations: dict[str, dict[str, Any]] = defaultdict(dict)
    cases: dict[str, dict[str, Any]] = defaultdict(dict)
    for e in events:
        after = e.after or {}
        if e.action in ("cases.allegation_imported", "cases.outcome_recorded", "cases.stage_moved"):
            allegations[e.entity_id].update(after)
        elif e.action in ("cases.imported", "cases.closed"):
            cases[e.entity_id].update(after)
        elif e.action == "cases.opened_from_referral":
            cases[e.entity_id].setdefault("recorded_on", None)
    problems = []
    seen = set()
    for a in session.scalars(select(Allegation)):
        seen.add(a.allegation_id)
        audited = allegations.get(a.allegation_id)
        if audited is None:
            if a.source != "data_wash":
                problems.append(f"allegation {a.allegation_id} was never imported or recorded")
            continue
        for key, value in audited.items():
            if hasattr(a, key) and _iso(getattr(a, key)) != value:
                problems.append(
                    f"allegation {a.allegation_id}: {key} differs from the audited value"
                )
    for gone in sorted(set(allegations) - seen):
        problems.append(f"allegation {gone} was audited but is gone from the register")
    present = set()
    for c in session.scalars(select(Case)):
        present.add(c.case_id)
        for key, value in cases.get(c.case_id, {}).items():
            fields = ("recorded_on", "source", "severity", "closed_on")
            if key in fields and value is not None and _iso(getattr(c, key)) != value:
                problems.append(f"case {c.case_id}: {key} differs from the audited value")
        if (
            "closed_on" in cases.get(c.case_id, {})
            and c.closed_on is None
            and cases[c.case_id]["closed_on"]
        ):
            problems.append(f"case {c.case_id} was closed but is open again")
    for gone in sorted(set(cases) - present):
        problems.append(f"case {gone} was audited but is gone from the register")
    return problems


def _recorded_heads(session: Session, events: list[AuditEvent]) -> list[str]:
    from sqlalchemy import column, table

    from datawash.wash.models import WashRun

    hashes = {e.hash for e in events if e.hash}
    problems = []
    for run in session.scalars(select(WashRun).where(WashRun.audit_head.is_not(None))):
        if run.audit_head not in hashes:
            problems.append(f"wash run {run.id}: the audit head recorded with it is not in the log")
    foi = table("foi_requests", column("reference"), column("sent_audit_head"))
    for reference, head in session.execute(
        select(foi.c.reference, foi.c.sent_audit_head).where(foi.c.sent_audit_head.is_not(None))
    ):
        if head not in hashes:
            problems.append(f"FOI {reference}: the audit head recorded when sent is not in the log")
    return problems
