"""The wash learns from reviewers' marks: rescoring corrects the run's model, re-scores
only the people not yet decided, keeps every decision and mark, never adds or removes an
item, and the marks export in Splink's labelled-pairs format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from datawash.audit.models import AuditEvent
from datawash.config import Settings
from datawash.db import session_scope
from datawash.linkage import labels as L
from datawash.review import learning
from datawash.review import service as review
from datawash.review.models import ReviewDecision, ReviewItem
from datawash.wash.models import WashCandidate, WashRun
from tests.linkage.test_labels import ZONE, model
from tests.review.helpers import FOI, SUP, decided, make_run

NAMESAKE = "namesake"
TRUE = "true"


def evidence(kind: str, m: dict[str, object]) -> tuple[float, list[dict[str, object]]]:
    dob = ZONE if kind == NAMESAKE else "same"
    levels = {"forename": "same", "surname": "same", "date of birth": dob, "gender": "same",
              "address": "elsewhere (moved or different)"}  # fmt: skip
    weights = L.field_weights(m, levels)  # type: ignore[arg-type]
    p = L.probability(L.prior_weight(m) + sum(weights.values()))  # type: ignore[arg-type]
    return p, [{"field": f, "level": lv, "weight": weights[f]} for f, lv in levels.items()]


def setup(s: Session) -> dict[str, object]:
    m = model()
    kinds = {f"N{i}": NAMESAKE for i in range(12)} | {f"T{i}": TRUE for i in range(12)}
    pairs = {(pid, f"R-{pid}"): "fp" for pid in kinds}
    make_run(s, pairs, evidence={(pid, f"R-{pid}"): evidence(k, m) for pid, k in kinds.items()},
             model_json=json.dumps(m))  # fmt: skip
    # Reviewers decide 8 namesakes and 8 true records (dual control); 4 of each wait.
    for i in range(8):
        decided(s, f"N{i}", "not_the_person")
        decided(s, f"T{i}", "identity_confirmed")
    return m


def test_rescore_learns_from_marks_and_keeps_every_decision(settings: Settings) -> None:
    with session_scope(settings) as s:
        setup(s)
        before_items = s.scalar(select(func.count()).select_from(ReviewItem))
        before_decisions = s.scalar(select(func.count()).select_from(ReviewDecision))
        decided_p = {c.person_id: c.match_probability for c in s.scalars(select(WashCandidate))
                     if c.person_id in {"N0", "T0"}}  # fmt: skip
        old = {r.person_id: r.best_probability for r in review.queue(s, SUP).rows}
        got = learning.rescore(s, SUP, settings)
        assert (got.labels, got.matches, got.non_matches) == (16, 8, 8)
        assert got.rescored == 8  # the people not yet decided, only
        assert got.corrections["date of birth"][ZONE] < 0
        new = {r.person_id: r.best_probability for r in review.queue(s, SUP).rows}
        assert all(new[f"N{i}"] < old[f"N{i}"] for i in range(8, 12))  # namesakes sink
        assert min(new[f"T{i}"] for i in range(8, 12)) > max(new[f"N{i}"] for i in range(8, 12))
        order = [r.person_id for r in review.queue(s, SUP).rows]
        assert order.index("T8") < order.index("N8")  # the queue's order follows
        assert s.scalar(select(func.count()).select_from(ReviewItem)) == before_items
        assert s.scalar(select(func.count()).select_from(ReviewDecision)) == before_decisions
        for c in s.scalars(select(WashCandidate)):
            if c.person_id in decided_p:
                assert c.match_probability == decided_p[c.person_id]  # as decided on
        states = {i.person_id: i.state for i in s.scalars(select(ReviewItem))}
        assert states["N0"] == "not_the_person" and states["T0"] == "identity_confirmed"
        run = s.scalars(select(WashRun)).one()
        assert json.loads(run.settings["unsupervised_model"]) == model()
        assert run.settings["learning"]["labels"] == 16
        assert any(e.action == "wash.rescored" for e in s.scalars(select(AuditEvent)))
        # Shown explanations add up to the new probability.
        shown = review.show(s, SUP, "N9").candidates[0]
        total = L.prior_weight(json.loads(run.model_json)) + sum(
            float(e["weight"]) for e in shown.explanation
        )
        assert (
            L.probability(total) == shown.match_probability
            or abs(L.probability(total) - shown.match_probability) < 1e-3
        )


def test_rescoring_twice_starts_from_the_runs_own_model(settings: Settings) -> None:
    with session_scope(settings) as s:
        setup(s)
        first = learning.rescore(s, SUP, settings)
        p1 = {c.person_id: c.match_probability for c in s.scalars(select(WashCandidate))}
        second = learning.rescore(s, SUP, settings)
        p2 = {c.person_id: c.match_probability for c in s.scalars(select(WashCandidate))}
    assert first.corrections == second.corrections and p1 == p2


def test_only_supervisors_rescore_and_labels_export_in_splinks_format(
    settings: Settings, tmp_path: Path
) -> None:
    import pytest

    from datawash.errors import PermissionDenied

    with session_scope(settings) as s:
        setup(s)
        with pytest.raises(PermissionDenied):
            learning.rescore(s, FOI, settings)
        out = tmp_path / "labels.csv"
        assert learning.export_labels(s, SUP, out) == 16
    rows = list(csv.DictReader(out.open()))
    assert set(rows[0]) == {"source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r",
                            "clerical_match_score", "person_id", "record_id"}  # fmt: skip
    assert rows[0]["unique_id_l"] == rows[0]["person_id"]
    scores = {r["person_id"]: r["clerical_match_score"] for r in rows}
    assert scores["N0"] == "0.0" and scores["T0"] == "1.0" and "N9" not in scores


def test_the_operating_point_is_where_the_expected_matches_reach_the_target() -> None:
    best = [0.99, 0.98, 0.9, 0.5, 0.1, 0.02]
    total = sum(best)
    op = learning.expected_operating_threshold(best, 0.9)
    kept = sum(p for p in best if p >= op)  # type: ignore[operator]
    assert kept >= 0.9 * total and op == 0.5
    assert learning.expected_operating_threshold(best, 1.0) == 0.02
    assert learning.expected_operating_threshold([], 0.97) is None


def test_learning_order_offers_the_least_certain_first_then_priority(settings: Settings) -> None:
    from datawash.safeguards.service import change
    from tests.review.helpers import ADMIN

    with session_scope(settings) as s:
        m = model()
        kinds = {"A": NAMESAKE, "B": TRUE, "C": NAMESAKE, "D": TRUE}
        make_run(s, {(p, f"R-{p}"): "fp" for p in kinds},
                 evidence={(p, f"R-{p}"): evidence(k, m) for p, k in kinds.items()},
                 model_json=json.dumps(m))  # fmt: skip
        usual = [r.person_id for r in review.queue(s, SUP).rows]
        assert usual[:2] in (["B", "D"], ["D", "B"])  # strongest first
        change(s, ADMIN, name="learning_reviews", raw_value="1", reason="learn first")
        page = review.queue(s, SUP)
        assert page.learning_order and [r.person_id for r in page.rows][:2] in (
            ["A", "C"], ["C", "A"])  # fmt: skip
        decided(s, "A", "not_the_person")  # one person reviewed: back to priority order
        page = review.queue(s, SUP)
        assert not page.learning_order and page.rows[0].person_id in ("B", "D")


def test_a_supervisor_moves_the_operating_point_and_sees_the_curve(settings: Settings) -> None:
    import pytest

    from datawash.errors import InputError, PermissionDenied

    with session_scope(settings) as s:
        setup(s)
        run_id = s.scalar(select(func.max(WashRun.id)))
        assert run_id is not None
        learning.rescore(s, SUP, settings)
        at_97 = learning.set_target_share(s, SUP, settings, run_id=run_id, share=0.97,
                                          reason="the national guidance")  # fmt: skip
        at_80 = learning.set_target_share(s, SUP, settings, run_id=run_id, share=0.8,
                                          reason="a first pass before the deadline")  # fmt: skip
        # A lower share: work less far down, so no more people (and here fewer).
        assert at_80["operating_threshold"] >= at_97["operating_threshold"]
        assert at_80["people_to_review"] <= at_97["people_to_review"]
        curve = {round(p["share"], 2): p for p in at_80["curve"]}
        assert {0.8, 0.9, 0.95, 0.97, 0.99} <= set(curve)
        people = [curve[k]["people"] for k in sorted(curve)]
        assert people == sorted(people)  # more of the matched people need more people reviewed
        run = s.get(WashRun, run_id)
        assert run is not None and run.settings["target_share_chosen"] == 0.8
        # Rescoring again keeps the supervisor's choice for this run.
        assert learning.rescore(s, SUP, settings).target_share == 0.8
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "review.target_set"))
        assert [e.after["target_share"] for e in events] == [0.97, 0.8]
        with pytest.raises(PermissionDenied):
            learning.set_target_share(s, FOI, settings, run_id=run_id, share=0.9, reason="x")
        with pytest.raises(InputError, match="between 50% and 100%"):
            learning.set_target_share(s, SUP, settings, run_id=run_id, share=1.5, reason="x")
        with pytest.raises(InputError, match="say why"):
            learning.set_target_share(s, SUP, settings, run_id=run_id, share=0.9, reason=" ")


def test_a_wash_without_marks_gives_the_first_operating_point_and_keeps_the_chosen_share(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        m = model()
        kinds = {f"N{i}": NAMESAKE for i in range(6)} | {f"T{i}": TRUE for i in range(6)}
        pairs = {(pid, f"R-{pid}"): "fp" for pid in kinds}
        proof = {(pid, f"R-{pid}"): evidence(k, m) for pid, k in kinds.items()}
        first = make_run(s, pairs, evidence=proof, model_json=json.dumps(m))
        point = learning.estimate_after_wash(s, settings, run_id=first)
        run = s.get(WashRun, first)
        assert run is not None and run.settings["learning"] == point
        assert "labels" not in point  # nothing learnt yet: the run's own probabilities
        assert point["target_share"] == settings.target_share_found
        best = sorted((p for p, _ in proof.values()), reverse=True)
        assert point["operating_threshold"] == learning.expected_operating_threshold(
            best, settings.target_share_found
        )
        assert point["people_to_review"] == sum(
            1 for p in best if p >= point["operating_threshold"]
        )
        assert {round(c["share"], 2) for c in point["curve"]} >= {0.8, 0.9, 0.95, 0.97, 0.99}
        # The supervisor chooses 90 %; the next wash keeps that choice.
        learning.set_target_share(s, SUP, settings, run_id=first, share=0.9, reason="deadline")
        second = make_run(s, pairs, evidence=proof, model_json=json.dumps(m))
        again = learning.estimate_after_wash(s, settings, run_id=second)
        assert again["target_share"] == 0.9
        run2 = s.get(WashRun, second)
        assert run2 is not None and run2.settings["target_share_chosen"] == 0.9
        # Where marks re-score the new run instead, the choice carries over just the same.
        third = make_run(s, pairs, evidence=proof, model_json=json.dumps(m))
        assert learning.rescore(s, SUP, settings, run_id=third).target_share == 0.9
