"""Review services: reconcile each wash with the items, and record reviewers' decisions.

Services take a session and an actor; permissions and audit are checked and written here,
in the caller's transaction, so every adapter (CLI now, web later) is covered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from datawash import audit
from datawash.auth.service import Actor, require
from datawash.config import Settings
from datawash.db import utcnow
from datawash.errors import DualControlError, InputError, NotFound
from datawash.review.models import ReviewCandidate, ReviewDeadline, ReviewDecision, ReviewItem
from datawash.review.workflow import (
    DONE,
    NEEDS_COUNTERSIGN,
    State,
    check_transition,
    parse_referral,
    parse_state,
)
from datawash.triage import EventTriage, classify_event, person_priority
from datawash.wash.models import WashCandidate, WashEvent, WashPerson, WashRecord, WashRun


@dataclass
class SyncSummary:
    created: int = 0
    reopened: int = 0
    unchanged: int = 0
    new_candidates: int = 0
    changed_candidates: int = 0
    disappeared_candidates: int = 0


def _event_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _triage(e: WashEvent) -> EventTriage:
    return classify_event(
        offence_code=e.offence_code,
        offence_description=e.offence_description,
        domestic_abuse=e.domestic_abuse,
        role=e.role,
    )


def sync_from_wash(session: Session, actor: Actor, run_id: int) -> SyncSummary:
    """Bring the review items up to date with a completed wash run.

    One item per person, never duplicated. Unchanged candidates keep the item's decisions;
    a new candidate, or a record whose content changed, reopens the item; a candidate the
    run no longer proposes is marked disappeared, never deleted.
    """
    require(actor, "wash.run")
    run = session.get(WashRun, run_id)
    if run is None:
        raise NotFound("wash run", run_id)
    summary = SyncSummary()
    pairs = list(session.scalars(select(WashCandidate).where(WashCandidate.run_id == run_id)))
    records = {
        r.record_id: r
        for r in session.scalars(select(WashRecord).where(WashRecord.run_id == run_id))
    }
    events: dict[str, list[WashEvent]] = {}
    for e in session.scalars(select(WashEvent).where(WashEvent.run_id == run_id)):
        events.setdefault(e.record_id, []).append(e)
    by_person: dict[str, list[WashCandidate]] = {}
    for p in pairs:
        by_person.setdefault(p.person_id, []).append(p)
    items = {i.person_id: i for i in session.scalars(select(ReviewItem))}
    today = run.started_at.date()

    for person_id, cands in sorted(by_person.items()):
        triaged = [
            (_triage(e), _event_date(e.event_date))
            for c in cands
            for e in events.get(c.record_id, [])
        ]
        priority, reason = person_priority(triaged, as_of=today)
        item = items.get(person_id)
        if item is None:
            item = ReviewItem(
                person_id=person_id,
                state=State.NEW.value,
                priority=priority,
                priority_reason=reason,
                first_run_id=run_id,
                last_run_id=run_id,
            )
            session.add(item)
            session.flush()
            for c in cands:
                session.add(_candidate(item.id, c, records[c.record_id].fingerprint, run_id, "new"))
            summary.created += 1
            summary.new_candidates += len(cands)
            audit.record(
                session,
                actor,
                "review.opened",
                entity_type="review_item",
                entity_id=item.id,
                person_id=person_id,
                after={"state": item.state, "run_id": run_id, "candidates": len(cands)},
            )
            continue
        existing = {c.record_id: c for c in item.candidates}
        reasons: list[str] = []
        for c in cands:
            fp = records[c.record_id].fingerprint
            old = existing.get(c.record_id)
            if old is None:
                session.add(_candidate(item.id, c, fp, run_id, "new"))
                summary.new_candidates += 1
                reasons.append(f"new candidate {c.record_id}")
            else:
                if old.fingerprint != fp or old.status == "disappeared":
                    reasons.append(f"candidate {c.record_id} changed or came back")
                    old.status = "changed"
                    summary.changed_candidates += 1
                elif old.status in ("new", "changed"):
                    old.status = "active"
                old.fingerprint = fp
                old.last_seen_run_id = run_id
                old.match_probability = c.match_probability
                old.band = c.band
                old.explanation = c.explanation
        seen = {c.record_id for c in cands}
        for record_id, old in existing.items():
            if record_id not in seen and old.status != "disappeared":
                old.status = "disappeared"
                summary.disappeared_candidates += 1
        item.last_run_id = run_id
        item.priority = min(item.priority, priority) if item.state != State.NEW.value else priority
        if reasons and item.state != State.NEW.value:
            before = item.state
            for d in item.decisions:
                if d.status == "pending":
                    d.status = "rejected"
                    d.countersign_reason = "withdrawn: the item was reopened by a new wash"
            item.state = State.NEW.value
            item.reopened_count += 1
            item.updated_at = utcnow()
            summary.reopened += 1
            audit.record(
                session,
                actor,
                "review.reopened",
                entity_type="review_item",
                entity_id=item.id,
                person_id=person_id,
                before={"state": before},
                after={"state": item.state, "run_id": run_id},
                reason="; ".join(reasons),
            )
        else:
            summary.unchanged += 1
    # People with earlier candidates but none in this run: their candidates disappear.
    for person_id, item in items.items():
        if person_id in by_person:
            continue
        for old in item.candidates:
            if old.status != "disappeared":
                old.status = "disappeared"
                summary.disappeared_candidates += 1
    session.flush()
    return summary


def _candidate(
    item_id: int, c: WashCandidate, fp: str, run_id: int, status: str
) -> ReviewCandidate:
    return ReviewCandidate(
        item_id=item_id,
        record_id=c.record_id,
        status=status,
        first_seen_run_id=run_id,
        last_seen_run_id=run_id,
        fingerprint=fp,
        match_probability=c.match_probability,
        band=c.band,
        explanation=c.explanation,
    )


def _item(session: Session, person_id: str) -> ReviewItem:
    item = session.scalars(select(ReviewItem).where(ReviewItem.person_id == person_id)).first()
    if item is None:
        raise NotFound("review item for person", person_id)
    return item


def queue(
    session: Session,
    actor: Actor,
    *,
    state: str | None = None,
    assigned_to: str | None = None,
    limit: int = 50,
) -> list[ReviewItem]:
    """Items to work on, most urgent first (priority, then strongest candidate)."""
    require(actor, "review.view")
    best = (
        select(ReviewCandidate.item_id, func.max(ReviewCandidate.match_probability).label("p"))
        .where(ReviewCandidate.status != "disappeared")
        .group_by(ReviewCandidate.item_id)
        .subquery()
    )
    stmt = select(ReviewItem).join(best, best.c.item_id == ReviewItem.id, isouter=True)
    if state is not None:
        stmt = stmt.where(ReviewItem.state == parse_state(state).value)
    if assigned_to is not None:
        stmt = stmt.where(ReviewItem.assigned_to == assigned_to)
    stmt = stmt.order_by(ReviewItem.priority, best.c.p.desc(), ReviewItem.person_id).limit(limit)
    return list(session.scalars(stmt))


@dataclass
class CandidateView:
    candidate: ReviewCandidate
    record: WashRecord | None
    events: list[tuple[WashEvent, EventTriage]]


@dataclass
class ItemView:
    item: ReviewItem
    person: WashPerson | None
    candidates: list[CandidateView]
    decisions: list[ReviewDecision]


def show(session: Session, actor: Actor, person_id: str) -> ItemView:
    """The person beside each candidate record, with its evidence and linked events."""
    require(actor, "review.view")
    item = _item(session, person_id)
    person = session.scalars(
        select(WashPerson).where(
            WashPerson.run_id == item.last_run_id, WashPerson.person_id == person_id
        )
    ).first()
    views = []
    for c in item.candidates:
        record = session.scalars(
            select(WashRecord).where(
                WashRecord.run_id == c.last_seen_run_id, WashRecord.record_id == c.record_id
            )
        ).first()
        evs = session.scalars(
            select(WashEvent)
            .where(WashEvent.run_id == c.last_seen_run_id, WashEvent.record_id == c.record_id)
            .order_by(WashEvent.event_date)
        )
        views.append(CandidateView(c, record, [(e, _triage(e)) for e in evs]))
    audit.record(
        session,
        actor,
        "review.viewed",
        entity_type="review_item",
        entity_id=item.id,
        person_id=person_id,
    )
    return ItemView(item, person, views, list(item.decisions))


def _pending(item: ReviewItem) -> ReviewDecision | None:
    return next((d for d in item.decisions if d.status == "pending"), None)


def decide(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    decision: str,
    reason: str,
    referral: str | None = None,
    settings: Settings,
) -> ReviewDecision:
    """Record a reviewer's decision; under dual control identity confirmations and
    referrals wait for a second person's countersignature before they take effect."""
    require(actor, "review.decide")
    if not reason.strip():
        raise InputError("a decision needs a reason")
    target = parse_state(decision)
    ref = parse_referral(referral, target)
    item = _item(session, person_id)
    if _pending(item) is not None:
        raise DualControlError(
            f"person {person_id} has a decision awaiting countersignature; countersign or "
            "reject it first"
        )
    current = State(item.state)
    check_transition(current, target)
    needs_second = settings.dual_control and target in NEEDS_COUNTERSIGN
    row = ReviewDecision(
        item_id=item.id,
        from_state=current.value,
        to_state=target.value,
        referral=ref.value if ref else None,
        reason=reason,
        decided_by=actor.username,
        status="pending" if needs_second else "effective",
    )
    # Through the relationship, so a countersignature later in the same session sees it.
    item.decisions.append(row)
    if not needs_second:
        _apply(session, actor, item, row)
    audit.record(
        session,
        actor,
        "review.decided",
        entity_type="review_item",
        entity_id=item.id,
        person_id=person_id,
        before={"state": current.value},
        after={"decision": target.value, "referral": row.referral, "status": row.status},
        reason=reason,
    )
    session.flush()
    return row


