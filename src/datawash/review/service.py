"""Review services: reconcile each wash with the items; the queue; a person's evidence;
decisions with per-record identity under dual control; reopening; assignment, deadlines
and progress.

Services take a session and an actor; permissions and audit are checked and written here,
in the caller's transaction, so every adapter (CLI now, web later) is covered. They return
read models (review.read), never ORM objects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session

from datawash import audit, clock
from datawash.actor import Actor
from datawash.audit import events as ev
from datawash.db import utcnow
from datawash.errors import Conflict, DualControlError, InputError, NotFound
from datawash.permissions import require
from datawash.review.models import ReviewCandidate, ReviewDeadline, ReviewDecision, ReviewItem
from datawash.review.read import (
    HR_COLUMNS,
    CandidateRead,
    CaseLink,
    DecisionRead,
    EventRead,
    ItemRead,
    PersonRead,
    QueueFilter,
    QueuePage,
    QueueRow,
    RecordRead,
)
from datawash.review.workflow import (
    CASE_REFERRALS,
    DONE,
    IDENTITY_DECISIONS,
    State,
    check_marks,
    check_transition,
    parse_identity,
    parse_referral,
    parse_state,
)
from datawash.safeguards.service import blind_first_look, dual_control, learning_reviews
from datawash.triage import EventTriage, classify_event, person_priority
from datawash.vocabulary import Category, DecisionStatus, RecordIdentity, WorkforceRole, parse
from datawash.wash.models import WashCandidate, WashEvent, WashPerson, WashRecord, WashRun

if TYPE_CHECKING:
    from datawash.wash.service import WashSummary

PENDING, EFFECTIVE = DecisionStatus.PENDING.value, DecisionStatus.EFFECTIVE.value
REJECTED, WITHDRAWN = DecisionStatus.REJECTED.value, DecisionStatus.WITHDRAWN.value


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


def _run_or_error(session: Session, run_id: int) -> WashRun:
    run = session.get(WashRun, run_id)
    if run is None:
        raise NotFound("wash run", run_id)
    return run


def sync_from_wash(session: Session, actor: Actor, run_id: int) -> SyncSummary:
    """Bring the review items up to date with a completed wash run.

    One item per person, never duplicated. Unchanged candidates keep the item's decisions;
    a new candidate, or a record whose content changed, reopens the item (a rewash entry
    in its history; a decision awaiting countersignature is withdrawn, and a changed
    record's identity mark is cleared); a candidate the run no longer proposes is marked
    disappeared, never deleted. The review deadline carries over to the new run.
    """
    require(actor, "wash.run")
    run = _run_or_error(session, run_id)
    summary = SyncSummary()
    # The run's rows as plain tuples of the columns read here, not ORM objects: a run of a
    # million records has 12,000 people and thousands of candidates, and building objects
    # for them was most of the time this took.
    pairs: list[Any] = list(
        session.execute(
            select(WashCandidate.person_id, WashCandidate.record_id,
                   WashCandidate.match_probability, WashCandidate.band,
                   WashCandidate.explanation)
            .where(WashCandidate.run_id == run_id)
        )
    )  # fmt: skip
    fingerprints: dict[str, str] = {
        rid: fp
        for rid, fp in session.execute(
            select(WashRecord.record_id, WashRecord.fingerprint).where(WashRecord.run_id == run_id)
        )
    }
    roles: dict[str, str | None] = {
        pid: role
        for pid, role in session.execute(
            select(WashPerson.person_id, WashPerson.role).where(WashPerson.run_id == run_id)
        )
    }
    events: dict[str, list[WashEvent]] = {}
    for e in session.scalars(select(WashEvent).where(WashEvent.run_id == run_id)):
        events.setdefault(e.record_id, []).append(e)
    by_person: dict[str, list[Any]] = {}
    for p in pairs:
        by_person.setdefault(p.person_id, []).append(p)
    items = {i.person_id: i for i in session.scalars(select(ReviewItem))}
    today = clock.uk_date(run.started_at)
    # New items are flushed together (one round trip for thousands, not one each), then
    # given their candidates and their audit events.
    fresh: list[tuple[ReviewItem, list[Any]]] = []

    for person_id, cands in sorted(by_person.items()):
        triaged = [
            (_triage(e), _event_date(e.event_date))
            for c in cands
            for e in events.get(c.record_id, [])
        ]
        priority, reason = person_priority(triaged, as_of=today)
        categories = ",".join(sorted({cat for t, _ in triaged for cat in t.categories}))
        kinds = ",".join(sorted({t.role_kind for t, _ in triaged if t.role_kind != "other"}))
        item = items.get(person_id)
        if item is None:
            item = ReviewItem(
                person_id=person_id,
                state=State.NEW.value,
                priority=priority,
                priority_reason=reason,
                first_run_id=run_id,
                last_run_id=run_id,
                person_role=roles.get(person_id),
                categories=categories,
                role_kinds=kinds,
            )
            session.add(item)
            fresh.append((item, cands))
            continue
        existing = {c.record_id: c for c in item.candidates}
        # New evidence (a record never proposed for this person, or a record whose
        # content changed) reopens a decided item; a record that merely comes back as it
        # was, or goes away, changes the evidence under a pending decision but decides
        # nothing, so it withdraws that decision and reopens nothing.
        reasons: list[str] = []
        evidence_moved = False
        for c in cands:
            fp = fingerprints[c.record_id]
            old = existing.get(c.record_id)
            if old is None:
                session.add(_candidate(item.id, c, fp, run_id, "new"))
                summary.new_candidates += 1
                reasons.append(f"new candidate {c.record_id}")
            else:
                if old.fingerprint != fp:
                    reasons.append(f"candidate {c.record_id} changed")
                    old.status = "changed"
                    old.identity = RecordIdentity.UNMARKED.value
                    old.identity_reason = None
                    old.identity_decision_id = None
                    summary.changed_candidates += 1
                elif old.status == "disappeared":
                    old.status = "active"
                    evidence_moved = True
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
                evidence_moved = True
                summary.disappeared_candidates += 1
        item.last_run_id = run_id
        item.person_role = roles.get(person_id, item.person_role)
        item.categories, item.role_kinds = categories, kinds
        item.priority = min(item.priority, priority) if item.state != State.NEW.value else priority
        item.priority_reason = reason if item.priority == priority else item.priority_reason
        if reasons and (item.state != State.NEW.value or _pending(item) is not None):
            _reopen_by_wash(session, actor, item, run_id, "; ".join(reasons))
            summary.reopened += 1
        else:
            if reasons or evidence_moved:
                _evidence_changed(item)
            summary.unchanged += 1
    session.flush()
    # The new items' candidates in one statement (no object needs its id back).
    new_rows = [
        _candidate_row(item.id, c, fingerprints[c.record_id], run_id, "new")
        for item, cands in fresh
        for c in cands
    ]
    if new_rows:
        session.execute(insert(ReviewCandidate).execution_options(render_nulls=True), new_rows)
    for item, cands in fresh:
        summary.created += 1
        summary.new_candidates += len(cands)
        audit.record(
            session,
            actor,
            ev.REVIEW_OPENED,
            entity_id=item.id,
            person_id=item.person_id,
            after={"state": item.state, "run_id": run_id, "candidates": len(cands)},
        )
    # People with earlier candidates but none in this run: their candidates disappear.
    for person_id, item in items.items():
        if person_id in by_person:
            continue
        moved = False
        for old in item.candidates:
            if old.status != "disappeared":
                old.status = "disappeared"
                moved = True
                summary.disappeared_candidates += 1
        if moved:
            _evidence_changed(item)
    _carry_deadline(session, run_id)
    session.flush()
    return summary


def _evidence_changed(item: ReviewItem) -> None:
    """The item's candidate records changed: its version moves on (so a decision read
    before the wash cannot commit) and a decision awaiting countersignature, made on the
    old evidence, is withdrawn."""
    for d in item.decisions:
        if d.status == PENDING:
            d.status = WITHDRAWN
            d.countersign_reason = "withdrawn: a new wash changed the candidate records"
    item.updated_at = utcnow()


def _reopen_by_wash(
    session: Session, actor: Actor, item: ReviewItem, run_id: int, why: str
) -> None:
    before = item.state
    _evidence_changed(item)
    at = utcnow()
    item.decisions.append(
        ReviewDecision(
            item_id=item.id,
            kind="rewash",
            from_state=before,
            to_state=State.NEW.value,
            reason=why,
            decided_by=actor.username,
            decided_at=at,
            status=EFFECTIVE,
            effective_at=at,
            dual_control=False,
            marks=[],
            allegations=[],
        )
    )
    item.state = State.NEW.value
    item.reopened_count += 1
    item.updated_at = at
    session.flush()  # the rewash entry's id, for the audit event
    audit.record(
        session,
        actor,
        ev.REVIEW_REWASHED,
        entity_id=item.id,
        person_id=item.person_id,
        before={"state": before},
        after={"state": item.state, "run_id": run_id, "decision_id": item.decisions[-1].id},
        reason=why,
    )


def _carry_deadline(session: Session, run_id: int) -> None:
    """A re-wash keeps the review's deadline: the newest earlier run's is copied."""
    if session.scalars(select(ReviewDeadline).where(ReviewDeadline.run_id == run_id)).first():
        return
    earlier = session.scalars(
        select(ReviewDeadline)
        .where(ReviewDeadline.run_id < run_id)
        .order_by(ReviewDeadline.run_id.desc())
    ).first()
    if earlier is not None:
        session.add(ReviewDeadline(run_id=run_id, due_on=earlier.due_on, set_by=earlier.set_by))


def _candidate_row(item_id: int, c: Any, fp: str, run_id: int, status: str) -> dict[str, Any]:
    """A review candidate's columns from a run's candidate pair ``c``."""
    return {
        "item_id": item_id,
        "record_id": c.record_id,
        "status": status,
        "first_seen_run_id": run_id,
        "last_seen_run_id": run_id,
        "fingerprint": fp,
        "match_probability": c.match_probability,
        "band": c.band,
        "explanation": c.explanation,
        "identity": RecordIdentity.UNMARKED.value,
        "identity_reason": None,
        "identity_decision_id": None,
    }


def _candidate(item_id: int, c: Any, fp: str, run_id: int, status: str) -> ReviewCandidate:
    return ReviewCandidate(**_candidate_row(item_id, c, fp, run_id, status))


def _item(session: Session, person_id: str) -> ReviewItem:
    item = session.scalars(select(ReviewItem).where(ReviewItem.person_id == person_id)).first()
    if item is None:
        raise NotFound("review item for person", person_id)
    return item


def _pending(item: ReviewItem) -> ReviewDecision | None:
    return next((d for d in item.decisions if d.status == PENDING), None)


def _decision_read(d: ReviewDecision) -> DecisionRead:
    return DecisionRead(
        id=d.id,
        kind=d.kind,
        from_state=d.from_state,
        to_state=d.to_state,
        referral=d.referral,
        reason=d.reason,
        decided_by=d.decided_by,
        decided_at=d.decided_at,
        status=d.status,
        countersigned_by=d.countersigned_by,
        countersigned_at=d.countersigned_at,
        countersign_reason=d.countersign_reason,
        dual_control=d.dual_control,
        marks=list(d.marks or []),
        allegations=list(d.allegations or []),
    )


# ---------------------------------------------------------------------------- the queue


def _due_dates(session: Session) -> dict[int, date]:
    return {d.run_id: d.due_on for d in session.scalars(select(ReviewDeadline))}


def queue(session: Session, actor: Actor, filters: QueueFilter | None = None) -> QueuePage:
    """Items to work on, filtered, searched, sorted and paged, with counts. By default the
    most urgent first (priority, then strongest candidate) and decided items left out."""
    require(actor, "review.view")
    f = filters or QueueFilter()
    if f.page < 1 or not 1 <= f.per_page <= 1000:
        raise InputError("page starts at 1 and a page holds 1 to 1,000 items")
    best = (
        select(
            ReviewCandidate.item_id,
            func.max(ReviewCandidate.match_probability).label("p"),
            func.count().label("n"),
        )
        .where(ReviewCandidate.status != "disappeared")
        .group_by(ReviewCandidate.item_id)
        .subquery()
    )
    pending = (
        select(ReviewDecision.item_id, ReviewDecision.decided_by)
        .where(ReviewDecision.status == PENDING)
        .subquery()
    )
    person = select(
        WashPerson.run_id, WashPerson.person_id, WashPerson.forenames, WashPerson.surname
    ).subquery()
    stmt = (
        select(ReviewItem.id)
        .join(best, best.c.item_id == ReviewItem.id, isouter=True)
        .join(pending, pending.c.item_id == ReviewItem.id, isouter=True)
        .join(
            person,
            and_(
                person.c.run_id == ReviewItem.last_run_id,
                person.c.person_id == ReviewItem.person_id,
            ),
            isouter=True,
        )
    )
    conds: list[Any] = []
    if f.states:
        conds.append(ReviewItem.state.in_([parse_state(s).value for s in f.states]))
    elif not f.include_done and not (f.awaiting_countersignature or f.awaiting_my_countersignature):
        conds.append(
            or_(ReviewItem.state.not_in([s.value for s in DONE]), pending.c.item_id.is_not(None))
        )
    if f.awaiting_countersignature:
        conds.append(pending.c.item_id.is_not(None))
    if f.awaiting_my_countersignature:
        require(actor, "review.countersign")
        conds.append(and_(pending.c.item_id.is_not(None), pending.c.decided_by != actor.username))
    if f.returned_to_me:
        last = (
            select(ReviewDecision.item_id, func.max(ReviewDecision.id).label("last_id"))
            .where(ReviewDecision.kind != "rewash")
            .group_by(ReviewDecision.item_id)
            .subquery()
        )
        rejected_mine = (
            select(ReviewDecision.item_id)
            .join(last, last.c.last_id == ReviewDecision.id)
            .where(ReviewDecision.status == REJECTED, ReviewDecision.decided_by == actor.username)
        )
        conds.append(ReviewItem.id.in_(rejected_mine))
    if f.assigned_to is not None:
        conds.append(ReviewItem.assigned_to == f.assigned_to)
    if f.unassigned:
        conds.append(ReviewItem.assigned_to.is_(None))
    if f.max_priority is not None:
        conds.append(ReviewItem.priority <= f.max_priority)
    if f.category is not None:
        conds.append(
            ("," + ReviewItem.categories + ",").contains(f",{Category(f.category).value},")
        )
    if f.role is not None:
        conds.append(ReviewItem.person_role == WorkforceRole(f.role).value)
    if f.run_id is not None:
        _run_or_error(session, f.run_id)
        conds.append(ReviewItem.last_run_id == f.run_id)
    if f.due_on_or_before is not None:
        runs = select(ReviewDeadline.run_id).where(ReviewDeadline.due_on <= f.due_on_or_before)
        conds.append(ReviewItem.last_run_id.in_(runs))
    if f.search and f.search.strip():
        term = f.search.strip().lower()
        like = f"%{_escape_like(term)}%"
        full = func.lower(person.c.forenames + " " + person.c.surname)
        conds.append(
            or_(
                func.lower(ReviewItem.person_id) == term,
                full.like(like, escape="\\"),
                func.lower(person.c.surname).like(like, escape="\\"),
            )
        )
    for c in conds:
        stmt = stmt.where(c)
    order: dict[str, list[Any]] = {
        "priority": [ReviewItem.priority, best.c.p.desc(), ReviewItem.person_id],
        "probability": [best.c.p.desc(), ReviewItem.priority, ReviewItem.person_id],
        "person": [ReviewItem.person_id],
        "updated": [ReviewItem.updated_at.desc(), ReviewItem.person_id],
        "name": [person.c.surname, person.c.forenames, ReviewItem.person_id],
    }
    if f.sort not in order:
        raise InputError(f"unknown sort {f.sort!r}; one of: {', '.join(order)}")
    learning = f.sort == "priority" and _learning_first(session)
    if learning:
        # The least certain first: their marks change the model most (review/learning.py).
        order["priority"] = [best.c.p, ReviewItem.priority, ReviewItem.person_id]
    # Counted and paged in the database (no list of ids in Python: a national queue can
    # hold more items than a query may carry parameters).
    matching = stmt.subquery()
    total = session.scalar(select(func.count()).select_from(matching)) or 0
    page_ids = list(
        session.scalars(
            stmt.order_by(*order[f.sort]).limit(f.per_page).offset((f.page - 1) * f.per_page)
        )
    )
    in_matching = ReviewItem.id.in_(select(matching.c.id))
    by_state = dict(
        session.execute(
            select(ReviewItem.state, func.count()).where(in_matching).group_by(ReviewItem.state)
        ).all()
    )
    awaiting = session.scalar(
        select(func.count())
        .select_from(ReviewDecision)
        .where(ReviewDecision.status == PENDING, ReviewDecision.item_id.in_(select(matching.c.id)))
    )
    return QueuePage(
        rows=_queue_rows(session, page_ids),
        total=total,
        page=f.page,
        per_page=f.per_page,
        pages=max(1, -(-total // f.per_page)),
        by_state=dict(sorted((str(k), int(v)) for k, v in by_state.items())),
        awaiting_countersignature=awaiting or 0,
        learning_order=learning,
    )


def _learning_first(session: Session) -> bool:
    """Whether fewer people have been decided than the safeguard learning_reviews asks."""
    wanted = learning_reviews(session)
    if wanted <= 0:
        return False
    decided = session.scalar(
        select(func.count()).select_from(ReviewItem).where(ReviewItem.state != State.NEW.value)
    )
    return int(decided or 0) < wanted


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _queue_rows(session: Session, ids: list[int]) -> list[QueueRow]:
    if not ids:
        return []
    items = {i.id: i for i in session.scalars(select(ReviewItem).where(ReviewItem.id.in_(ids)))}
    due = _due_dates(session)
    names = {
        (p.run_id, p.person_id): p
        for p in session.scalars(
            select(WashPerson).where(
                WashPerson.person_id.in_([i.person_id for i in items.values()])
            )
        )
    }
    rows = []
    for item_id in ids:
        i = items[item_id]
        live = [c for c in i.candidates if c.status != "disappeared"]
        decisions = [d for d in i.decisions if d.kind != "rewash"]
        pend = _pending(i)
        last = decisions[-1] if decisions else None
        p = names.get((i.last_run_id, i.person_id))
        rows.append(
            QueueRow(
                person_id=i.person_id,
                name=f"{p.forenames} {p.surname}" if p else "",
                role=i.person_role,
                state=i.state,
                priority=i.priority,
                priority_reason=i.priority_reason,
                candidates=len(live),
                best_probability=max((c.match_probability for c in live), default=0.0),
                assigned_to=i.assigned_to,
                categories=[c for c in i.categories.split(",") if c],
                last_run_id=i.last_run_id,
                due_on=due.get(i.last_run_id),
                pending_decision=pend.to_state if pend else None,
                pending_by=pend.decided_by if pend else None,
                pending_at=pend.decided_at if pend else None,
                pending_reason=pend.reason if pend else None,
                rejected_reason=last.countersign_reason
                if last and last.status == REJECTED
                else None,
                rejected_by=last.countersigned_by if last and last.status == REJECTED else None,
                without_second_person=any(
                    d.status == EFFECTIVE and not d.dual_control for d in decisions
                ),
                updated_at=i.updated_at,
            )
        )
    return rows


def export_queue(session: Session, actor: Actor, filters: QueueFilter) -> list[QueueRow]:
    """Every row the filters select (all pages), for a CSV; the export is audited, since
    it carries names out of the system."""
    require(actor, "review.export")
    first = queue(session, actor, filters.model_copy(update={"page": 1, "per_page": 1000}))
    rows = list(first.rows)
    for page in range(2, first.pages + 1):
        rows += queue(
            session, actor, filters.model_copy(update={"page": page, "per_page": 1000})
        ).rows
    audit.record(
        session,
        actor,
        ev.REVIEW_EXPORTED,
        entity_id="queue",
        after={"rows": len(rows), "filters": filters.model_dump(mode="json", exclude_none=True)},
    )
    return rows


# ---------------------------------------------------------------------------- one person


def show(session: Session, actor: Actor, person_id: str) -> ItemRead:
    """The person beside each candidate record, with its evidence, events, history and
    cases. Every view is logged (who, when, which person)."""
    require(actor, "review.view")
    item = _item(session, person_id)
    audit.record(session, actor, ev.REVIEW_VIEWED, entity_id=item.id, person_id=person_id)
    read = _item_read(session, item)
    undecided = item.state == State.NEW.value and _pending(item) is None
    if undecided and blind_first_look(session):
        # The reviewer's own first look: no score, band or per-field weights until an
        # identity decision has been made (its marks are what the model learns from).
        read.blind = True
        for c in read.candidates:
            c.match_probability, c.band, c.explanation = 0.0, "hidden", []
    return read


def _item_read(session: Session, item: ReviewItem) -> ItemRead:
    from datawash.cases.service import cases_of_person

    person = session.scalars(
        select(WashPerson).where(
            WashPerson.run_id == item.last_run_id, WashPerson.person_id == item.person_id
        )
    ).first()
    candidates = []
    options: list[EventRead] = []
    for c in item.candidates:
        record = session.scalars(
            select(WashRecord).where(
                WashRecord.run_id == c.last_seen_run_id, WashRecord.record_id == c.record_id
            )
        ).first()
        evs = [_event_read(e) for e in _events_of(session, c)]
        if c.status != "disappeared" and c.identity == RecordIdentity.THIS_PERSON.value:
            options += evs
        candidates.append(
            CandidateRead(
                record_id=c.record_id,
                status=c.status,
                band=c.band,
                match_probability=c.match_probability,
                explanation=list(c.explanation or []),
                identity=c.identity,
                identity_reason=c.identity_reason,
                record=_record_read(record) if record else None,
                events=evs,
            )
        )
    decisions = [_decision_read(d) for d in item.decisions]
    pend = _pending(item)
    people_decisions = [d for d in decisions if d.kind != "rewash"]
    last = people_decisions[-1] if people_decisions else None
    deadline = session.scalars(
        select(ReviewDeadline).where(ReviewDeadline.run_id == item.last_run_id)
    ).first()
    return ItemRead(
        person_id=item.person_id,
        state=item.state,
        version=item.version,
        priority=item.priority,
        priority_reason=item.priority_reason,
        assigned_to=item.assigned_to,
        opened_at=item.opened_at,
        updated_at=item.updated_at,
        last_run_id=item.last_run_id,
        reopened_count=item.reopened_count,
        person=_person_read(person) if person else None,
        candidates=candidates,
        decisions=decisions,
        pending=_decision_read(pend) if pend else None,
        last_rejection=last if last and last.status == REJECTED else None,
        cases=[CaseLink(**c) for c in cases_of_person(session, item.person_id)],
        referral_options=options,
        due_on=deadline.due_on if deadline else None,
    )


def _events_of(session: Session, c: ReviewCandidate) -> list[WashEvent]:
    return list(
        session.scalars(
            select(WashEvent)
            .where(WashEvent.run_id == c.last_seen_run_id, WashEvent.record_id == c.record_id)
            .order_by(WashEvent.event_date, WashEvent.event_id)
        )
    )


def _event_read(e: WashEvent) -> EventRead:
    t = _triage(e)
    return EventRead(
        event_id=e.event_id,
        record_id=e.record_id,
        event_date=e.event_date,
        event_type=e.event_type,
        role=e.role,
        offence_code=e.offence_code,
        offence_description=e.offence_description,
        categories=sorted(t.categories),
        role_kind=t.role_kind,
        triage_basis=t.basis,
    )


def _record_read(r: WashRecord) -> RecordRead:
    return RecordRead(
        record_id=r.record_id,
        forenames=r.forenames,
        surname=r.surname,
        aliases=r.aliases,
        date_of_birth=r.date_of_birth,
        gender=r.gender,
        address=r.address,
        postcode=r.postcode,
        extra=dict(r.extra or {}),
    )


def _person_read(p: WashPerson) -> PersonRead:
    extra = {str(k).lower(): v for k, v in (p.extra or {}).items()}
    return PersonRead(
        person_id=p.person_id,
        role=p.role,
        forenames=p.forenames,
        surname=p.surname,
        previous_surnames=p.previous_surnames,
        date_of_birth=p.date_of_birth,
        gender=p.gender,
        address=p.address,
        postcode=p.postcode,
        hr={k: str(extra[k]) for k in HR_COLUMNS if extra.get(k) not in (None, "")},
    )


# ---------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class RecordMark:
    record_id: str
    identity: RecordIdentity
    reason: str | None = None


@dataclass(frozen=True)
class AllegationChoice:
    """An event of a confirmed record the referrer turns into an allegation; category and
    role default to the event's triage and the person's workforce role."""

    event_id: str
    category: str | None = None
    role_at_time: str | None = None


def parse_mark(text: str) -> RecordMark:
    """``R1=this_person`` or ``R1=not_this_person: date of birth 1958, ours 1985``."""
    record_id, sep, rest = text.partition("=")
    if not sep or not record_id.strip():
        raise InputError(
            "a record mark is RECORD_ID=MARK, optionally followed by ': reason'", field="records"
        )
    mark, _, reason = rest.partition(":")
    return RecordMark(record_id.strip(), parse_identity(mark), reason.strip() or None)


def parse_allegation(text: str) -> AllegationChoice:
    """``E123`` or ``E123=sexual`` or ``E123=sexual/staff``."""
    event_id, _, rest = text.partition("=")
    category, _, role = rest.partition("/")
    if not event_id.strip():
        raise InputError(
            "an allegation is EVENT_ID, EVENT_ID=category or EVENT_ID=category/role",
            field="allegations",
        )
    return AllegationChoice(event_id.strip(), category.strip() or None, role.strip() or None)


def decide(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    decision: str,
    reason: str,
    referral: str | None = None,
    marks: list[RecordMark] | None = None,
    allegations: list[AllegationChoice] | None = None,
    expected_version: int | None = None,
) -> DecisionRead:
    """Record a reviewer's decision. An identity decision carries a mark for each live
    candidate record and must agree with them; a referral names which events of the
    records marked this person become allegations. Under dual control (the safeguard) it
    waits for a different person's countersignature; with dual control off it takes
    effect at once and is marked as made without a second person."""
    require(actor, "review.decide")
    _need_reason(reason, "a decision")
    target = parse_state(decision)
    if target is State.NEW:
        raise InputError(
            "to send a decided item back to new, a supervisor reopens it", field="decision"
        )
    ref = parse_referral(referral, target)
    item = _locked_item(session, person_id, expected_version)
    current = State(item.state)
    require(actor, check_transition(current, target))
    live = {c.record_id: c for c in item.candidates if c.status != "disappeared"}
    mark_rows = _check_marks(target, live, marks or [])
    chosen = _check_allegations(session, item, live, target, ref, allegations or [])
    return _record_decision(
        session,
        actor,
        item,
        kind="decision",
        target=target,
        reason=reason,
        referral=ref.value if ref else None,
        marks=mark_rows,
        allegations=chosen,
    )


def reopen(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    reason: str,
    expected_version: int | None = None,
) -> DecisionRead:
    """A supervisor sends a decided item back to new, with a reason; countersigned like
    any decision."""
    require(actor, "review.reopen")
    _need_reason(reason, "reopening")
    item = _locked_item(session, person_id, expected_version)
    require(actor, check_transition(State(item.state), State.NEW))
    return _record_decision(
        session,
        actor,
        item,
        kind="reopen",
        target=State.NEW,
        reason=reason,
        referral=None,
        marks=[],
        allegations=[],
    )


def _need_reason(reason: str, what: str) -> None:
    if not reason or not reason.strip():
        raise InputError(f"{what} needs a reason", field="reason")
    if "\x00" in reason:
        raise InputError("a reason cannot hold a NUL character", field="reason")


def _locked_item(session: Session, person_id: str, expected_version: int | None) -> ReviewItem:
    item = _item(session, person_id)
    if expected_version is not None and item.version != expected_version:
        raise Conflict("this person's review")
    if _pending(item) is not None:
        raise DualControlError(
            f"person {person_id} has a decision awaiting countersignature; countersign or "
            "reject it first"
        )
    return item


def _check_marks(
    target: State, live: dict[str, ReviewCandidate], marks: list[RecordMark]
) -> list[dict[str, Any]]:
    given: dict[str, RecordMark] = {}
    for m in marks:
        if m.record_id not in live:
            raise InputError(
                f"{m.record_id} is not a live candidate record of this person", field="records"
            )
        if m.record_id in given:
            raise InputError(f"{m.record_id} is marked twice", field="records")
        given[m.record_id] = m
    if target not in IDENTITY_DECISIONS:
        if given:
            raise InputError(
                "records are marked with an identity decision (identity_confirmed, "
                "not_the_person, needs_information), not with " + target.value,
                field="records",
            )
        return []
    combined = {
        rid: given[rid].identity if rid in given else RecordIdentity(c.identity)
        for rid, c in live.items()
    }
    check_marks(target, combined)
    return [
        {"record_id": m.record_id, "identity": m.identity.value, "reason": m.reason}
        for m in given.values()
    ]


def _check_allegations(
    session: Session,
    item: ReviewItem,
    live: dict[str, ReviewCandidate],
    target: State,
    referral: Any,
    choices: list[AllegationChoice],
) -> list[dict[str, Any]]:
    if target is not State.REFERRED or referral not in CASE_REFERRALS:
        if choices:
            raise InputError(
                "allegations are chosen only with a referral that opens a case "
                "(criminal_investigation, misconduct_investigation, vetting_review)",
                field="allegations",
            )
        return []
    if not choices:
        raise InputError(
            "choose the events that become allegations (EVENT_ID[=category[/role]]); only "
            "events of records marked this_person can",
            field="allegations",
        )
    confirmed = {
        e.event_id: e
        for c in live.values()
        if c.identity == RecordIdentity.THIS_PERSON.value
        for e in _events_of(session, c)
    }
    default_role = item.person_role or WorkforceRole.OFFICER.value
    out = []
    seen: set[str] = set()
    for choice in choices:
        event = confirmed.get(choice.event_id)
        if event is None:
            raise InputError(
                f"event {choice.event_id} is not an event of a record marked this_person",
                field="allegations",
            )
        if choice.event_id in seen:
            raise InputError(f"event {choice.event_id} is chosen twice", field="allegations")
        seen.add(choice.event_id)
        triaged = sorted(_triage(event).categories) or [Category.OTHER.value]
        category = parse(
            Category, choice.category or triaged[0], what="category", field="allegations"
        )
        role = parse(
            WorkforceRole, choice.role_at_time or default_role, what="role", field="allegations"
        )
        out.append(
            {
                "event_id": event.event_id,
                "record_id": event.record_id,
                "category": category.value,
                "role_at_time": role.value,
            }
        )
    return out


def _record_decision(
    session: Session,
    actor: Actor,
    item: ReviewItem,
    *,
    kind: str,
    target: State,
    reason: str,
    referral: str | None,
    marks: list[dict[str, Any]],
    allegations: list[dict[str, Any]],
) -> DecisionRead:
    second = dual_control(session)
    row = ReviewDecision(
        item_id=item.id,
        kind=kind,
        from_state=item.state,
        to_state=target.value,
        referral=referral,
        reason=reason,
        decided_by=actor.username,
        decided_at=utcnow(),
        status=PENDING if second else EFFECTIVE,
        dual_control=second,
        marks=marks,
        allegations=allegations,
    )
    # Through the relationship, so a countersignature later in the same session sees it.
    item.decisions.append(row)
    item.updated_at = utcnow()  # bumps the item's version: a concurrent change fails
    session.flush()
    if not second:
        _apply(session, actor, item, row)
    audit.record(
        session,
        actor,
        ev.REVIEW_REOPEN_ASKED if kind == "reopen" else ev.REVIEW_DECIDED,
        entity_id=item.id,
        person_id=item.person_id,
        before={"state": row.from_state},
        after={
            "decision_id": row.id,
            "decision": target.value,
            "referral": referral,
            "status": row.status,
            "dual_control": second,
            "marks": marks,
            "allegations": allegations,
        },
        reason=reason,
    )
    session.flush()
    return _decision_read(row)


def countersign(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    reason: str,
    reject: bool = False,
    expected_version: int | None = None,
) -> DecisionRead:
    """A different person confirms the pending decision (it takes effect) or rejects it
    (the reason goes back to the decider)."""
    require(actor, "review.countersign")
    _need_reason(reason, "a countersignature" if not reject else "a rejection")
    item = _item(session, person_id)
    if expected_version is not None and item.version != expected_version:
        raise Conflict("this person's review")
    row = _pending(item)
    if row is None:
        raise InputError(
            f"person {person_id} has no decision awaiting countersignature", field="person_id"
        )
    if row.decided_by == actor.username:
        raise DualControlError("the countersignature must come from a different person")
    if not reject:
        # The countersigner needs the right the change itself needs (a reopening: a
        # supervisor's), and the decision must still fit the evidence and the decider.
        require(actor, check_transition(State(item.state), State(row.to_state)))
        _still_valid(session, item, row)
    row.countersigned_by = actor.username
    row.countersigned_at = utcnow()
    row.countersign_reason = reason
    item.updated_at = utcnow()
    if reject:
        row.status = REJECTED
    else:
        _apply(session, actor, item, row)
    audit.record(
        session,
        actor,
        ev.REVIEW_REJECTED if reject else ev.REVIEW_COUNTERSIGNED,
        entity_id=item.id,
        person_id=person_id,
        before={"state": row.from_state, "decided_by": row.decided_by},
        after={
            "decision_id": row.id,
            "state": item.state,
            "decision": row.to_state,
            "status": row.status,
        },
        reason=reason,
    )
    session.flush()
    return _decision_read(row)


def _still_valid(session: Session, item: ReviewItem, row: ReviewDecision) -> None:
    from datawash.auth.models import User

    decider = session.get(User, row.decided_by)
    if decider is None or not decider.active:
        raise DualControlError("the decision was made by a user who can no longer act; reject it")
    live = {c.record_id: c for c in item.candidates if c.status != "disappeared"}
    target = State(row.to_state)
    stale = InputError(
        "the candidate records changed since this decision was made; reject it and decide again",
        field="person_id",
    )
    if target in IDENTITY_DECISIONS:
        marks = {m["record_id"]: RecordIdentity(m["identity"]) for m in row.marks or []}
        if not set(marks) <= set(live):
            raise stale
        combined = {rid: marks.get(rid, RecordIdentity(c.identity)) for rid, c in live.items()}
        try:
            check_marks(target, combined)
        except InputError:
            raise stale from None
    for chosen in row.allegations or []:
        c = live.get(chosen["record_id"])
        if c is None or c.identity != RecordIdentity.THIS_PERSON.value:
            raise stale


def _apply(session: Session, actor: Actor, item: ReviewItem, row: ReviewDecision) -> None:
    row.status = EFFECTIVE
    row.effective_at = utcnow()
    item.state = row.to_state
    item.updated_at = utcnow()
    by_record = {c.record_id: c for c in item.candidates}
    for mark in row.marks or []:
        c = by_record[mark["record_id"]]
        c.identity = mark["identity"]
        c.identity_reason = mark.get("reason") or row.reason
        c.identity_decision_id = row.id
    if row.to_state == State.REFERRED.value and row.allegations:
        _open_case(session, actor, item, row)


def _open_case(session: Session, actor: Actor, item: ReviewItem, row: ReviewDecision) -> None:
    from datawash.cases.service import open_case_from_referral

    open_case_from_referral(
        session,
        actor,
        person_id=item.person_id,
        role_at_time=row.allegations[0]["role_at_time"],
        allegations=[(a["category"], a["role_at_time"]) for a in row.allegations],
        review_item_id=item.id,
        referral=row.referral or "",
        reason=row.reason,
        on=clock.today(),
    )


def assign(session: Session, actor: Actor, *, person_ids: list[str], reviewer: str) -> int:
    require(actor, "review.assign")
    from datawash.auth.models import User

    user = session.get(User, reviewer)
    if user is None or not user.active:
        raise NotFound("active user", reviewer)
    if user.role not in ("reviewer", "supervisor"):
        raise InputError(f"{reviewer} is not a reviewer or supervisor")
    for pid in person_ids:
        item = _item(session, pid)
        before = item.assigned_to
        item.assigned_to = reviewer
        item.updated_at = utcnow()
        audit.record(
            session,
            actor,
            ev.REVIEW_ASSIGNED,
            entity_id=item.id,
            person_id=pid,
            before={"assigned_to": before},
            after={"assigned_to": reviewer},
        )
    session.flush()
    return len(person_ids)


def set_deadline(session: Session, actor: Actor, *, run_id: int, due_on: date) -> date:
    require(actor, "review.set_deadline")
    _run_or_error(session, run_id)
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
        ev.REVIEW_DEADLINE_SET,
        entity_id=run_id,
        before=before,
        after={"due_on": due_on.isoformat()},
    )
    session.flush()
    return row.due_on


# ---------------------------------------------------------------------------- progress


@dataclass
class Progress:
    run_id: int | None
    total: int
    done: int
    by_state: dict[str, int] = field(default_factory=dict)
    by_referral: dict[str, int] = field(default_factory=dict)
    awaiting_countersignature: int = 0
    # Decisions that took effect with nobody countersigning (dual control off).
    without_second_person: int = 0
    dual_control: bool = True
    due_on: date | None = None
    days_left: int | None = None
    needed_per_day: float | None = None
    achieved_per_day: float = 0.0
    pace_days: int = 7  # the days the achieved pace is measured over
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
    opened, and each change that took effect (decisions, reopenings by a supervisor or by
    a later wash), in time order, all read from the decisions table."""

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
    out = {
        i.id: ItemHistory(opened_at=i.opened_at, changes=[])
        for i in session.scalars(select(ReviewItem))
    }
    for d in session.scalars(
        select(ReviewDecision).where(
            ReviewDecision.status == EFFECTIVE, ReviewDecision.effective_at.is_not(None)
        )
    ):
        assert d.effective_at is not None
        out[d.item_id].changes.append((d.effective_at, d.to_state))
    for history in out.values():
        history.changes.sort(key=lambda change: change[0])
    return out


