"""The comparisons: what counts as evidence for and against "this record is this person".

Each comparison is a Splink comparison dict over the columns of features.py. Levels are
tested top to bottom; the first true one is the pair's level. Labels are what reviewers
read in explanations ("date of birth: day and month swapped, +3.9").
"""

from __future__ import annotations

from typing import Any

# A date of birth a generation apart is strong evidence against whatever EM learns from
# relatives in the data: its m probability is fixed (keying errors that large are rare).
GENERATION_YEARS = 14
GENERATION_APART_M = 1e-8
GENDER_DIFFERENT_M = 0.01
# Likewise a date of birth unrelated to the person's (not swapped, one digit off or a
# placeholder) is rare in true records; on small extracts EM can learn it as harmless
# because blocking on names brings in many namesakes.
DOB_DIFFERENT_M = 0.02


def _level(
    sql: str,
    label: str,
    *,
    null: bool = False,
    tf: str | None = None,
    m: float | None = None,
    fix_m: bool = False,
) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    if m is not None:
        level["m_probability"] = m
        level["fix_m_probability"] = fix_m
    return level


def one_edit(a: str, b: str) -> str:
    """SQL for ``damerau_levenshtein(a, b) <= 1`` - the same answer for every pair, in a
    quarter of the time: DuckDB's Damerau-Levenshtein is its slowest string function, and
    only a pair of equal length differing in exactly two places can be one transposition
    apart. Each WHEN is evaluated only for the pairs no earlier one settled (a CASE; an OR
    would evaluate both sides for every pair). Written here because no library offers it."""
    return (
        f"(CASE WHEN {a} = {b} THEN TRUE "
        f"WHEN abs(length({a}) - length({b})) > 1 THEN FALSE "
        f"WHEN length({a}) <> length({b}) THEN levenshtein({a}, {b}) <= 1 "
        f"WHEN hamming({a}, {b}) <= 1 THEN TRUE "
        f"WHEN hamming({a}, {b}) = 2 THEN damerau_levenshtein({a}, {b}) = 1 "
        f"ELSE FALSE END)"
    )


def _else(label: str = "different") -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": label}


# A value missing on one side. Splink weighs it 0 (the null level), which assumes a true
# record lacks the value as often as any other record does. Where that can be measured it is
# (engine.missing_probabilities), and the level then carries a weight like any other. One
# side's test per comparison, written with {p} (a table alias) and {s} (Splink's _l or _r).
MISSING_LABEL = "missing on one side"
MISSING_SIDE = {
    "date_of_birth": '{p}"dob{s}" IS NULL',
    "gender": '{p}"gender{s}" IS NULL OR {p}"gender{s}" = \'X\'',
    "address": '{p}"pc{s}" IS NULL AND {p}"addr{s}" IS NULL',
}


def missing_side(comparison: str, *, alias: str = "", suffix: str = "") -> str:
    """One side's "this value is missing" test for ``comparison`` (see MISSING_SIDE)."""
    return "(" + MISSING_SIDE[comparison].format(p=alias, s=suffix) + ")"


def _missing_level(comparison: str) -> dict[str, Any]:
    either = " OR ".join(missing_side(comparison, suffix=s) for s in ("_l", "_r"))
    return _level(either, "missing", null=True)


# Forename and surname keyed the other way round, allowing for the other perturbations
# that come with it (a middle name, a short form, a slight misspelling).
SWAPPED = (
    '(list_contains(sn_forms_l, "fn1_r") OR jaro_winkler_similarity("sn_l", "fn1_r") >= 0.92) '
    'AND (list_contains(fn_keys_all_l, "sn_r") OR list_contains(fn_all_l, "sn_r") '
    'OR jaro_winkler_similarity("fn1_l", "sn_r") >= 0.92) '
    'AND NOT ("fn1_l" = "fn1_r" AND "sn_l" = "sn_r")'
)