def countersign(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    reason: str,
    reject: bool = False,
) -> ReviewDecision:
    """A second reviewer confirms (or rejects) the pending decision on an item."""
    require(actor, "review.countersign")
    if not reason.strip():
        raise InputError("a countersignature needs a reason")
    item = _item(session, person_id)
    row = _pending(item)
    if row is None:
        raise InputError(f"person {person_id} has no decision awaiting countersignature")
    if row.decided_by == actor.username:
        raise DualControlError("the countersignature must come from a different person")
    row.countersigned_by = actor.username
    row.countersigned_at = utcnow()
    row.countersign_reason = reason
    if reject:
        row.status = "rejected"
    else:
        check_transition(State(item.state), State(row.to_state))
        _apply(session, actor, item, row)
    audit.record(
        session,
        actor,
        "review.countersigned",
        entity_type="review_item",
        entity_id=item.id,
        person_id=person_id,
        before={"state": row.from_state},
        after={"state": item.state, "decision": row.to_state, "status": row.status},
        reason=reason,
    )
    session.flush()
    return row


# Referrals that open a case in the misconduct register.
CASE_REFERRALS = frozenset({"criminal_investigation", "misconduct_investigation", "vetting_review"})


def _apply(session: Session, actor: Actor, item: ReviewItem, row: ReviewDecision) -> None:
    row.status = "effective"
    row.effective_at = utcnow()
    item.state = row.to_state
    item.updated_at = utcnow()
    if row.to_state == State.REFERRED.value and row.referral in CASE_REFERRALS:
        _open_case(session, actor, item, row)


