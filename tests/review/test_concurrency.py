"""Two people acting on the same item or case at the same moment, with truly concurrent
sessions (threads, each with its own connection): exactly one wins, the other gets a
Conflict and nothing of theirs is written. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import Conflict
from datawash.review import service as review
from datawash.review.models import ReviewDecision
from tests.review.helpers import REV1, REV2, REV3, SUP, make_run, marks_for, propose

TRIALS = 3


def _race(settings: Settings, person_id: str, *acts: Callable[[Session], object]) -> list[str]:
    """Run each act in its own thread and session. Every thread first reads the item (as a
    person reads the page), waits until all have read, then acts and commits."""
    barrier = threading.Barrier(len(acts))
    results: list[str] = [""] * len(acts)

    def worker(n: int, act: Callable[[Session], object]) -> None:
        try:
            with session_scope(settings) as s:
                item = review._item(s, person_id)
                _ = (item.version, list(item.decisions), list(item.candidates))
                barrier.wait(timeout=30)
                act(s)
            results[n] = "won"
        except Conflict:
            results[n] = "conflict"
        except Exception as exc:  # reported, so a wrong error fails the test visibly
            results[n] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=worker, args=(n, a)) for n, a in enumerate(acts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_decide_against_decide(settings: Settings) -> None:
    people = [f"P{n}" for n in range(TRIALS)]
    with session_scope(settings) as s:
        make_run(s, {(p, f"R{p}"): "a" for p in people})
        marks = {p: marks_for(s, p, review.RecordIdentity.NOT_THIS_PERSON) for p in people}
    for p in people:
        outcome = _race(
            settings,
            p,
            lambda s, p=p: review.decide(
                s, REV1, person_id=p, decision="not_the_person", reason="a", marks=marks[p]
            ),
            lambda s, p=p: review.decide(
                s, REV2, person_id=p, decision="not_the_person", reason="b", marks=marks[p]
            ),
        )
        assert sorted(outcome) == ["conflict", "won"], outcome
    with session_scope(settings) as s:
        per_item = s.execute(
            select(ReviewDecision.item_id, func.count()).group_by(ReviewDecision.item_id)
        ).all()
        assert sorted(n for _, n in per_item) == [1] * TRIALS  # one pending decision each


def test_countersign_against_reject(settings: Settings) -> None:
    people = [f"P{n}" for n in range(TRIALS)]
    with session_scope(settings) as s:
        make_run(s, {(p, f"R{p}"): "a" for p in people})
        for p in people:
            propose(s, p, "not_the_person")
    for p in people:
        outcome = _race(
            settings,
            p,
            lambda s, p=p: review.countersign(s, REV2, person_id=p, reason="agree"),
            lambda s, p=p: review.countersign(s, REV3, person_id=p, reason="no", reject=True),
        )
        assert sorted(outcome) == ["conflict", "won"], outcome
    with session_scope(settings) as s:
        statuses = sorted(d.status for d in s.scalars(select(ReviewDecision)))
        assert len(statuses) == TRIALS and "pending" not in statuses
        for d in s.scalars(select(ReviewDecision)):
            item = d.item
            assert (item.state == "not_the_person") == (d.status == "effective")


def test_decide_against_reopen_of_the_same_item(settings: Settings) -> None:
    """A supervisor reopens while a reviewer decides the next step: one wins."""
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        propose(s, "P1", "identity_confirmed")
        review.countersign(s, REV2, person_id="P1", reason="agree")
    outcome = _race(
        settings,
        "P1",
        lambda s: review.decide(s, REV1, person_id="P1", decision="assessed", reason="read"),
        lambda s: review.reopen(s, SUP, person_id="P1", reason="look again"),
    )
    assert sorted(outcome) == ["conflict", "won"], outcome


def test_two_outcomes_on_one_allegation(settings: Settings) -> None:
    from datawash.cases import service as cases
    from datawash.cases.models import Allegation, Case, CaseSubject
    from tests.review.helpers import Actor, Role

    psd1, psd2 = Actor("pat", Role.PSD_INVESTIGATOR), Actor("pip", Role.PSD_INVESTIGATOR)
    with session_scope(settings) as s:
        s.add(Case(case_id="C1", recorded_on=date(2022, 1, 1), source="complaint"))
        s.flush()
        s.add(CaseSubject(case_id="C1", person_id="P1", role_at_time="officer"))
        s.add(
            Allegation(
                allegation_id="A1",
                case_id="C1",
                person_id="P1",
                role_at_time="officer",
                category="sexual",
                stage="hearing",
            )
        )
    barrier = threading.Barrier(2)
    results: list[str] = []

    def act(actor: Actor, outcome: str) -> None:
        try:
            with session_scope(settings) as s:
                a = s.get(Allegation, "A1")
                assert a is not None
                _ = (a.version, a.case.recorded_on, list(a.case.subjects))
                barrier.wait(timeout=30)
                cases.record_outcome(
                    s,
                    actor,
                    allegation_id="A1",
                    outcome=outcome,
                    outcome_on=date(2023, 1, 1),
                    reason="hearing",
                )
            results.append("won")
        except Conflict:
            results.append("conflict")

    threads = [
        threading.Thread(target=act, args=(psd1, "dismissed")),
        threading.Thread(target=act, args=(psd2, "written_warning")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["conflict", "won"]


def test_a_page_seen_before_a_change_is_refused(settings: Settings) -> None:
    """The web page (or a bulk file) says which version it saw: a later change wins."""
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        seen = review.show(s, REV1, "P1").version
    with session_scope(settings) as s:
        propose(s, "P1", "needs_information", actor=REV2)
        review.countersign(s, REV1, person_id="P1", reason="ok")
    with session_scope(settings) as s, pytest.raises(Conflict):
        propose(s, "P1", "not_the_person", expected_version=seen)
