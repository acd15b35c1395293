"""Learning from reviewers: every per-record identity mark is a labelled pair.

A labelled pair is known by the comparison level it fell in for each field (the levels its
explanation names) and the weight each field gave it, so the model can be re-estimated and
the pending pairs re-scored without reading the extract again.

The reviewers see candidates, not random pairs, so what their marks measure is how often a
*candidate* in a given level is the person. That is learnt as a correction to the
unsupervised model, fitted by penalised logistic regression with the model's match weight
as the offset:

    logit P(this person) = W * ln 2 + b + sum of beta[field, level]

W is the pair's match weight (bits) under the unsupervised model; beta a correction per
comparison level (levels fixed by design, such as a generation apart, keep their weight);
b recalibrates the prior. Every parameter is pulled towards "no change" (0) by a Gaussian
prior, so a handful of labels changes little and hundreds change a lot. The result is
written back as a model Splink can read: each level's m moves by its correction (m up where
marked pairs are more often the person than the model thought, down where namesakes
gather), renormalised within its comparison, with u rescaled to keep m / u; the prior
probability takes b.

Held out: the labels are split by person into folds; each fold is scored by the model learnt
from the others, which estimates precision and recall at the review threshold.

Written here because Splink learns from labels only by re-reading both tables
(`estimate_m_from_pairwise_labels` needs the records); we have the stored levels.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datawash.linkage.comparisons import FIELD_LABELS

PRIOR_SHIFT_PRIOR = 1.0  # precision of the pull of the prior's correction b towards 0
LEVEL_PRIOR = 1.0  # precision of the pull of each level's correction towards 0 (log-odds)
FOLDS = 5
LN2 = math.log(2.0)


@dataclass(frozen=True)
class LabelledPair:
    person_id: str
    levels: dict[str, str]  # field label ("date of birth") -> level label
    weights: dict[str, float]  # field label -> the weight it gave (level and term frequency)
    is_match: bool


@dataclass
class Learnt:
    """The model learnt from labels: a Splink model and the calibration beside it."""

    model: dict[str, Any]
    b_bits: float = 0.0  # the prior's correction
    corrections: dict[str, dict[str, float]] = field(default_factory=dict)  # bits

    def field_weight(self, fld: str, level: str, weight: float) -> float:
        """A field's weight (bits) after learning, from its weight under the old model."""
        return weight + self.corrections.get(fld, {}).get(level, 0.0)

    def prior(self, old_prior: float) -> float:
        return old_prior + self.b_bits

    def probability(self, old_prior: float, fields: list[tuple[str, str, float]]) -> float:
        w = self.prior(old_prior) + sum(self.field_weight(f, lv, wt) for f, lv, wt in fields)
        return probability(w)


def probability(weight_bits: float) -> float:
    z = weight_bits * LN2
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def level_weights(model: dict[str, Any]) -> dict[str, dict[str, float]]:
    """field label -> level label -> log2(m / u); null levels, and levels without both
    probabilities, weigh 0."""
    out: dict[str, dict[str, float]] = {}
    for comp in model["comparisons"]:
        fld = FIELD_LABELS[comp["output_column_name"]]
        out[fld] = {}
        for lv in comp["comparison_levels"]:
            m, u = lv.get("m_probability"), lv.get("u_probability")
            known = isinstance(m, (int, float)) and isinstance(u, (int, float))
            usable = known and not lv.get("is_null_level") and m > 0 and u > 0
            out[fld][lv["label_for_charts"]] = math.log2(m / u) if usable else 0.0
    return out


def field_weights(model: dict[str, Any], levels: dict[str, str]) -> dict[str, float]:
    """Each field's weight for these levels under ``model`` (no term frequencies)."""
    weights = level_weights(model)
    return {fld: weights.get(fld, {}).get(lvl, 0.0) for fld, lvl in levels.items()}


