"""Learning from reviewers' marks: corrections go the way the labels point, nothing changes
without labels, and held-out labels measure the gain."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from datawash.linkage import labels as L
from datawash.linkage.comparisons import all_comparisons
from datawash.linkage.engine import condition_on_full_name, with_fallback

ZONE = "one digit off in day or month (same full name)"


def model() -> dict[str, Any]:
    base = {"probability_two_random_records_match": 1e-5, "comparisons": all_comparisons()}
    filled = with_fallback(with_fallback(base, kind="m", replace=False), kind="u", replace=True)
    return condition_on_full_name(filled, {})


def pair(pid: str, dob: str, is_match: bool, m: dict[str, Any]) -> L.LabelledPair:
    levels = {"forename": "same", "surname": "same", "date of birth": dob, "gender": "same",
              "address": "elsewhere (moved or different)"}  # fmt: skip
    weights = L.field_weights(m, levels)
    return L.LabelledPair(pid, levels, weights, is_match)


def m_of(model: dict[str, Any], label: str) -> float:
    dob = next(c for c in model["comparisons"] if c["output_column_name"] == "date_of_birth")
    return float(next(lv for lv in dob["comparison_levels"]
                      if lv["label_for_charts"] == label)["m_probability"])  # fmt: skip


def test_namesakes_marked_not_the_person_lower_the_near_miss_m() -> None:
    m = model()
    pairs = [pair(f"N{i}", ZONE, False, m) for i in range(40)]
    pairs += [pair(f"T{i}", "same", True, m) for i in range(60)]
    learnt = L.learn(m, pairs)
    assert m_of(learnt.model, ZONE) < m_of(m, ZONE)  # down where namesakes gather
    assert learnt.corrections["date of birth"][ZONE] < 0
    prior = L.prior_weight(m)

    def p(pr: L.LabelledPair) -> float:
        return learnt.probability(prior, [(f, pr.levels[f], w) for f, w in pr.weights.items()])

    assert p(pairs[0]) < 0.5 < p(pairs[40])  # the namesakes now fall below review
    # The rewritten model's weights are the old ones plus the corrections, exactly.
    old, new = L.level_weights(m), L.level_weights(learnt.model)
    assert new["date of birth"][ZONE] == pytest.approx(
        old["date of birth"][ZONE] + learnt.corrections["date of birth"][ZONE]
    )

    def total(model: dict[str, Any]) -> float:
        dob = next(c for c in model["comparisons"] if c["output_column_name"] == "date_of_birth")
        return sum(lv["m_probability"] for lv in dob["comparison_levels"]
                   if not lv.get("is_null_level"))  # fmt: skip

    assert total(learnt.model) == pytest.approx(total(m))  # m's mass is kept


def test_matches_marked_this_person_raise_the_level() -> None:
    m = model()
    pairs = [pair(f"T{i}", ZONE, True, m) for i in range(40)]
    pairs += [pair(f"N{i}", "same", False, m) for i in range(40)]
    learnt = L.learn(m, pairs)
    assert m_of(learnt.model, ZONE) > m_of(m, ZONE)


def test_rules_fixed_by_design_are_not_learnt() -> None:
    m = model()
    pairs = [pair(f"T{i}", "a generation apart", True, m) for i in range(50)]
    pairs += [pair(f"N{i}", "same", False, m) for i in range(5)]
    learnt = L.learn(m, pairs)
    assert "a generation apart" not in learnt.corrections.get("date of birth", {})
    assert m_of(learnt.model, "a generation apart") == m_of(m, "a generation apart")


def test_no_labels_or_one_kind_change_nothing() -> None:
    m = model()
    for pairs in ([], [pair("T", "same", True, m)]):
        learnt = L.learn(m, pairs)
        assert learnt.b_bits == 0.0 and learnt.corrections == {}
        assert json.dumps(learnt.model, sort_keys=True) == json.dumps(m, sort_keys=True)


def test_few_labels_move_little_many_move_more() -> None:
    m = model()

    def correction(n: int) -> float:
        pairs = [pair(f"N{i}", ZONE, False, m) for i in range(n)]
        pairs += [pair(f"T{i}", "same", True, m) for i in range(n)]
        return L.learn(m, pairs).corrections["date of birth"][ZONE]

    assert abs(correction(3)) < abs(correction(100))


def test_held_out_labels_show_the_gain() -> None:
    m = model()
    pairs = [pair(f"N{i}", ZONE, False, m) for i in range(60)]
    pairs += [pair(f"T{i}", ZONE, True, m) for i in range(6)]
    pairs += [pair(f"S{i}", "same", True, m) for i in range(60)]
    got = L.held_out(m, pairs, threshold=0.5)
    assert got["folds"] == L.FOLDS
    assert got["precision_without_labels"] == pytest.approx(66 / 126)  # all flagged before
    assert isinstance(got["precision"], float) and got["precision"] > 0.9
    assert isinstance(got["recall"], float) and got["recall"] > 0.85


def test_probability_is_the_logistic_of_the_weight() -> None:
    assert L.probability(0.0) == 0.5
    assert L.probability(math.log2(9)) == pytest.approx(0.9)


def test_corrections_are_made_only_where_they_hold_up_on_other_people() -> None:
    import numpy as np

    rng = np.random.default_rng(3)
    people = [f"P{i}" for i in range(200)]
    x = np.zeros((200, 2))
    x[:100, 0] = 1.0  # level A
    x[100:, 1] = 1.0  # level B
    offsets = np.zeros(200)
    # The model is right (p = 0.5 everywhere): labels are coin flips, nothing to correct.
    noise = (rng.random(200) < 0.5).astype(float)
    assert L.choose_strength(offsets, x, noise, people) == L.STRENGTHS[-1]
    # Level A is never the person, level B always: the correction holds up out of fold.
    signal = np.r_[np.zeros(100), np.ones(100)]
    assert L.choose_strength(offsets, x, signal, people) <= 1.0
