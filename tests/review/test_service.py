"""Review services on SQLite and PostgreSQL: re-wash, dual control, permissions, progress."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from datawash.audit.models import AuditEvent
from datawash.auth.service import Actor, Role
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import DualControlError, ForbiddenTransition, NotFound, PermissionDenied
from datawash.review import service as review
from datawash.review.models import ReviewCandidate, ReviewItem
from datawash.wash.models import WashCandidate, WashEvent, WashPerson, WashRecord, WashRun

SUP = Actor("sam", Role.SUPERVISOR)
REV1 = Actor("riley", Role.REVIEWER)
REV2 = Actor("robin", Role.REVIEWER)
FOI = Actor("fran", Role.FOI_OFFICER)


def _run(session: Session, pairs: dict[tuple[str, str], str]) -> int:
    """A completed wash run with candidate (person, record) -> record fingerprint."""
    run = WashRun(status="completed")
    session.add(run)
    session.flush()
    for pid in sorted({p for p, _ in pairs}):
        session.add(
            WashPerson(run_id=run.id, person_id=pid, role="officer", forenames="A", surname="B")
        )
    for (pid, rid), fp in pairs.items():
        session.add(WashRecord(run_id=run.id, record_id=rid, fingerprint=fp, surname="B"))
        session.add(
            WashEvent(
                run_id=run.id,
                event_id=f"E-{rid}",
                record_id=rid,
                event_type="crime",
                role="suspect",
                offence_code="19C",
                event_date=(date.today() - timedelta(days=400)).isoformat(),
            )
        )
        session.add(
            WashCandidate(
                run_id=run.id,
                person_id=pid,
                record_id=rid,
                match_probability=0.97,
                match_weight=12.0,
                band="review",
                explanation=[{"field": "surname", "level": "same", "weight": 7.0}],
            )
        )
    session.flush()
    review.sync_from_wash(session, SUP, run.id)
    return run.id


def test_rewash_keeps_decisions_and_never_duplicates(settings: Settings) -> None:
    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a", ("P2", "R2"): "b", ("P3", "R3"): "c"})
    with session_scope(settings) as s:
        review.decide(
            s, REV1, person_id="P1", decision="not_the_person", reason="namesake", settings=settings
        )
        review.decide(
            s, REV1, person_id="P2", decision="not_the_person", reason="relative", settings=settings
        )
        review.decide(
            s, REV1, person_id="P3", decision="not_the_person", reason="namesake", settings=settings
        )
    with session_scope(settings) as s:
        # R1 unchanged, R2's content changed, P3's R3 gone, P3 gets a new R4.
        _run(s, {("P1", "R1"): "a", ("P2", "R2"): "b-changed", ("P3", "R4"): "d"})
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(ReviewItem)) == 3
        items = {i.person_id: i for i in s.scalars(select(ReviewItem))}
        assert items["P1"].state == "not_the_person"  # unchanged: decision kept
        assert items["P2"].state == "new" and items["P2"].reopened_count == 1
        assert items["P3"].state == "new"
        statuses = {c.record_id: c.status for c in s.scalars(select(ReviewCandidate))}
        assert statuses == {"R1": "active", "R2": "changed", "R3": "disappeared", "R4": "new"}
        # History kept: P2 still has its earlier decision
        assert [d.to_state for d in items["P2"].decisions] == ["not_the_person"]
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "review.reopened")
            )
            == 2
        )


def test_dual_control(settings: Settings) -> None:
    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a"})
        row = review.decide(
            s,
            REV1,
            person_id="P1",
            decision="identity_confirmed",
            reason="dob and address",
            settings=settings,
        )
        assert row.status == "pending"
        assert review._item(s, "P1").state == "new"
    with session_scope(settings) as s, pytest.raises(DualControlError, match="different person"):
        review.countersign(s, REV1, person_id="P1", reason="me again")
    with session_scope(settings) as s, pytest.raises(DualControlError, match="awaiting"):
        review.decide(
            s, REV2, person_id="P1", decision="not_the_person", reason="x", settings=settings
        )
    with session_scope(settings) as s:
        review.countersign(s, REV2, person_id="P1", reason="agree")
        assert review._item(s, "P1").state == "identity_confirmed"
        review.decide(
            s, REV1, person_id="P1", decision="assessed", reason="events read", settings=settings
        )
        review.decide(
            s,
            REV1,
            person_id="P1",
            decision="referred",
            referral="vetting_review",
            reason="suspect in 19C",
            settings=settings,
        )
        review.countersign(s, REV2, person_id="P1", reason="agree", reject=True)
        assert review._item(s, "P1").state == "assessed"  # rejected: no change


def test_countersign_in_the_same_session_as_the_decision(settings: Settings) -> None:
    """A session that has already read the item's decisions (show) still sees the new one."""
    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a"})
    with session_scope(settings) as s:
        # Held, as a caller working down the queue holds it: the session keeps this object.
        waiting = review.queue(s, REV1, state="new")
        assert [i.person_id for i in waiting] == ["P1"]
        assert review.show(s, REV1, "P1").decisions == []
        review.decide(
            s, REV1, person_id="P1", decision="identity_confirmed", reason="dob", settings=settings
        )
        row = review.countersign(s, REV2, person_id="P1", reason="agree")
        assert row.status == "effective"
        assert waiting[0].state == "identity_confirmed"