def prior_weight(model: dict[str, Any]) -> float:
    lam = float(model["probability_two_random_records_match"])
    return math.log2(lam / (1.0 - lam))


def _free_levels(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, level) that labels may correct: not null, not fixed by design."""
    out = []
    for comp in model["comparisons"]:
        fld = FIELD_LABELS[comp["output_column_name"]]
        for lv in comp["comparison_levels"]:
            if not lv.get("is_null_level") and not lv.get("fix_m_probability"):
                out.append((fld, lv["label_for_charts"]))
    return out


def _fit(
    offsets: np.ndarray, x: np.ndarray, y: np.ndarray, level_prior: float = LEVEL_PRIOR
) -> tuple[float, np.ndarray]:
    """MAP logistic regression: logit p = offset + b + x . beta, with Gaussian priors at
    b = 0 and beta = 0; Newton's method (a few dozen parameters). The offset (the model's
    own log-odds) is not rescaled: a perfectly separable label set would send a scale to
    infinity, while each correction stays bounded by its prior."""
    k = x.shape[1]
    theta = np.zeros(k + 1)
    precision = np.r_[PRIOR_SHIFT_PRIOR, np.full(k, level_prior)]
    design = np.c_[np.ones_like(offsets), x]
    for _ in range(100):
        z = np.clip(offsets + design @ theta, -60, 60)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = design.T @ (p - y) + precision * theta
        hess = (design * (p * (1 - p))[:, None]).T @ design + np.diag(precision)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-9:
            break
    return float(theta[0]), theta[1:]


# How strongly each level's correction is pulled to zero: chosen per run by held-out marks,
# the last (corrections all but off) when no correction predicts held-out marks better. The
# marks come from the top of the queue, not from a random sample, so a correction that fits
# them need not help further down; when it does not hold up on other people, it is not made.
STRENGTHS = (0.5, 1.0, 4.0, 16.0, 1e6)


def choose_strength(offsets: np.ndarray, x: np.ndarray, y: np.ndarray, people: list[str]) -> float:
    """The level-correction strength with the best held-out log-likelihood, folds by person
    (the prior shift is always learnt). With too few people to hold any out: LEVEL_PRIOR."""
    ids = sorted(set(people))
    if len(ids) < 2 * FOLDS:
        return LEVEL_PRIOR
    fold = {pid: i % FOLDS for i, pid in enumerate(ids)}
    folds = np.array([fold[p] for p in people])
    best, best_loss = STRENGTHS[-1], math.inf
    for strength in STRENGTHS:
        loss = 0.0
        for k in range(FOLDS):
            train, test = folds != k, folds == k
            if not test.any() or y[train].min() == y[train].max():
                continue
            b, beta = _fit(offsets[train], x[train], y[train], strength)
            z = np.clip(offsets[test] + b + x[test] @ beta, -60, 60)
            p = 1.0 / (1.0 + np.exp(-z))
            loss -= float(
                np.sum(y[test] * np.log(p + 1e-12) + (1 - y[test]) * np.log(1 - p + 1e-12))
            )
        if loss < best_loss - 1e-9:
            best, best_loss = strength, loss
    return best


def learn(model: dict[str, Any], pairs: list[LabelledPair]) -> Learnt:
    """The model corrected by the reviewers' marks (see the module's docstring)."""
    levels = _free_levels(model)
    if not pairs or all(p.is_match for p in pairs) or not any(p.is_match for p in pairs):
        return Learnt(model=json.loads(json.dumps(model)))
    index = {lv: i for i, lv in enumerate(levels)}
    prior = prior_weight(model)
    offsets = np.array([(prior + sum(p.weights.values())) * LN2 for p in pairs])
    x = np.zeros((len(pairs), len(levels)))
    for row, p in enumerate(pairs):
        for fld, lvl in p.levels.items():
            col = index.get((fld, lvl))
            if col is not None:
                x[row, col] = 1.0
    y = np.array([1.0 if p.is_match else 0.0 for p in pairs])
    strength = choose_strength(offsets, x, y, [p.person_id for p in pairs])
    b, beta = _fit(offsets, x, y, strength)
    corrections: dict[str, dict[str, float]] = {}
    for (fld, lvl), value in zip(levels, beta, strict=True):
        if abs(value) > 1e-12:
            corrections.setdefault(fld, {})[lvl] = float(value) / LN2  # in bits
    rewritten = _rewrite_m(model, corrections)
    shifted = prior_weight(model) + b / LN2
    rewritten["probability_two_random_records_match"] = 1.0 / (1.0 + 2.0**-shifted)
    return Learnt(model=rewritten, corrections=corrections, b_bits=b / LN2)


def _rewrite_m(model: dict[str, Any], corrections: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Each corrected level's m times 2**correction, renormalised within its comparison, and
    u divided by the same normaliser, so that log2(m / u) moves by exactly the correction."""
    out: dict[str, Any] = json.loads(json.dumps(model))
    for comp in out["comparisons"]:
        fld = FIELD_LABELS[comp["output_column_name"]]
        fixes = corrections.get(fld)
        if not fixes:
            continue
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        free = [lv for lv in levels if not lv.get("fix_m_probability")]
        raised = {
            lv["label_for_charts"]: float(lv.get("m_probability") or 0.0)
            * 2 ** fixes.get(lv["label_for_charts"], 0.0)
            for lv in free
        }
        # The free levels keep their share of m (fixed levels keep theirs).
        before = sum(float(lv.get("m_probability") or 0.0) for lv in free)
        factor = (sum(raised.values()) / before) if before else 1.0
        for lv in free:
            # At most 1: the surname's two "same" levels each carry the whole P(same | one
            # person) (engine.household_m), so a comparison's m can add up to more than 1.
            lv["m_probability"] = min(1.0, raised[lv["label_for_charts"]] / factor)
            if isinstance(lv.get("u_probability"), (int, float)):
                lv["u_probability"] = float(lv["u_probability"]) / factor
    return out


