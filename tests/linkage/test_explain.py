"""The confirmed band's rule (issue 11): a high probability alone never confirms a pair;
forename, surname, date of birth and address must each agree (comparisons.CONFIRMING_LEVELS),
read the same way on Splink's comparison vector (the wash) and on a stored explanation (a
rescore)."""

from __future__ import annotations

import itertools
from typing import Any

import duckdb

from datawash.linkage.comparisons import CONFIRMING_LEVELS, FIELD_LABELS, all_comparisons
from datawash.linkage.explain import confirming_sql, confirms, gamma_labels, pairs_sql


def _levels() -> dict[str, dict[int, str]]:
    return {c["output_column_name"]: gamma_labels(c) for c in all_comparisons()}


def test_every_field_must_agree_and_the_two_readings_are_one() -> None:
    """Every combination of one confirming and one other level per field: confirmed exactly
    when all four confirm, on the comparison vector as on the explanation."""
    levels = _levels()
    choices: dict[str, list[int]] = {}
    for name, labels in levels.items():
        wanted = CONFIRMING_LEVELS.get(name)
        if wanted is None:
            choices[name] = [next(iter(labels))]  # gender: any level, it never decides
            continue
        yes = next(g for g, label in labels.items() if label in wanted)
        no = [g for g, label in labels.items() if label not in wanted]
        choices[name] = [yes, no[0], no[-1]]  # missing (-1) and the weakest
    names = list(choices)
    con = duckdb.connect()
    rows = list(itertools.product(*(choices[n] for n in names)))
    con.execute(
        "CREATE TABLE v AS SELECT * FROM (VALUES "
        + ", ".join("(" + ", ".join(str(g) for g in row) + ")" for row in rows)
        + ") t(" + ", ".join(f'"gamma_{n}"' for n in names) + ")"
    )  # fmt: skip
    by_sql = [bool(r[0]) for r in con.execute(f"SELECT {confirming_sql()} FROM v").fetchall()]
    read_back = con.execute("SELECT * FROM v").fetchall()
    confirmed = 0
    for row, sql_says in zip(read_back, by_sql, strict=True):
        explanation: list[dict[str, Any]] = [
            {"field": FIELD_LABELS[n], "level": levels[n][g], "weight": 0.0}
            for n, g in zip(names, row, strict=True)
        ]
        chosen = dict(zip(names, row, strict=True))
        all_agree = all(levels[n][chosen[n]] in wanted for n, wanted in CONFIRMING_LEVELS.items())
        assert sql_says == confirms(explanation) == all_agree, explanation
        confirmed += all_agree
    assert confirmed == 1  # one combination of the choices agrees on every field


def test_a_certain_probability_without_the_evidence_is_reviewed() -> None:
    """Two pairs scored 0.9999: the one whose address differs goes to review; the one with
    every field agreeing is confirmed; one agreeing on everything below the threshold is
    reviewed too."""
    levels = _levels()
    names = list(levels)

    def gamma(name: str, agree: bool) -> int:
        wanted = CONFIRMING_LEVELS.get(name)
        labels = levels[name]
        if wanted is None:
            return max(labels)
        return next(g for g, label in labels.items() if (label in wanted) == agree)

    pairs = [
        ("P1", "R1", 0.9999, {n: gamma(n, True) for n in names}),
        ("P2", "R2", 0.9999, {n: gamma(n, n != "address") for n in names}),
        ("P3", "R3", 0.99, {n: gamma(n, True) for n in names}),
    ]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE predictions AS SELECT * FROM (VALUES "
        + ", ".join(
            f"('{p}', '{r}', {prob}, 10.0, " + ", ".join(str(g[n]) for n in names)
            + ", " + ", ".join("0.0" for _ in names * 2) + ")"
            for p, r, prob, g in pairs
        )
        + ") t(unique_id_l, unique_id_r, match_probability, match_weight, "
        + ", ".join(f'"gamma_{n}"' for n in names) + ", "
        + ", ".join(f'"mw_{n}"' for n in names) + ", "
        + ", ".join(f'"mw_tf_adj_{n}"' for n in names) + ")"
    )  # fmt: skip
    bands = dict(
        con.execute(
            "SELECT person_id, band FROM ("
            + pairs_sql("predictions", confirmed_threshold=0.995, comparisons=all_comparisons())
            + ")"
        ).fetchall()
    )
    assert bands == {"P1": "confirmed", "P2": "review", "P3": "review"}