def end_of(day: date) -> datetime:
    """The instant a UK calendar day ends (midnight Europe/London), in UTC."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=clock.UK)


def compute_progress(
    session: Session, *, run_id: int | None = None, as_of: date | None = None
) -> Progress:
    """The figures behind progress(), for services that check their own permission (the
    wash_progress statistic): aggregates only, no person named. With ``as_of`` before
    today the figures are those at the end of that day, rebuilt from the decisions."""
    today = as_of or clock.today()
    end = end_of(today)
    if run_id is None:
        run_id = session.scalar(select(func.max(WashRun.id)))
    else:
        _run_or_error(session, run_id)
    histories = review_histories(session)
    states = [
        state for history in histories.values() if (state := history.state_before(end)) is not None
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
            d.status in (REJECTED, WITHDRAWN)
            and (d.countersigned_at is None or d.countersigned_at < end)
        )
    )
    single = sum(
        1
        for d in decisions
        if d.kind != "rewash"
        and not d.dual_control
        and d.effective_at is not None
        and d.effective_at < end
    )
    # Achieved pace: items that reached a done state over the last 7 days, or over the days
    # the review has actually run if that is fewer (day one counts as one day).
    opened = [h.opened_at for h in histories.values() if h.opened_at < end]
    started = clock.uk_date(min(opened)) if opened else today
    pace_days = max(1, min(7, (today - started).days + 1))
    window_start = end - timedelta(days=pace_days)
    recent = {
        d.item_id
        for d in decisions
        if d.to_state in done_states
        and d.effective_at is not None
        and window_start <= d.effective_at < end
    }
    achieved = len(recent) / pace_days
    result = Progress(
        run_id=run_id,
        total=len(states),
        done=done,
        by_state=dict(sorted(by_state.items())),
        by_referral=dict(sorted(referrals.items())),
        awaiting_countersignature=pending,
        without_second_person=single,
        dual_control=dual_control(session),
        achieved_per_day=round(achieved, 2),
        pace_days=pace_days,
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


def wash(**options: Any) -> WashSummary:
    """Run a wash (the options of ``wash.service.run_wash``) and open or update the review
    items in the same transaction: what a supervisor starts from the CLI or the web."""
    from datawash.review import learning
    from datawash.wash.service import run_wash  # DuckDB and Splink: loaded only to wash

    def open_reviews(session: Session, actor: Actor, run_id: int) -> SyncSummary:
        synced = sync_from_wash(session, actor, run_id)
        # The reviewers' marks so far (this and earlier runs) correct the new run's model;
        # without any, the run's own probabilities give the first operating point.
        if learning.labelled_pairs(session):
            learning.rescore(session, actor, options["settings"], run_id=run_id)
        else:
            learning.estimate_after_wash(session, options["settings"], run_id=run_id)
        return synced

    return run_wash(**options, open_reviews=open_reviews)


# ---------------------------------------------------------------------------- the team


@dataclass
class ReviewerLoad:
    username: str
    role: str
    decided: int  # decisions made in the window
    countersigned: int  # countersignatures and rejections given in the window
    assigned_open: int  # items assigned to them and not yet done


def team_throughput(session: Session, actor: Actor, *, days: int = 7) -> list[ReviewerLoad]:
    """Each reviewer's and supervisor's work over the last ``days`` days, for the
    supervisor's dashboard."""
    from datawash.auth.models import User

    require(actor, "review.assign")
    since = clock.now() - timedelta(days=days)
    people = session.scalars(
        select(User).where(User.role.in_(["reviewer", "supervisor"]), User.active.is_(True))
    ).all()
    decided = Counter(
        session.scalars(
            select(ReviewDecision.decided_by).where(
                ReviewDecision.decided_at >= since, ReviewDecision.kind != "rewash"
            )
        )
    )
    signed = Counter(
        session.scalars(
            select(ReviewDecision.countersigned_by).where(
                ReviewDecision.countersigned_at >= since,
                ReviewDecision.countersigned_by.is_not(None),
            )
        )
    )
    open_states = [s.value for s in State if s not in DONE]
    assigned = Counter(
        session.scalars(
            select(ReviewItem.assigned_to).where(
                ReviewItem.assigned_to.is_not(None), ReviewItem.state.in_(open_states)
            )
        )
    )
    return [
        ReviewerLoad(
            u.username, u.role, decided[u.username], signed[u.username], assigned[u.username]
        )
        for u in sorted(people, key=lambda u: u.username)
    ]