def _open_case(session: Session, actor: Actor, item: ReviewItem, row: ReviewDecision) -> None:
    from datawash.cases.service import open_case_from_referral

    person = session.scalars(
        select(WashPerson).where(
            WashPerson.run_id == item.last_run_id, WashPerson.person_id == item.person_id
        )
    ).first()
    categories: set[str] = set()
    for c in item.candidates:
        if c.status == "disappeared":
            continue
        for e in session.scalars(
            select(WashEvent).where(
                WashEvent.run_id == c.last_seen_run_id, WashEvent.record_id == c.record_id
            )
        ):
            t = _triage(e)
            if t.is_integrity:
                categories |= t.categories
    open_case_from_referral(
        session,
        actor,
        person_id=item.person_id,
        role_at_time=person.role if person else "officer",
        categories=sorted(categories),
        review_item_id=item.id,
        referral=row.referral or "",
        reason=row.reason,
        on=datetime.now(UTC).date(),
    )


def assign(session: Session, actor: Actor, *, person_ids: list[str], reviewer: str) -> int:
    require(actor, "review.assign")
    from datawash.auth.service import get_actor

    target = get_actor(session, reviewer)
    require(target, "review.decide")
    for pid in person_ids:
        item = _item(session, pid)
        before = item.assigned_to
        item.assigned_to = reviewer
        audit.record(
            session,
            actor,
            "review.assigned",
            entity_type="review_item",
            entity_id=item.id,
            person_id=pid,
            before={"assigned_to": before},
            after={"assigned_to": reviewer},
        )
    return len(person_ids)


def set_deadline(session: Session, actor: Actor, *, run_id: int, due_on: date) -> ReviewDeadline:
    require(actor, "review.set_deadline")
    if session.get(WashRun, run_id) is None:
        raise NotFound("wash run", run_id)
    row = session.scalars(select(ReviewDeadline).where(ReviewDeadline.run_id == run_id)).first()
    before = {"due_on": row.due_on.isoformat()} if row else None
    if row is None:
        row = ReviewDeadline(run_id=run_id, due_on=due_on, set_by=actor.username)
        session.add(row)
    else:
        row.due_on, row.set_by, row.set_at = due_on, actor.username, utcnow()
    audit.record(
        session,
        actor,
        "review.deadline_set",
        entity_type="wash_run",
        entity_id=run_id,
        before=before,
        after={"due_on": due_on.isoformat()},
    )
    session.flush()
    return row


