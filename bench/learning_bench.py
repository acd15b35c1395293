"""How close the wash comes to what labels make possible, and how much reviewers' labels help.

    python bench/learning_bench.py [--datasets genb,synth,febrl4,febrl3] [--labels 300]

For each dataset (bench/run_bench.py makes them):
1. `review.service.wash` as a supervisor runs it, but keeping every pair down to a match
   probability of 0.001 (the model is the same; only more pairs are kept), so that a
   supervised model has the same candidates and more;
2. the **frontier**: gradient boosting on the comparison levels and field weights of those
   candidate pairs, trained on the truth, cross-validated by person (5 folds); people are
   ranked by their best pair; for a share of matched people found, the frontier is how many
   people must be reviewed to find it;
3. the wash's operating point: people with a pair in the review band (p >= 0.5), the share
   of matched people they include, and that count against the frontier's for the same share;
4. **labels**: the first N people of the queue (as reviewers take them) decided from the
   truth through the same services reviewers use (per-record marks, decision, a second
   reviewer's countersignature), then `rescore`; the operating point and the frontier are
   measured again on the people not yet reviewed.
Results: bench/out/learning.json and a section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run_bench  # noqa: E402

REVIEW_BAND = 0.5  # the product's review threshold


def frontier_scores(pairs: list[dict[str, Any]], truth: set[tuple[str, str]]) -> np.ndarray:
    """Out-of-fold probability per pair from gradient boosting, grouped by person."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold

    fields = sorted({e["field"] for p in pairs for e in p["explanation"]})
    levels = sorted({(e["field"], e["level"]) for p in pairs for e in p["explanation"]})
    col = {lv: i for i, lv in enumerate(levels)}
    x = np.zeros((len(pairs), len(fields) + len(levels)))
    for i, p in enumerate(pairs):
        for e in p["explanation"]:
            x[i, fields.index(e["field"])] = float(e["weight"])
            x[i, len(fields) + col[(e["field"], e["level"])]] = 1.0
    y = np.array([(p["person_id"], p["record_id"]) in truth for p in pairs], dtype=int)
    groups = np.array([p["person_id"] for p in pairs])
    out = np.zeros(len(pairs))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.08, random_state=0)
        model.fit(x[train], y[train])
        out[test] = model.predict_proba(x[test])[:, 1]
    return out


def people_needed(
    score_by_person: dict[str, float], found_by_person: set[str], matched: set[str], share: float
) -> int | None:
    """People to review, best score first, until ``share`` of ``matched`` are found."""
    need = share * len(matched)
    got = 0
    for k, pid in enumerate(sorted(score_by_person, key=lambda p: -score_by_person[p]), 1):
        got += pid in found_by_person
        if got >= need - 1e-9:
            return k
    return None


def operating_point(
    pairs: list[dict[str, Any]], truth: set[tuple[str, str]], matched: set[str],
    people: set[str], threshold: float = 0.5,
) -> dict[str, Any]:  # fmt: skip
    flagged = {p["person_id"] for p in pairs if p["person_id"] in people and p["p"] >= threshold}
    found = {
        p["person_id"]
        for p in pairs
        if p["person_id"] in people and p["p"] >= threshold
        and (p["person_id"], p["record_id"]) in truth
    }  # fmt: skip
    in_scope = matched & people
    tp = sum(1 for p in pairs if p["person_id"] in people and p["p"] >= threshold
             and (p["person_id"], p["record_id"]) in truth)  # fmt: skip
    n = sum(1 for p in pairs if p["person_id"] in people and p["p"] >= threshold)
    return {"people_flagged": len(flagged), "share_found": len(found) / max(1, len(in_scope)),
            "pair_precision": tp / n if n else 0.0}  # fmt: skip


