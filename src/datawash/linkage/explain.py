"""Per-field explanations a reviewer can read, built from Splink's comparison vectors.

Each pair gets, per comparison, the level it fell in and the weight it contributed (the
level's match weight plus any term-frequency adjustment), e.g.
"date of birth: day and month swapped, +3.9".
"""

from __future__ import annotations

from typing import Any

from datawash.linkage.comparisons import (
    CONFIRMING_LEVELS,
    FIELD_LABELS,
    MISSING_LABEL,
    all_comparisons,
)


def gamma_labels(comparison: dict[str, Any]) -> dict[int, str]:
    """Splink's comparison vector values: null levels are -1, the others count down to 0."""
    levels = comparison["comparison_levels"]
    non_null = [lv for lv in levels if not lv.get("is_null_level")]
    labels: dict[int, str] = {-1: MISSING_LABEL}
    for i, level in enumerate(non_null):
        labels[len(non_null) - 1 - i] = level["label_for_charts"]
    return labels


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pairs_sql(
    predictions: str,
    *,
    confirmed_threshold: float,
    comparisons: list[dict[str, Any]] | None = None,
) -> str:
    """Pairs with band and explanation from a Splink predictions table scored with
    ``comparisons`` (the model's: a trained model may weigh a missing value, which then is a
    level of its own; default the comparisons as defined)."""
    comps = comparisons if comparisons is not None else all_comparisons()
    parts = []
    for comp in comps:
        name = comp["output_column_name"]
        cases = " ".join(
            f"WHEN {value} THEN {_sql_str(label)}" for value, label in gamma_labels(comp).items()
        )
        tf = f' + coalesce("mw_tf_adj_{name}", 0)' if _has_tf(comp) else ""
        parts.append(
            f"{{'field': {_sql_str(FIELD_LABELS[name])}, "
            f"'level': CASE \"gamma_{name}\" {cases} END, "
            f"'weight': round(\"mw_{name}\"{tf}, 2)}}"
        )
    return f"""
    SELECT
        unique_id_l AS person_id,
        unique_id_r AS record_id,
        match_probability,
        match_weight,
        CASE WHEN match_probability >= {confirmed_threshold} AND {confirming_sql(comps)}
            THEN 'confirmed' ELSE 'review' END AS band,
        [{", ".join(parts)}] AS explanation
    FROM {predictions}
    """


def confirming_sql(comparisons: list[dict[str, Any]] | None = None) -> str:
    """The confirmed band's evidence rule (comparisons.CONFIRMING_LEVELS) on Splink's
    comparison vector."""
    parts = []
    for comp in comparisons if comparisons is not None else all_comparisons():
        name = comp["output_column_name"]
        wanted = CONFIRMING_LEVELS.get(name)
        if wanted is None:
            continue
        gammas = sorted(g for g, label in gamma_labels(comp).items() if label in wanted)
        assert len(gammas) == len(wanted), f"a confirming level of {name} is not a level"
        parts.append(f'"gamma_{name}" IN ({", ".join(str(g) for g in gammas)})')
    return "(" + " AND ".join(parts) + ")"


def confirms(explanation: list[dict[str, Any]]) -> bool:
    """The same rule on a stored explanation (field label -> level label), for a rescore."""
    levels = {e["field"]: e["level"] for e in explanation}
    return all(
        levels.get(FIELD_LABELS[name]) in wanted for name, wanted in CONFIRMING_LEVELS.items()
    )


def _has_tf(comparison: dict[str, Any]) -> bool:
    return any(lv.get("tf_adjustment_column") for lv in comparison["comparison_levels"])


def explanation_text(items: list[dict[str, Any]]) -> list[str]:
    """["date of birth: day and month swapped, +3.9", ...] strongest evidence first."""
    ordered = sorted(items, key=lambda it: -abs(float(it.get("weight") or 0.0)))
    return [f"{it['field']}: {it['level']}, {float(it['weight'] or 0.0):+.1f}" for it in ordered]