@dataclass
class Progress:
    run_id: int | None
    total: int
    done: int
    by_state: dict[str, int] = field(default_factory=dict)
    by_referral: dict[str, int] = field(default_factory=dict)
    awaiting_countersignature: int = 0
    due_on: date | None = None
    days_left: int | None = None
    needed_per_day: float | None = None
    achieved_per_day: float = 0.0
    forecast_done_on: date | None = None
    on_track: bool | None = None

    @property
    def remaining(self) -> int:
        return self.total - self.done

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items()}
        out["remaining"] = self.remaining
        for k in ("due_on", "forecast_done_on"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


def progress(
    session: Session, actor: Actor, *, run_id: int | None = None, as_of: date | None = None
) -> Progress:
    """Items to review, done, by state and referral, against the run's deadline."""
    require(actor, "review.progress")
    return compute_progress(session, run_id=run_id, as_of=as_of)


@dataclass
class ItemHistory:
    """One review item's states over time, for counting as at a past day: when it was
    opened, and each change (a decision taking effect, or a reopening by a later wash,
    which the audit log holds) in time order."""

    opened_at: datetime
    changes: list[tuple[datetime, str]]

    def state_before(self, end: datetime) -> str | None:
        """The state at ``end`` (None if not yet opened)."""
        if self.opened_at >= end:
            return None
        state = State.NEW.value
        for at, to_state in self.changes:
            if at >= end:
                break
            state = to_state
        return state


def review_histories(session: Session) -> dict[int, ItemHistory]:
    from datawash.audit.models import AuditEvent

    out = {
        i.id: ItemHistory(opened_at=i.opened_at, changes=[])
        for i in session.scalars(select(ReviewItem))
    }
    for d in session.scalars(
        select(ReviewDecision).where(
            ReviewDecision.status == "effective", ReviewDecision.effective_at.is_not(None)
        )
    ):
        assert d.effective_at is not None
        out[d.item_id].changes.append((d.effective_at, d.to_state))
    for e in session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "review.reopened", AuditEvent.entity_type == "review_item"
        )
    ):
        history = out.get(int(e.entity_id))
        if history is not None:
            history.changes.append((e.at, State.NEW.value))
    for history in out.values():
        history.changes.sort(key=lambda change: change[0])
    return out


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def compute_progress(
    session: Session, *, run_id: int | None = None, as_of: date | None = None
) -> Progress:
    """The figures behind progress(), for services that check their own permission (the
    wash_progress statistic): aggregates only, no person named. With ``as_of`` before
    today the figures are those at the end of that day, rebuilt from the decisions and
    the reopenings in the audit log."""
    today = as_of or datetime.now(UTC).date()
    end = end_of(today)
    if run_id is None:
        run_id = session.scalar(select(func.max(WashRun.id)))
    states = [
        state
        for history in review_histories(session).values()
        if (state := history.state_before(end)) is not None
    ]
    by_state = Counter(states)
    done_states = {s.value for s in DONE}
    done = sum(n for s, n in by_state.items() if s in done_states)
    decisions = list(session.scalars(select(ReviewDecision)))
    referrals = Counter(
        d.referral
        for d in decisions
        if d.referral is not None and d.effective_at is not None and d.effective_at < end
    )
    pending = sum(
        1
        for d in decisions
        if d.decided_at < end
        and (d.effective_at is None or d.effective_at >= end)
        and not (
            d.status == "rejected" and (d.countersigned_at is None or d.countersigned_at < end)
        )
    )
    # Achieved: items that reached a done state in the last 7 days (this one included).
    week_start = end - timedelta(days=7)
    recent = {
        d.item_id
        for d in decisions
        if d.to_state in done_states
        and d.effective_at is not None
        and week_start <= d.effective_at < end
    }
    achieved = len(recent) / 7.0
    result = Progress(
        run_id=run_id,
        total=len(states),
        done=done,
        by_state=dict(sorted(by_state.items())),
        by_referral=dict(sorted(referrals.items())),
        awaiting_countersignature=pending,
        achieved_per_day=round(achieved, 2),
    )
    deadline = (
        session.scalars(select(ReviewDeadline).where(ReviewDeadline.run_id == run_id)).first()
        if run_id is not None
        else None
    )
    remaining = result.remaining
    if remaining and achieved > 0:
        result.forecast_done_on = today + timedelta(days=int(-(-remaining // achieved)))
    elif not remaining:
        result.forecast_done_on = today
    if deadline is not None:
        result.due_on = deadline.due_on
        result.days_left = (deadline.due_on - today).days
        result.needed_per_day = (
            round(remaining / result.days_left, 2) if result.days_left > 0 else float(remaining)
        )
        result.on_track = remaining == 0 or (
            result.forecast_done_on is not None and result.forecast_done_on <= deadline.due_on
        )
    return result