def compare(
    pairs: list[dict[str, Any]], scores: np.ndarray, truth: set[tuple[str, str]],
    matched: set[str], people: set[str], share_for_order: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    point = operating_point(pairs, truth, matched, people)
    best: dict[str, float] = {}
    found_any: set[str] = set()
    for p, s in zip(pairs, scores, strict=True):
        if p["person_id"] not in people:
            continue
        best[p["person_id"]] = max(best.get(p["person_id"], 0.0), float(s))
        if (p["person_id"], p["record_id"]) in truth:
            found_any.add(p["person_id"])
    need = people_needed(best, found_any, matched & people, point["share_found"])
    point["frontier_people"] = need
    point["ratio_to_frontier"] = round(point["people_flagged"] / need, 3) if need else None
    point["frontier_people_at_0.97"] = people_needed(best, found_any, matched & people, 0.97)
    # The queue's order: people by their best pair under the wash (after any rescore); how
    # many must be reviewed in that order to find the share the frontier is measured at.
    wash_best: dict[str, float] = {}
    for p in pairs:
        if p["person_id"] in people:
            wash_best[p["person_id"]] = max(wash_best.get(p["person_id"], 0.0), p["p"])
    if share_for_order is not None:
        in_order = people_needed(wash_best, found_any, matched & people, share_for_order)
        at = people_needed(best, found_any, matched & people, share_for_order)
        point["queue_order_share"] = round(share_for_order, 4)
        point["queue_order_people"] = in_order
        point["frontier_people_same_share"] = at
        point["queue_order_ratio"] = round(in_order / at, 3) if in_order and at else None
    return point


def load_pairs(s: Any, run_id: int) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from datawash.wash.models import WashCandidate

    return [
        {"person_id": c.person_id, "record_id": c.record_id, "p": c.match_probability,
         "explanation": [{**e, "weight": e.get("unsupervised_weight", e["weight"])}
                         for e in c.explanation or []]}
        for c in s.scalars(select(WashCandidate).where(WashCandidate.run_id == run_id))
    ]  # fmt: skip


def simulate_reviews(settings: Any, team: Any, truth: set[tuple[str, str]], n: int) -> set[str]:
    """The first n people of the queue decided from the truth, under dual control."""
    from datawash.db import session_scope
    from datawash.review import service as review
    from datawash.review.read import QueueFilter
    from datawash.vocabulary import RecordIdentity

    riley, robin = team["riley.reviewer"], team["robin.reviewer"]
    with session_scope(settings) as s:
        # Only the people a real run would have opened (a pair in the review band): this
        # benchmark keeps pairs down to 0.001 for the frontier's sake.
        order: list[str] = []
        number = 1
        while len(order) < n:
            page = review.queue(s, riley, QueueFilter(per_page=1000, page=number))
            order += [r.person_id for r in page.rows if (r.best_probability or 0) >= REVIEW_BAND]
            if number >= page.pages:
                break
            number += 1
    for pid in order[:n]:
        with session_scope(settings) as s:
            item = review.show(s, riley, pid)
            marks = []
            for c in item.candidates:
                if c.status == "disappeared":
                    continue
                is_true = (pid, c.record_id) in truth
                mark = RecordIdentity.THIS_PERSON if is_true else RecordIdentity.NOT_THIS_PERSON
                marks.append(review.RecordMark(c.record_id, mark, "simulated from truth"))
            any_true = any(m.identity is RecordIdentity.THIS_PERSON for m in marks)
            review.decide(s, riley, person_id=pid,
                          decision="identity_confirmed" if any_true else "not_the_person",
                          reason="simulated from truth", marks=marks)  # fmt: skip
            review.countersign(s, robin, person_id=pid, reason="agreed")
    return set(order[:n])


def run_one(name: str, folder: Path, n_labels: int, learning_order: bool) -> dict[str, Any]:
    import csv

    from datawash.config import Settings
    from datawash.db import session_scope
    from datawash.demo import ensure_demo_users
    from datawash.review import learning
    from datawash.review import service as review

    rows = csv.DictReader((folder / "truth.csv").open())
    truth = {(r["person_id"], r["record_id"]) for r in rows}
    matched = {p for p, _ in truth}
    data = Path(tempfile.mkdtemp(prefix="bench-learn-"))
    febrl = "febrl" in name.lower()
    settings = Settings(data_dir=data, review_threshold=0.001,
                        workforce_min_age=0 if febrl else 16,
                        workforce_max_age=150 if febrl else 100)  # fmt: skip
    team = ensure_demo_users(settings, password="bench-password-not-secret").actors
    t0 = time.perf_counter()
    summary = review.wash(settings=settings, actor=team["sam.supervisor"],
                          workforce=next(folder.glob("workforce.*")),
                          records=next(folder.glob("records.*")), column_map=None)  # fmt: skip
    wash_s = time.perf_counter() - t0
    with session_scope(settings) as s:
        pairs = load_pairs(s, summary.run_id)
    workforce = {r["person_id"] for r in csv.DictReader(next(folder.glob("workforce.*")).open())}
    people = workforce
    scores = frontier_scores(pairs, truth)
    result: dict[str, Any] = {
        "dataset": name, "wash_s": round(wash_s, 1), "pairs_kept": len(pairs),
        "without_labels": compare(pairs, scores, truth, matched, people),
    }  # fmt: skip
    if learning_order:  # the first reviews in learning order (least certain first)
        from datawash.safeguards.service import change

        with session_scope(settings) as s:
            change(s, team["admin"], name="learning_reviews", raw_value=str(n_labels),
                   reason="benchmark: learning order")  # fmt: skip
    reviewed = simulate_reviews(settings, team, truth, n_labels)
    with session_scope(settings) as s:
        got = learning.rescore(s, team["sam.supervisor"], settings, run_id=summary.run_id)
        after = load_pairs(s, summary.run_id)
        p_after = {(c["person_id"], c["record_id"]): c["p"] for c in after}
    rest = people - reviewed
    before_rest = compare(pairs, scores, truth, matched, rest)
    share = before_rest["share_found"]  # what the wash found among them without labels
    before_rest = compare(pairs, scores, truth, matched, rest, share)
    for p in pairs:
        p["p"] = p_after.get((p["person_id"], p["record_id"]), p["p"])
    after_rest = compare(pairs, scores, truth, matched, rest, share)
    result["operating_threshold"] = got.operating_threshold
    result["people_to_review_at_operating_threshold"] = got.people_to_review
    result.update(labels=got.labels, held_out=got.held_out, learning_order=learning_order,
                  unreviewed_before_labels=before_rest,
                  unreviewed_after_labels=after_rest)  # fmt: skip
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default="febrl4,febrl3,synth,genb")
    ap.add_argument("--labels", type=int, default=300)
    ap.add_argument(
        "--orders",
        default="priority,learning",
        help="which first reviews: the queue's priority order, learning order",
    )
    args = ap.parse_args()
    folders = {
        "febrl4": ("FEBRL4", lambda: run_bench.febrl(4)),
        "febrl3": ("FEBRL3", lambda: run_bench.febrl(3)),
        "synth": ("synth 12,225 x 1,000,000", lambda: run_bench.synth(1_000_000, 12225)),
        "genb": ("generator B 12,225 x 1,000,000",
                 lambda: run_bench.generator_b(1_000_000, 12225)),
    }  # fmt: skip
    results = []
    for key in args.datasets.split(","):
        title, make = folders[key]
        print(f"== {title}", flush=True)
        for order in args.orders.split(","):
            row = run_one(title, make(), args.labels, learning_order=order == "learning")
            print(json.dumps(row), flush=True)
            results.append(row)
    (run_bench.OUT / "learning.json").write_text(json.dumps(results, indent=2))
    write_docs(results, args.labels)


