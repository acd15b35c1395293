"""Review services on SQLite and PostgreSQL: re-wash, dual control on every decision (the
whole table walked), reopening, per-record identity, referrals, the queue, progress."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from datawash import clock
from datawash.audit.models import AuditEvent
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import (
    DualControlError,
    ForbiddenTransition,
    InputError,
    NotFound,
    PermissionDenied,
)
from datawash.review import service as review
from datawash.review.models import ReviewCandidate, ReviewDecision, ReviewItem
from datawash.review.read import QueueFilter
from datawash.review.workflow import ALLOWED, State
from datawash.safeguards.service import change as change_safeguard
from datawash.vocabulary import RecordIdentity
from tests.review.helpers import (
    ADMIN,
    FOI,
    REV1,
    REV2,
    SUP,
    SUP2,
    decided,
    make_run,
    marks_for,
    propose,
)

# How to bring a fresh item to each state, through countersigned decisions.
PATH_TO: dict[State, tuple[str, ...]] = {
    State.NEW: (),
    State.NEEDS_INFORMATION: ("needs_information",),
    State.IDENTITY_CONFIRMED: ("identity_confirmed",),
    State.NOT_THE_PERSON: ("not_the_person",),
    State.ASSESSED: ("identity_confirmed", "assessed"),
    State.REFERRED: ("identity_confirmed", "referred"),
    State.NO_FURTHER_ACTION: ("identity_confirmed", "no_further_action"),
    State.CLOSED: ("not_the_person", "closed"),
}


def test_every_decision_needs_a_second_person_walking_the_whole_table(
    settings: Settings,
) -> None:
    edges = sorted(ALLOWED)
    people = {edge: f"P{n:02d}" for n, edge in enumerate(edges)}
    with session_scope(settings) as s:
        make_run(s, {(pid, f"R{pid}"): "a" for pid in people.values()})
        for (current, target), pid in people.items():
            decided(s, pid, *PATH_TO[current])
            assert review._item(s, pid).state == current.value
            if target is State.NEW:
                with pytest.raises(PermissionDenied):  # a reviewer may not reopen
                    review.reopen(s, REV1, person_id=pid, reason="look again")
                row = review.reopen(s, SUP, person_id=pid, reason="look again")
            else:
                row = propose(s, pid, target.value)
            assert row.status == "pending" and row.dual_control
            assert review._item(s, pid).state == current.value  # no effect yet
            with pytest.raises(DualControlError, match="different person"):
                review.countersign(
                    s, SUP if target is State.NEW else REV1, person_id=pid, reason="me"
                )
            if target is State.NEW:
                with pytest.raises(PermissionDenied):  # a reopening needs a supervisor's
                    review.countersign(s, REV2, person_id=pid, reason="agreed")
            second = SUP2 if target is State.NEW else REV2
            done = review.countersign(s, second, person_id=pid, reason="agreed")
            assert done.status == "effective"
            assert review._item(s, pid).state == target.value, (current, target)


def test_forbidden_edges_are_refused(settings: Settings) -> None:
    forbidden = [
        (c, t)
        for c, t in itertools.product(State, State)
        if (c, t) not in ALLOWED and t is not State.NEW
    ]
    starts = sorted({c for c, _ in forbidden})
    people = {c: f"P{n}" for n, c in enumerate(starts)}
    with session_scope(settings) as s:
        make_run(s, {(pid, f"R{pid}"): "a" for pid in people.values()})
        for c in starts:
            decided(s, people[c], *PATH_TO[c])
        for c, t in forbidden:
            with pytest.raises((ForbiddenTransition, InputError)):
                propose(s, people[c], t.value)
        with pytest.raises(ForbiddenTransition):  # nothing to reopen
            review.reopen(s, SUP, person_id=people[State.NEW], reason="x")


def test_rejection_carries_its_reason_back_to_the_decider(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b"})
        propose(s, "P1", "identity_confirmed")
        mine = review.queue(s, REV2, QueueFilter(awaiting_my_countersignature=True))
        assert [r.person_id for r in mine.rows] == ["P1"]
        assert mine.rows[0].pending_decision == "identity_confirmed"
        assert mine.rows[0].pending_by == "riley"
        assert review.queue(s, REV1, QueueFilter(awaiting_my_countersignature=True)).total == 0
        review.countersign(s, REV2, person_id="P1", reason="the dates differ", reject=True)
        back = review.queue(s, REV1, QueueFilter(returned_to_me=True))
        assert [r.person_id for r in back.rows] == ["P1"]
        assert back.rows[0].rejected_reason == "the dates differ"
        view = review.show(s, REV1, "P1")
        assert view.state == "new" and view.last_rejection is not None
        assert view.last_rejection.countersign_reason == "the dates differ"
        # Marks are not applied by a rejected decision.
        assert {c.identity for c in view.candidates} == {"unmarked"}
        with pytest.raises(InputError, match="reason"):
            review.countersign(s, REV2, person_id="P2", reason="  ", reject=True)


def test_dual_control_off_is_an_administrators_recorded_act_and_marked(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b"})
        with pytest.raises(PermissionDenied):
            change_safeguard(s, SUP, name="dual_control", raw_value="off", reason="speed")
        with pytest.raises(InputError, match="reason"):
            change_safeguard(s, ADMIN, name="dual_control", raw_value="off", reason=" ")
        change_safeguard(s, ADMIN, name="dual_control", raw_value="off", reason="staff shortage")
        row = propose(s, "P1", "not_the_person")
        assert row.status == "effective" and not row.dual_control and row.without_second_person
        assert review._item(s, "P1").state == "not_the_person"
        page = review.queue(s, SUP, QueueFilter(include_done=True))
        flagged = {r.person_id: r.without_second_person for r in page.rows}
        assert flagged == {"P1": True, "P2": False}
        p = review.progress(s, SUP)
        assert p.without_second_person == 1 and p.dual_control is False
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "safeguards.changed")).one()
        assert event.actor == "ada" and event.reason == "staff shortage"
        assert event.after == {"value": False}


def test_per_record_identity_decides_the_item(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P1", "R2"): "b"})
        mark = review.RecordMark
        with pytest.raises(InputError, match="unmarked: R2"):
            review.decide(
                s,
                REV1,
                person_id="P1",
                decision="identity_confirmed",
                reason="x",
                marks=[mark("R1", RecordIdentity.THIS_PERSON)],
            )
        with pytest.raises(InputError, match="say identity_confirmed"):
            review.decide(
                s,
                REV1,
                person_id="P1",
                decision="not_the_person",
                reason="x",
                marks=[
                    mark("R1", RecordIdentity.THIS_PERSON),
                    mark("R2", RecordIdentity.NOT_THIS_PERSON),
                ],
            )
        with pytest.raises(InputError, match="not a live candidate"):
            review.decide(
                s,
                REV1,
                person_id="P1",
                decision="not_the_person",
                reason="x",
                marks=[mark("R9", RecordIdentity.NOT_THIS_PERSON)],
            )
        review.decide(
            s,
            REV1,
            person_id="P1",
            decision="identity_confirmed",
            reason="dob and address",
            marks=[
                mark("R1", RecordIdentity.THIS_PERSON, "same dob, same address"),
                mark("R2", RecordIdentity.NOT_THIS_PERSON, "born 1958: the father"),
            ],
        )
        assert {c.identity for c in review._item(s, "P1").candidates} == {"unmarked"}
        review.countersign(s, REV2, person_id="P1", reason="agree")
        view = review.show(s, REV1, "P1")
        marks = {c.record_id: (c.identity, c.identity_reason) for c in view.candidates}
        assert marks == {
            "R1": ("this_person", "same dob, same address"),
            "R2": ("not_this_person", "born 1958: the father"),
        }
        # Only the confirmed record's events can become allegations.
        assert [e.event_id for e in view.referral_options] == ["E-R1"]


def test_unsure_needs_information_then_decided(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        decided(s, "P1", "needs_information")
        assert review._item(s, "P1").state == "needs_information"
        assert review.queue(s, REV1).total == 1  # still to do: in the default view
        decided(s, "P1", "not_the_person")
        assert review.queue(s, REV1).total == 0  # decided: out of the default view
        assert review.queue(s, REV1, QueueFilter(include_done=True)).total == 1


def test_referral_turns_only_chosen_confirmed_events_into_allegations(
    settings: Settings,
) -> None:
    from datawash.cases.models import Case

    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P1", "R2"): "b"})
        mark = review.RecordMark
        review.decide(
            s,
            REV1,
            person_id="P1",
            decision="identity_confirmed",
            reason="x",
            marks=[
                mark("R1", RecordIdentity.THIS_PERSON),
                mark("R2", RecordIdentity.NOT_THIS_PERSON),
            ],
        )
        review.countersign(s, REV2, person_id="P1", reason="agree")
        choice = review.AllegationChoice
        with pytest.raises(InputError, match="choose the events"):
            propose(s, "P1", "referred", referral="misconduct_investigation")
        with pytest.raises(InputError, match="E-R2 is not an event of a record marked"):
            propose(
                s,
                "P1",
                "referred",
                referral="misconduct_investigation",
                allegations=[choice("E-R2")],
            )
        with pytest.raises(InputError, match="unknown category"):
            propose(
                s,
                "P1",
                "referred",
                referral="misconduct_investigation",
                allegations=[choice("E-R1", "sacked")],
            )
        propose(
            s,
            "P1",
            "referred",
            referral="misconduct_investigation",
            allegations=[choice("E-R1", "domestic_abuse", "staff")],
        )
        assert s.scalar(select(func.count()).select_from(Case)) == 0  # not before countersign
        review.countersign(s, REV2, person_id="P1", reason="agree")
        case = s.scalars(select(Case)).one()
        assert case.source == "data_wash"
        assert case.origin_review_item_id == review._item(s, "P1").id
        assert [(a.category, a.role_at_time) for a in case.allegations] == [
            ("domestic_abuse", "staff")
        ]
        assert [c.case_id for c in review.show(s, REV1, "P1").cases] == [case.case_id]


def test_rewash_keeps_decisions_never_duplicates_and_keeps_the_deadline(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        first = make_run(
            s, {("P1", "R1"): "a", ("P2", "R2"): "b", ("P3", "R3"): "c", ("P4", "R4"): "d"}
        )
        review.set_deadline(s, SUP, run_id=first, due_on=date(2099, 9, 29))
        for pid in ("P1", "P2", "P3"):
            decided(s, pid, "not_the_person")
        propose(s, "P4", "not_the_person")  # pending when the next wash arrives
    with session_scope(settings) as s:
        # R1 unchanged, R2's content changed, P3's R3 gone and a new R5, P4's R4 changed.
        second = make_run(
            s, {("P1", "R1"): "a", ("P2", "R2"): "b2", ("P3", "R5"): "e", ("P4", "R4"): "d2"}
        )
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(ReviewItem)) == 4
        items = {i.person_id: i for i in s.scalars(select(ReviewItem))}
        assert items["P1"].state == "not_the_person"  # unchanged: decision kept
        assert items["P2"].state == "new" and items["P2"].reopened_count == 1
        assert items["P3"].state == "new"
        statuses = {c.record_id: c.status for c in s.scalars(select(ReviewCandidate))}
        assert statuses == {
            "R1": "active",
            "R2": "changed",
            "R3": "disappeared",
            "R4": "changed",
            "R5": "new",
        }
        marks = {c.record_id: c.identity for c in s.scalars(select(ReviewCandidate))}
        assert marks["R1"] == "not_this_person" and marks["R2"] == "unmarked"  # content changed
        history = [(d.kind, d.to_state, d.status) for d in items["P2"].decisions]
        assert history == [
            ("decision", "not_the_person", "effective"),
            ("rewash", "new", "effective"),
        ]
        assert [d.status for d in items["P4"].decisions] == ["withdrawn", "effective"]
        p = review.progress(s, SUP, run_id=second)
        assert p.due_on == date(2099, 9, 29)


def test_show_has_the_hr_columns_role_and_is_logged(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        view = review.show(s, REV1, "P1")
        assert view.person is not None
        assert view.person.role == "officer"
        assert view.person.hr == {"collar_number": "4711", "department": "Response"}
        assert view.candidates[0].events[0].categories == ["sexual"]
        logged = s.scalars(select(AuditEvent).where(AuditEvent.action == "review.viewed")).one()
        assert (logged.actor, logged.person_id) == ("riley", "P1")
        with pytest.raises(PermissionDenied):
            review.show(s, FOI, "P1")
        with pytest.raises(NotFound):
            review.show(s, REV1, "P404")


def test_queue_filters_search_sort_counts_and_pages(settings: Settings) -> None:
    with session_scope(settings) as s:
        pairs = {(f"P{i}", f"R{i}"): "a" for i in range(5)} | {("S1", "RS1"): "a"}
        make_run(s, pairs, offences={"RS1": "8N"}, roles={"S1": "staff"})  # violence, staff
        page = review.queue(s, REV1, QueueFilter(per_page=2))
        assert (page.total, page.pages, len(page.rows)) == (6, 3, 2)
        assert page.rows[0].priority == 1  # sexual offence as suspect first
        assert page.by_state == {"new": 6}
        assert review.queue(s, REV1, QueueFilter(role="staff")).total == 1
        assert review.queue(s, REV1, QueueFilter(category="violence")).total == 1
        assert review.queue(s, REV1, QueueFilter(category="sexual")).total == 5
        assert [r.person_id for r in review.queue(s, REV1, QueueFilter(search="p3")).rows] == ["P3"]
        assert review.queue(s, REV1, QueueFilter(search="surnamep")).total == 5
        assert review.queue(s, REV1, QueueFilter(search="%")).total == 0  # LIKE escaped
        names = [r.person_id for r in review.queue(s, REV1, QueueFilter(sort="person")).rows]
        assert names == sorted(names)
        with pytest.raises(InputError, match="unknown sort"):
            review.queue(s, REV1, QueueFilter(sort="salary"))
        with pytest.raises(NotFound):
            review.queue(s, REV1, QueueFilter(run_id=99))
        decided(s, "P0", "not_the_person")
        propose(s, "P1", "not_the_person")
        assert review.queue(s, REV1).total == 5  # P0 decided: out; P1 pending: still in
        waiting = review.queue(s, REV1, QueueFilter(awaiting_countersignature=True))
        assert [r.person_id for r in waiting.rows] == [
            "P1"
        ] and waiting.awaiting_countersignature == 1
        rows = review.export_queue(s, SUP, QueueFilter(include_done=True))
        assert len(rows) == 6
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "review.exported")
            )
            == 1
        )


def test_unknown_run_is_an_error_never_figures(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        with pytest.raises(NotFound):
            review.progress(s, SUP, run_id=7)
        with pytest.raises(NotFound):
            review.set_deadline(s, SUP, run_id=7, due_on=date(2099, 1, 1))


def test_forecast_uses_the_days_actually_elapsed(settings: Settings) -> None:
    day_one = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with clock.frozen_at(day_one), session_scope(settings) as s:
        run_id = make_run(s, {(f"P{i}", f"R{i}"): str(i) for i in range(10)})
        review.set_deadline(s, SUP, run_id=run_id, due_on=date(2026, 3, 12))
        for i in range(4):
            decided(s, f"P{i}", "not_the_person")
        p = review.progress(s, SUP, run_id=run_id)
        # First day: 4 done in 1 day, not 4 in 7.
        assert (p.total, p.done, p.remaining, p.pace_days) == (10, 4, 6, 1)
        assert p.achieved_per_day == 4.0
        assert p.forecast_done_on == date(2026, 3, 4)  # ceil(6 / 4) = 2 days
        assert p.days_left == 10 and p.needed_per_day == 0.6 and p.on_track is True
    with clock.frozen_at(day_one + timedelta(days=3)), session_scope(settings) as s:
        p = review.progress(s, SUP, run_id=run_id)
        assert p.pace_days == 4 and p.achieved_per_day == 1.0


def test_progress_as_at_a_past_day_is_rebuilt_from_the_decisions(settings: Settings) -> None:
    past = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b"})
        for item in s.scalars(select(ReviewItem)):
            item.opened_at = past - timedelta(days=9)
        decided(s, "P1", "not_the_person")
        row = s.scalars(select(ReviewDecision)).one()
        row.decided_at = row.effective_at = past
    with session_scope(settings) as s:
        before = review.compute_progress(s, as_of=date(2026, 1, 9))
        on_the_day = review.compute_progress(s, as_of=date(2026, 1, 10))
        assert (before.total, before.done, before.by_state) == (2, 0, {"new": 2})
        assert (on_the_day.done, on_the_day.by_state) == (1, {"new": 1, "not_the_person": 1})
        assert review.compute_progress(s, as_of=date(2025, 12, 31)).total == 0  # not yet open
        # A later wash changes P1's record: reopened now, so new again today, done back then.
        make_run(s, {("P1", "R1"): "changed", ("P2", "R2"): "b"})
        assert review.compute_progress(s).by_state == {"new": 2}
        assert review.compute_progress(s, as_of=date(2026, 1, 10)).done == 1


def test_marks_for_helper_marks_every_live_record(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P1", "R2"): "b"})
        assert {m.record_id for m in marks_for(s, "P1", RecordIdentity.UNSURE)} == {"R1", "R2"}