def test_dual_control_can_be_switched_off(settings: Settings) -> None:
    off = settings.model_copy(update={"dual_control": False})
    with session_scope(off) as s:
        _run(s, {("P1", "R1"): "a"})
        row = review.decide(
            s, REV1, person_id="P1", decision="identity_confirmed", reason="x", settings=off
        )
        assert row.status == "effective"
        assert review._item(s, "P1").state == "identity_confirmed"


def test_forbidden_transition_and_unknown_person_change_nothing(settings: Settings) -> None:
    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a"})
    with session_scope(settings) as s, pytest.raises(ForbiddenTransition):
        review.decide(s, REV1, person_id="P1", decision="closed", reason="x", settings=settings)
    with session_scope(settings) as s, pytest.raises(NotFound):
        review.decide(s, REV1, person_id="NOPE", decision="assessed", reason="x", settings=settings)
    with session_scope(settings) as s:
        assert review._item(s, "P1").state == "new"
        assert not review._item(s, "P1").decisions


def test_permissions(settings: Settings) -> None:
    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a"})
    with session_scope(settings) as s, pytest.raises(PermissionDenied):
        review.decide(
            s, FOI, person_id="P1", decision="not_the_person", reason="x", settings=settings
        )
    with session_scope(settings) as s, pytest.raises(PermissionDenied):
        review.assign(s, REV1, person_ids=["P1"], reviewer="riley")
    with session_scope(settings) as s, pytest.raises(PermissionDenied):
        review.show(s, FOI, "P1")


def test_show_has_person_candidates_and_triaged_events(settings: Settings) -> None:
    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a"})
        view = review.show(s, REV1, "P1")
        assert view.person is not None and view.person.person_id == "P1"
        (cand,) = view.candidates
        assert cand.record is not None and cand.record.record_id == "R1"
        (_event, triage) = cand.events[0]
        assert triage.categories == {"sexual"} and triage.is_integrity
        assert view.item.priority == 1  # sexual offence as suspect within ten years


def test_progress_and_forecast(settings: Settings) -> None:
    with session_scope(settings) as s:
        run_id = _run(s, {(f"P{i}", f"R{i}"): str(i) for i in range(10)})
        review.set_deadline(s, SUP, run_id=run_id, due_on=date.today() + timedelta(days=10))
        for i in range(4):
            review.decide(
                s, REV1, person_id=f"P{i}", decision="not_the_person", reason="x", settings=settings
            )
        p = review.progress(s, SUP, run_id=run_id)
        assert (p.total, p.done, p.remaining) == (10, 4, 6)
        assert p.by_state == {"new": 6, "not_the_person": 4}
        assert p.days_left == 10
        assert p.needed_per_day == 0.6
        assert p.achieved_per_day == round(4 / 7, 2)
        assert p.forecast_done_on == date.today() + timedelta(days=11)  # ceil(6 / (4/7))
        assert p.on_track is False


def test_progress_as_at_a_past_day_is_rebuilt_from_history(settings: Settings) -> None:
    from datawash.review.models import ReviewDecision

    past = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a", ("P2", "R2"): "b"})
        for item in s.scalars(select(ReviewItem)):
            item.opened_at = past - timedelta(days=9)
        review.decide(
            s, REV1, person_id="P1", decision="not_the_person", reason="namesake", settings=settings
        )
        row = s.scalars(select(ReviewDecision)).one()
        row.decided_at = row.effective_at = past
    with session_scope(settings) as s:
        before = review.compute_progress(s, as_of=date(2026, 1, 9))
        on_the_day = review.compute_progress(s, as_of=date(2026, 1, 10))
        assert (before.total, before.done, before.by_state) == (2, 0, {"new": 2})
        assert (on_the_day.done, on_the_day.by_state) == (1, {"new": 1, "not_the_person": 1})
        assert review.compute_progress(s, as_of=date(2025, 12, 31)).total == 0  # not yet open
        # A later wash changes P1's record: reopened now, so new again today, done back then.
        _run(s, {("P1", "R1"): "changed", ("P2", "R2"): "b"})
        assert review.compute_progress(s).by_state == {"new": 2}
        assert review.compute_progress(s, as_of=date(2026, 1, 10)).done == 1


def test_referral_opens_a_case_linked_to_the_item(settings: Settings) -> None:
    from datawash.cases.models import Case

    with session_scope(settings) as s:
        _run(s, {("P1", "R1"): "a"})
        review.decide(
            s, REV1, person_id="P1", decision="identity_confirmed", reason="x", settings=settings
        )
        review.countersign(s, REV2, person_id="P1", reason="agree")
        review.decide(
            s, REV1, person_id="P1", decision="assessed", reason="read", settings=settings
        )
        review.decide(
            s,
            REV1,
            person_id="P1",
            decision="referred",
            referral="misconduct_investigation",
            reason="19C as suspect",
            settings=settings,
        )
        assert s.scalar(select(func.count()).select_from(Case)) == 0  # not before countersign
        review.countersign(s, REV2, person_id="P1", reason="agree")
        case = s.scalars(select(Case)).one()
        assert case.source == "data_wash"
        assert case.origin_review_item_id == review._item(s, "P1").id
        assert [a.category for a in case.allegations] == ["sexual"]
        assert case.case_id.startswith("DW-")