def _f(v: object, digits: int = 3) -> str:
    if v is None:
        return "-"
    return f"{v:.{digits}f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)


def write_docs(results: list[dict[str, Any]], n_labels: int) -> None:
    from docs_section import write_section

    lines = [
        "<!-- learning -->",
        "## The frontier, and learning from reviewers (issue 11)",
        "",
        f"`bench/learning_bench.py`, one run on {time.strftime('%Y-%m-%d %H:%M UTC')}"
        f" ({run_bench.machine()}). The wash keeps pairs down to probability 0.001 here so that"
        " the frontier (gradient boosting on the same candidates' levels and weights, trained"
        " on the truth, 5 folds by person) has the same candidates; 'flagged' is the wash's"
        " review band (p >= 0.5). Then the first"
        f" {n_labels} people of the queue are decided from the truth through the review"
        " services (marks, decision, countersignature) and `rescore` runs.",
        "",
        "| dataset | people flagged | matched people found | pair precision | frontier people,"
        " same share | ratio | frontier people for 0.97 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in (r for r in results if not r.get("learning_order")):
        w = r["without_labels"]
        lines.append(
            f"| {r['dataset']} | {_f(w['people_flagged'])} | {_f(w['share_found'])} | "
            f"{_f(w['pair_precision'])} | {_f(w['frontier_people'])} | "
            f"{_f(w['ratio_to_frontier'])} | {_f(w['frontier_people_at_0.97'])} |"
        )
    lines += [
        "",
        f"After {n_labels} reviewed people (the first of the queue in priority order, or in"
        " learning order: the least certain first), on the people not yet reviewed: the"
        " queue's order"
        " (best pair first) against the frontier's, people to review to find the share the"
        " wash found among them without labels; and the review band at p >= 0.5.",
        "",
        "| dataset | first reviews | marks | held-out precision (before) | share |"
        " queue order before |"
        " queue order after | frontier | ratio after | band after: people, share, precision |"
        " operating point (people) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        b, a, h = r["unreviewed_before_labels"], r["unreviewed_after_labels"], r["held_out"]
        lines.append(
            f"| {r['dataset']} | {'learning' if r.get('learning_order') else 'priority'} | "
            f"{_f(r['labels'])} | {_f(h.get('precision'))} "
            f"({_f(h.get('precision_without_labels'))}) | {_f(b.get('queue_order_share'))} | "
            f"{_f(b.get('queue_order_people'))} | {_f(a.get('queue_order_people'))} | "
            f"{_f(a.get('frontier_people_same_share'))} | {_f(a.get('queue_order_ratio'))} | "
            f"{_f(a['people_flagged'])}, {_f(a['share_found'])}, {_f(a['pair_precision'])} | "
            f"{_f(r.get('operating_threshold'))} "
            f"({_f(r.get('people_to_review_at_operating_threshold'))}) |"
        )
    lines.append("<!-- /learning -->")
    write_section("<!-- learning -->", "<!-- /learning -->", "\n".join(lines))


if __name__ == "__main__":
    main()
