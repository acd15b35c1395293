"""The wash learns from the reviewers: every effective per-record identity mark (this
person / not this person, from this run and earlier ones) is a labelled pair; the run's
model is corrected with them (linkage/labels.py) and the pending pairs re-scored from their
stored levels, without reading the extract again. Decisions and marks are never touched;
items are never created or removed here; the queue's order follows the new probabilities.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash import audit
from datawash.actor import Actor
from datawash.audit import events as ev
from datawash.config import Settings
from datawash.errors import InputError, NotFound
from datawash.linkage import labels as learning
from datawash.linkage.explain import confirms
from datawash.outputs import csv_text, write_private
from datawash.permissions import require
from datawash.review.models import ReviewCandidate, ReviewDecision, ReviewItem
from datawash.review.workflow import State
from datawash.vocabulary import DecisionStatus, RecordIdentity
from datawash.wash.models import WashCandidate, WashRun

PENDING = DecisionStatus.PENDING.value
MARKS = {RecordIdentity.THIS_PERSON.value: True, RecordIdentity.NOT_THIS_PERSON.value: False}


@dataclass
class RescoreSummary:
    run_id: int
    labels: int = 0
    matches: int = 0
    non_matches: int = 0
    rescored: int = 0
    confirmed_before: int = 0
    confirmed_after: int = 0
    prior_shift: float = 0.0  # bits added to the prior by the labels
    corrections: dict[str, dict[str, float]] = field(default_factory=dict)
    held_out: dict[str, float | int | None] = field(default_factory=dict)
    # With labels: work the queue down to this probability to find the target share of
    # matched people (as held-out labels estimate), which means this many people.
    operating_threshold: float | None = None
    people_to_review: int | None = None
    target_share: float = 0.97


def _unsupervised(entry: dict[str, Any]) -> float:
    """A field's weight under the run's own (unsupervised) model: kept beside the learnt one
    on every rescored explanation, so learning always starts from the same evidence."""
    return float(entry.get("unsupervised_weight", entry.get("weight")) or 0.0)


def labelled_pairs(session: Session) -> list[learning.LabelledPair]:
    """Every record the reviewers marked, with the evidence it was marked on."""
    rows = session.execute(
        select(ReviewItem.person_id, ReviewCandidate.identity, ReviewCandidate.explanation)
        .join(ReviewItem, ReviewItem.id == ReviewCandidate.item_id)
        .where(ReviewCandidate.identity.in_(list(MARKS)))
        .order_by(ReviewItem.person_id, ReviewCandidate.record_id)
    ).all()
    return [
        learning.LabelledPair(
            person_id=pid,
            levels={str(e["field"]): str(e["level"]) for e in expl or []},
            weights={str(e["field"]): _unsupervised(e) for e in expl or []},
            is_match=MARKS[identity],
        )
        for pid, identity, expl in rows
    ]


def rescore(
    session: Session, actor: Actor, settings: Settings, *, run_id: int | None = None
) -> RescoreSummary:
    """Learn from the labels and re-score the run's pairs of people not yet decided."""
    require(actor, "wash.run")
    run = (
        session.get(WashRun, run_id)
        if run_id is not None
        else session.scalars(select(WashRun).order_by(WashRun.id.desc()).limit(1)).first()
    )
    if run is None or not run.model_json:
        raise NotFound("wash run", str(run_id) if run_id is not None else "latest")
    _carry_chosen_share(session, run)
    model = json.loads(run.settings.get("unsupervised_model") or run.model_json)
    pairs = labelled_pairs(session)
    learnt = learning.learn(model, pairs)
    summary = RescoreSummary(
        run_id=run.id, labels=len(pairs), matches=sum(p.is_match for p in pairs),
        non_matches=sum(not p.is_match for p in pairs), prior_shift=learnt.b_bits,
        corrections=learnt.corrections,
        held_out=learning.held_out(model, pairs, threshold=settings.review_threshold,
                                   target_share=target_share(run, settings)),
    )  # fmt: skip
    prior = learning.prior_weight(model)
    awaiting = select(ReviewDecision.item_id).where(ReviewDecision.status == PENDING)
    pending = {
        (pid, rid): c
        for pid, rid, c in session.execute(
            select(ReviewItem.person_id, ReviewCandidate.record_id, ReviewCandidate)
            .join(ReviewItem, ReviewItem.id == ReviewCandidate.item_id)
            .where(
                ReviewItem.state == State.NEW.value,
                ReviewItem.id.not_in(awaiting),
                ReviewCandidate.last_seen_run_id == run.id,
            )
        ).all()
    }
    # Decided, or with a decision awaiting its countersignature: the countersigner must see
    # the evidence the decider saw, so those pairs are not re-scored either.
    decided = _decided_people(session)
    for pair in session.scalars(select(WashCandidate).where(WashCandidate.run_id == run.id)):
        summary.confirmed_before += pair.band == "confirmed"
        if pair.person_id in decided:
            summary.confirmed_after += pair.band == "confirmed"
            continue  # a decided person's evidence stays as it was decided on
        explanation = []
        for e in pair.explanation or []:
            w0 = _unsupervised(e)
            w1 = round(learnt.field_weight(e["field"], e["level"], w0), 2)
            explanation.append({**e, "unsupervised_weight": w0, "weight": w1})
        weight = learnt.prior(prior) + sum(e["weight"] for e in explanation)
        p = learning.probability(weight)
        band = (
            "confirmed" if p >= settings.confirmed_threshold and confirms(explanation) else "review"
        )
        pair.match_probability, pair.match_weight = p, weight
        pair.band, pair.explanation = band, explanation
        summary.confirmed_after += band == "confirmed"
        summary.rescored += 1
        shown = pending.get((pair.person_id, pair.record_id))
        if shown is not None:
            shown.match_probability, shown.band, shown.explanation = p, band, explanation
    # The operating point: how far down the queue to work to find the target share of the
    # matched people still to review, as the (label-corrected) probabilities expect it.
    # Not from the marks' own recall: reviewers mark the top of the queue first, so their
    # marks say little about the pairs further down.
    session.flush()
    point = operating_point(session, run, target_share(run, settings), decided)
    summary.target_share = point["target_share"]
    summary.operating_threshold = point["operating_threshold"]
    summary.people_to_review = point["people_to_review"]
    run.settings = {
        **run.settings,
        "unsupervised_model": run.settings.get("unsupervised_model") or run.model_json,
        "learning": {
            "labels": summary.labels,
            "matches": summary.matches,
            "prior_shift_bits": learnt.b_bits,
            "held_out": summary.held_out,
            **point,
        },
    }
    run.model_json = json.dumps(learnt.model, sort_keys=True)
    run.n_confirmed = summary.confirmed_after
    audit.record(
        session, actor, ev.WASH_RESCORED, entity_id=run.id,
        after={"labels": summary.labels, "rescored": summary.rescored,
               "confirmed": summary.confirmed_after},
    )  # fmt: skip
    session.flush()
    return summary