# Only one name keyed in the other's field (the other field holding something else: the
# surname typed first, a forename lost): the evidence the swap rule needs both names for.
# Each is a level of the comparison whose name moved, below every way the name itself can
# agree; EM learns how often true records carry it (where none do, it weighs little).
# A name that is both a forename and a form of the surname of the person (Owen Owen) has not
# moved: it is left to the comparisons of its own field. Any of the person's forenames may
# have moved: a middle name used as the first and then keyed in the surname field is how one
# system keys it (generator B). Only the first forename was tried too (a middle name as
# surname can be a namesake): one person more found on synth, one fewer on generator B, so
# the level stays as it is and EM weighs it (+0.7 on generator B). An empty name field is
# "missing" on its own comparison first, whatever the other field holds.
FORENAME_AS_SURNAME = (
    '(list_contains(fn_all_l, "sn_r") OR list_contains(fn_keys_all_l, "sn_r")) '
    'AND NOT list_contains(sn_forms_l, "sn_r")'
)
SURNAME_AS_FORENAME = (
    'list_contains(sn_forms_l, "fn1_r") '
    'AND NOT (list_contains(fn_all_l, "fn1_r") OR list_contains(fn_keys_all_l, "fn1_r"))'
)


def forename() -> dict[str, Any]:
    return {
        "output_column_name": "forename",
        "comparison_description": "forename",
        "comparison_levels": [
            _level('"fn1_l" IS NULL OR "fn1_r" IS NULL', "missing", null=True),
            _level(SWAPPED, "forename and surname swapped"),
            _level('"fn1_l" = "fn1_r"', "same", tf="fn1"),
            _level(
                "list_has_any(fn_keys_l, fn_keys_r)",
                "nickname, short form or transliteration",
            ),
            _level(
                'jaro_winkler_similarity("fn1_l", "fn1_r") >= 0.92 '
                "OR " + one_edit('"fn1_l"', '"fn1_r"'),
                "spelling differs slightly",
            ),
            _level(
                "list_has_any(fn_keys_all_l, fn_keys_all_r)",
                "another forename or alias matches (middle name used)",
            ),
            _level('"fn_ph_l" = "fn_ph_r"', "sounds the same"),
            _level(FORENAME_AS_SURNAME, "keyed in the surname field"),
            _level('left("fn1_l", 1) = left("fn1_r", 1)', "same initial only"),
            _else(),
        ],
    }


# Where households live. Two people with the same surname at the same address are most
# often relatives, not one person: among random pairs a shared surname and a shared house
# are each rare, and adding them up as independent evidence makes a sibling or a spouse a
# near-certain match. So a surname agreeing at the same address (house number and street)
# is a level of its own, whose u is learnt among pairs at the same address (engine.py
# conditions it on that block), with the m of any surname agreeing. The same address is the
# same postcode and house: a house number and street name alone recur from town to town.
SAME_ADDRESS = '"pc_l" = "pc_r" AND "addr_key_l" = "addr_key_r"'
HOUSEHOLD_ZONE = " (at the same address)"


def surname() -> dict[str, Any]:
    return {
        "output_column_name": "surname",
        "comparison_description": "surname",
        "comparison_levels": [
            _level('"sn_l" IS NULL OR "sn_r" IS NULL', "missing", null=True),
            # The swap is counted once, on the forename comparison.
            _level(SWAPPED, "swapped with forename (counted there)", null=True),
            _level(f'"sn_l" = "sn_r" AND {SAME_ADDRESS}', "same" + HOUSEHOLD_ZONE),
            _level('"sn_l" = "sn_r"', "same", tf="sn"),
            _level(
                "list_has_any(sn_forms_l, sn_forms_r)",
                "previous surname, alias, part of a double-barrelled name or spelling form",
            ),
            _level(
                'jaro_winkler_similarity("sn_l", "sn_r") >= 0.92 '
                "OR " + one_edit('"sn_l"', '"sn_r"'),
                "spelling differs slightly",
            ),
            _level('"sn_ph_l" = "sn_ph_r"', "sounds the same"),
            _level(SURNAME_AS_FORENAME, "keyed in the forename field"),
            _else(),
        ],
    }


# Where namesakes live. A date of birth one digit off is good evidence between two people
# with different names (random pairs almost never come that close), but between two people
# with the same full name it is what a namesake born the same year looks like: the weight
# of a near miss is learnt separately among pairs that agree on the full name (engine.py
# conditions its u on that block), instead of assuming the fields independent.
SAME_FULL_NAME = '"full_name_l" = "full_name_r"'
NAMESAKE_ZONE = " (same full name)"
DOB_ONE_EDIT = one_edit('"dob_s_l"', '"dob_s_r"')
NEAR_MISSES = (
    ('"dob_swap_l" = "dob_r"', "day and month swapped"),
    (
        f'"dob_year_l" = "dob_year_r" AND {DOB_ONE_EDIT}',
        "one digit off in day or month",
    ),
    # Before the generation gap: "1985" keyed as "1965" is a typo, and a parent and child
    # almost never share day, month and all but one digit of the year. One edit that changes
    # the year leaves day and month as they were, so the cheap test goes first: DuckDB then
    # computes the edit distance for those pairs only (the date-of-birth comparison took a
    # quarter of predict's comparisons, most of it four edit distances for every pair).
    (f'"dob_md_l" = "dob_md_r" AND {DOB_ONE_EDIT}', "one digit off in the year"),
    ('"dob_jan1_r" AND "dob_year_l" = "dob_year_r"', "1 January placeholder in the same year"),
)