def held_out(
    model: dict[str, Any],
    pairs: list[LabelledPair],
    *,
    threshold: float,
    target_share: float = 0.97,
) -> dict[str, float | int | None]:
    """Precision and recall at ``threshold`` on labels held out by person (FOLDS folds), for
    the model learnt from the other labels and for the model as it was (no labels)."""
    people = sorted({p.person_id for p in pairs})
    if len(people) < FOLDS or all(p.is_match for p in pairs) or not any(p.is_match for p in pairs):
        return {"folds": 0}
    fold_of = {pid: i % FOLDS for i, pid in enumerate(people)}
    prior = prior_weight(model)
    learnt_rows: list[tuple[bool, bool]] = []
    before_rows: list[tuple[bool, bool]] = []
    for k in range(FOLDS):
        train = [p for p in pairs if fold_of[p.person_id] != k]
        learnt = learn(model, train)
        for p in (p for p in pairs if fold_of[p.person_id] == k):
            fields = [(f, p.levels[f], w) for f, w in p.weights.items()]
            prob = learnt.probability(prior, fields)
            learnt_rows.append((prob >= threshold, p.is_match))
            before = probability(prior + sum(p.weights.values()))
            before_rows.append((before >= threshold, p.is_match))

    def pr(rows: list[tuple[bool, bool]]) -> tuple[float | None, float | None]:
        tp = sum(1 for flag, truth in rows if flag and truth)
        flagged = sum(1 for flag, _ in rows if flag)
        true = sum(1 for _, truth in rows if truth)
        return (tp / flagged if flagged else None, tp / true if true else None)

    p_new, r_new = pr(learnt_rows)
    p_old, r_old = pr(before_rows)
    return {"folds": FOLDS, "labels": len(pairs), "precision": p_new, "recall": r_new,
            "precision_without_labels": p_old, "recall_without_labels": r_old,
            "target_share": target_share}  # fmt: skip