def operating_point(
    session: Session, run: WashRun, share: float, decided: set[str] | None = None
) -> dict[str, Any]:
    """How far down the run's queue to work to find ``share`` of the matched people not yet
    decided, as the run's current probabilities expect it, and the curve around it."""
    if decided is None:
        decided = _decided_people(session)
    best = list(_best_undecided(session, run.id, decided).values())
    op = expected_operating_threshold(best, share)
    return {
        "target_share": share,
        "operating_threshold": op,
        "people_to_review": sum(1 for p in best if p >= op) if op is not None else None,
        "curve": estimated_curve(best, share),
    }


def estimate_after_wash(session: Session, settings: Settings, *, run_id: int) -> dict[str, Any]:
    """A new run's operating point and curve, from its own probabilities, before any marks
    correct them: what the supervisor reads from the start. The share the supervisor chose
    for the run before carries over (a wash does not undo a supervisor's choice)."""
    run = session.get(WashRun, run_id)
    if run is None:
        raise NotFound("wash run", str(run_id))
    _carry_chosen_share(session, run)
    point = operating_point(session, run, target_share(run, settings))
    run.settings = {**(run.settings or {}), "learning": point}
    session.flush()
    return point


# The run's settings keep what the wash ran with (target_share_found among them); a
# supervisor's later choice is kept beside them under its own name.
CHOSEN = "target_share_chosen"


def _carry_chosen_share(session: Session, run: WashRun) -> None:
    """A run with no share chosen for it takes the one a supervisor chose for the run
    before."""
    if CHOSEN in (run.settings or {}):
        return
    earlier = session.scalars(
        select(WashRun).where(WashRun.id < run.id).order_by(WashRun.id.desc()).limit(1)
    ).first()
    chosen = ((earlier.settings or {}) if earlier is not None else {}).get(CHOSEN)
    if chosen is not None:
        run.settings = {**(run.settings or {}), CHOSEN: chosen}


def target_share(run: WashRun, settings: Settings) -> float:
    """The share of matched people the run's review should find: the supervisor's choice
    for this run (set_target_share, or carried over from the run before), else the setting
    the run was washed with, else the current one (DATAWASH_TARGET_SHARE_FOUND)."""
    kept = run.settings or {}
    chosen = kept.get(CHOSEN, kept.get("target_share_found"))
    return float(chosen) if chosen is not None else settings.target_share_found