def assign_evenly(
    session: Session, actor: Actor, *, reviewers: list[str], filters: QueueFilter | None = None
) -> dict[str, int]:
    """Share the unassigned open items the filters select among ``reviewers``, most urgent
    first, so that each ends with as even a load of open items as can be."""
    require(actor, "review.assign")
    if not reviewers:
        raise InputError("choose at least one reviewer", field="reviewers")
    f = (filters or QueueFilter()).model_copy(update={"unassigned": True, "per_page": 1000})
    rows = export_queue(session, actor, f)
    load = {r.username: r.assigned_open for r in team_throughput(session, actor)}
    missing = [r for r in reviewers if r not in load]
    if missing:
        raise InputError(f"not an active reviewer: {', '.join(missing)}", field="reviewers")
    given: dict[str, list[str]] = {r: [] for r in reviewers}
    for row in rows:
        least = min(reviewers, key=lambda r: (load[r] + len(given[r]), r))
        given[least].append(row.person_id)
    for reviewer, person_ids in given.items():
        if person_ids:
            assign(session, actor, person_ids=person_ids, reviewer=reviewer)
    return {r: len(p) for r, p in given.items()}


def next_person(session: Session, actor: Actor, *, after: str) -> str | None:
    """The next person to look at after ``after``: the one after it on the first page of
    the default queue, or that page's first other person (the person just decided has
    usually left the page). One page, not the whole queue: this runs on every person page."""
    require(actor, "review.view")
    ids = [r.person_id for r in queue(session, actor, QueueFilter(per_page=25)).rows]
    if after in ids:
        i = ids.index(after)
        return ids[i + 1] if i + 1 < len(ids) else None
    return next((pid for pid in ids if pid != after), None)