def date_of_birth() -> dict[str, Any]:
    near: list[dict[str, Any]] = []
    for sql, label in NEAR_MISSES:
        near.append(_level(f"{SAME_FULL_NAME} AND ({sql})", label + NAMESAKE_ZONE))
        near.append(_level(sql, label))
    return {
        "output_column_name": "date_of_birth",
        "comparison_description": "date of birth",
        "comparison_levels": [
            _missing_level("date_of_birth"),
            _level('"dob_l" = "dob_r" AND NOT "dob_jan1_r"', "same"),
            _level('"dob_l" = "dob_r"', "same, but 1 January (often a placeholder)"),
            *near,
            _level(
                f'abs("dob_year_l" - "dob_year_r") >= {GENERATION_YEARS}',
                "a generation apart",
                m=GENERATION_APART_M,
                fix_m=True,
            ),
            {**_else(), "m_probability": DOB_DIFFERENT_M, "fix_m_probability": True},
        ],
    }


def gender() -> dict[str, Any]:
    return {
        "output_column_name": "gender",
        "comparison_description": "gender",
        "comparison_levels": [
            _missing_level("gender"),
            _level('"gender_l" = "gender_r"', "same"),
            # Gender is mis-keyed now and then; a mismatch is evidence, not a veto.
            {**_else(), "m_probability": GENDER_DIFFERENT_M, "fix_m_probability": True},
        ],
    }


def address() -> dict[str, Any]:
    # Cheap tests only (equality, one Jaro-Winkler): token-set similarity was 9x slower.
    return {
        "output_column_name": "address",
        "comparison_description": "address",
        "comparison_levels": [
            _missing_level("address"),
            _level('"pc_l" = "pc_r" AND "addr_key_l" = "addr_key_r"', "same postcode and house"),
            _level('"pc_l" = "pc_r"', "same postcode", tf="pc"),
            # Not where both postcodes are known and in different districts: "12 high" is
            # in every town.
            _level(
                '"addr_key_l" = "addr_key_r" '
                'AND NOT coalesce("pc_district_l" <> "pc_district_r", false)',
                "same house number and street",
            ),
            _level(
                'jaro_winkler_similarity("addr_l", "addr_r") >= 0.95', "address nearly the same"
            ),
            _level(
                'jaro_winkler_similarity("addr_street_l", "addr_street_r") >= 0.92',
                "same street and town, house number differs",
            ),
            _level('jaro_winkler_similarity("addr_l", "addr_r") >= 0.88', "address similar"),
            _level('"pc_sector_l" = "pc_sector_r"', "same postcode sector"),
            _level('"pc_district_l" = "pc_district_r"', "same postcode district"),
            _level('"addr_tail_l" = "addr_tail_r"', "same locality"),
            _else("elsewhere (moved or different)"),
        ],
    }


def all_comparisons() -> list[dict[str, Any]]:
    return [forename(), surname(), date_of_birth(), gender(), address()]


FIELD_LABELS = {
    "forename": "forename",
    "surname": "surname",
    "date_of_birth": "date of birth",
    "gender": "gender",
    "address": "address",
}


# The confirmed band means more than a high probability: name, date of birth and address
# each agree, so that no one field, and no name a namesake shares, confirms a pair alone.
CONFIRMING_LEVELS: dict[str, frozenset[str]] = {
    "forename": frozenset({"same", "nickname, short form or transliteration"}),
    "surname": frozenset(
        {
            "same",
            "same" + HOUSEHOLD_ZONE,
            "previous surname, alias, part of a double-barrelled name or spelling form",
        }
    ),
    "date_of_birth": frozenset({"same"}),
    "address": frozenset(
        {
            "same postcode and house",
            "same house number and street",
            "same postcode",
            "address nearly the same",
            "same street and town, house number differs",
            "address similar",
        }
    ),
}