def _decided_people(session: Session) -> set[str]:
    """People decided, or with a decision awaiting its countersignature."""
    awaiting = select(ReviewDecision.item_id).where(ReviewDecision.status == PENDING)
    return {
        pid
        for (pid,) in session.execute(
            select(ReviewItem.person_id).where(
                (ReviewItem.state != State.NEW.value) | ReviewItem.id.in_(awaiting)
            )
        ).all()
    }


def _best_undecided(session: Session, run_id: int, decided: set[str]) -> dict[str, float]:
    """Each undecided person's best pair probability in the run."""
    best: dict[str, float] = {}
    for pid, p in session.execute(
        select(WashCandidate.person_id, WashCandidate.match_probability).where(
            WashCandidate.run_id == run_id
        )
    ).all():
        if pid not in decided:
            best[pid] = max(best.get(pid, 0.0), float(p))
    return best


CURVE_SHARES = (0.80, 0.90, 0.95, 0.97, 0.99)


def estimated_curve(best: list[float], target: float) -> list[dict[str, float | int]]:
    """For each share of the matched people still to review (and the target), the
    probability to work the queue down to and how many people that is, as the
    probabilities expect it: what the supervisor reads to move the operating point."""
    out: list[dict[str, float | int]] = []
    for share in sorted({*CURVE_SHARES, round(target, 4)}):
        op = expected_operating_threshold(best, share)
        if op is not None:
            out.append({"share": share, "threshold": op,
                        "people": sum(1 for p in best if p >= op)})  # fmt: skip
    return out


def set_target_share(
    session: Session,
    actor: Actor,
    settings: Settings,
    *,
    run_id: int,
    share: float,
    reason: str,
) -> dict[str, Any]:
    """A supervisor moves the run's operating point: the share of matched people its
    review should find. The operating point and the curve are worked out again from the
    run's current probabilities (nothing is re-scored, no item is created or removed)."""
    require(actor, "review.set_target")
    if not 0.5 <= share <= 1.0:
        raise InputError(
            "the share of matched people to find is between 50% and 100% (0.5 and 1)",
            field="share",
        )
    if not reason.strip():
        raise InputError("say why the operating point is moved", field="reason")
    run = session.get(WashRun, run_id)
    if run is None:
        raise NotFound("wash run", str(run_id))
    before = target_share(run, settings)
    learnt = dict((run.settings or {}).get("learning") or {})
    learnt.update(operating_point(session, run, share))
    run.settings = {**(run.settings or {}), CHOSEN: share, "learning": learnt}
    audit.record(
        session, actor, ev.REVIEW_TARGET_SET, entity_id=run.id,
        before={"target_share": before}, after={"target_share": share, "reason": reason},
    )  # fmt: skip
    session.flush()
    return learnt


def expected_operating_threshold(best: list[float], target_share: float) -> float | None:
    """The probability threshold above which the expected number of people who are a
    match (the sum of each person's best probability) reaches ``target_share`` of all."""
    expected = sum(best)
    if expected <= 0:
        return None
    got = 0.0
    for p in sorted(best, reverse=True):
        got += p
        if got >= target_share * expected - 1e-12:
            return p
    return min(best)


def export_labels(session: Session, actor: Actor, path: Path) -> int:
    """The reviewers' marks as labelled pairs in Splink's clerical format (clerical_match_score
    1 this person, 0 not; unsure marks left out), with person_id and record_id."""
    require(actor, "review.export")
    rows = session.execute(
        select(ReviewItem.person_id, ReviewCandidate.record_id, ReviewCandidate.identity)
        .join(ReviewItem, ReviewItem.id == ReviewCandidate.item_id)
        .where(ReviewCandidate.identity.in_(list(MARKS)))
        .order_by(ReviewItem.person_id, ReviewCandidate.record_id)
    ).all()
    # Splink's labelled-pairs table (source_dataset_l, unique_id_l, source_dataset_r,
    # unique_id_r, clerical_match_score: the datasets named as a wash registers them),
    # with person_id and record_id for people reading it.
    header = ["source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r",
              "clerical_match_score", "person_id", "record_id"]  # fmt: skip
    body = [
        ("a_workforce", p, "b_records", r, "1.0" if MARKS[i] else "0.0", p, r) for p, r, i in rows
    ]
    write_private(path, csv_text(header, body))
    audit.record(session, actor, ev.LABELS_EXPORTED, entity_id=0, after={"labels": len(rows)})
    return len(rows)


__all__ = [
    "RescoreSummary",
    "estimate_after_wash",
    "export_labels",
    "labelled_pairs",
    "operating_point",
    "rescore",
    "set_target_share",
]
