"""Every comparison level, evaluated the way Splink does (first true condition wins)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from datawash.linkage.comparisons import all_comparisons
from datawash.linkage.features import FEATURE_COLUMNS, build_features

BASE_PERSON: dict[str, Any] = {
    "person_id": "P1",
    "forenames": "Robert James",
    "surname": "Smith-Jones",
    "previous_surnames": "Brown",
    "date_of_birth": "1985-03-07",
    "gender": "M",
    "address": "12 High Street, Walsall",
    "postcode": "WS1 2AB",
}
BASE_RECORD: dict[str, Any] = {
    "record_id": "R1",
    "forenames": "Robert",
    "surname": "Smith-Jones",
    "aliases": None,
    "date_of_birth": "1985-03-07",
    "gender": "M",
    "address": "12 High St, Walsall",
    "postcode": "ws12ab",
}


def _level(
    comparison: str, record_changes: dict[str, Any], person_changes: dict[str, Any] | None = None
) -> str:
    con = duckdb.connect()
    person = {**BASE_PERSON, **(person_changes or {})}
    record = {**BASE_RECORD, **record_changes}
    cols_p = ", ".join(
        f"CAST(? AS {'DATE' if k == 'date_of_birth' else 'VARCHAR'}) AS {k}" for k in person
    )
    cols_r = ", ".join(
        f"CAST(? AS {'DATE' if k == 'date_of_birth' else 'VARCHAR'}) AS {k}" for k in record
    )
    con.execute(f"CREATE TABLE w AS SELECT {cols_p}", list(person.values()))
    con.execute(f"CREATE TABLE r AS SELECT {cols_r}", list(record.values()))
    build_features(con, source="w", target="wf", id_column="person_id", kind="workforce")
    build_features(con, source="r", target="rf", id_column="record_id", kind="records")
    pair_cols = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in FEATURE_COLUMNS)
    con.execute(f"CREATE TABLE pair AS SELECT {pair_cols} FROM wf l, rf r")
    comp = next(c for c in all_comparisons() if c["output_column_name"] == comparison)
    whens = []
    for lv in comp["comparison_levels"]:
        if lv["sql_condition"] == "ELSE":
            whens.append(f"ELSE '{lv['label_for_charts']}'")
        else:
            whens.append(f"WHEN {lv['sql_condition']} THEN '{lv['label_for_charts']}'")
    return str(con.execute(f"SELECT CASE {' '.join(whens)} END FROM pair").fetchall()[0][0])


@pytest.mark.parametrize(
    ("changes", "person", "expected"),
    [
        ({}, None, "same"),
        ({"forenames": None}, None, "missing"),
        (
            {"forenames": "Khan", "surname": "Robert"},
            {"surname": "Khan"},
            "forename and surname swapped",
        ),
        ({"forenames": "Bob"}, None, "nickname, short form or transliteration"),
        ({"forenames": "Robret"}, None, "spelling differs slightly"),
        ({"forenames": "James"}, None, "another forename or alias matches (middle name used)"),
        ({"forenames": "Raymond"}, None, "same initial only"),
        ({"forenames": "Kevin"}, None, "different"),
        # Only the forename moved (into the surname field), the forename field holds another.
        ({"forenames": "Khan", "surname": "Robert"}, None, "keyed in the surname field"),
        # A surname that is also one of the person's forenames has not moved.
        (
            {"forenames": "Kevin", "surname": "Owen"},
            {"forenames": "Owen", "surname": "Owen"},
            "different",
        ),
        (
            {"forenames": "Mohammed"},
            {"forenames": "Muhammad"},
            "nickname, short form or transliteration",
        ),
    ],
)
def test_forename_levels(
    changes: dict[str, Any], person: dict[str, Any] | None, expected: str
) -> None:
    assert _level("forename", changes, person) == expected


def test_surname_swap_is_counted_once_on_forename() -> None:
    swapped = {"forenames": "Khan", "surname": "Robert"}
    assert (
        _level("surname", swapped, {"surname": "Khan"}) == "swapped with forename (counted there)"
    )
    swap_level = next(
        lv
        for c in all_comparisons()
        if c["output_column_name"] == "surname"
        for lv in c["comparison_levels"]
        if lv["label_for_charts"].startswith("swapped")
    )
    assert swap_level["is_null_level"] is True


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "same (at the same address)"),
        ({"address": "4 Mill Lane, Leeds", "postcode": "LS1 1AA"}, "same"),
        # The same address is the same postcode and house: one without the other is not.
        ({"address": "14 High St, Walsall"}, "same"),
        ({"postcode": "B1 1AA"}, "same"),
        ({"address": None}, "same"),
        ({"surname": None}, "missing"),
        (
            {"surname": "Brown"},
            "previous surname, alias, part of a double-barrelled name or spelling form",
        ),
        (
            {"surname": "Jones"},
            "previous surname, alias, part of a double-barrelled name or spelling form",
        ),
        ({"surname": "Smith Jones"}, "same (at the same address)"),
        ({"surname": "Smiht-Jonse"}, "spelling differs slightly"),
        ({"surname": "Patel"}, "different"),
        (
            {"surname": "Patel", "aliases": "Bob Brown"},
            "previous surname, alias, part of a double-barrelled name or spelling form",
        ),
        # Only the surname moved (typed into the forename field), the surname field holds
        # something else; with both names moved it is the swap, counted on the forename.
        ({"forenames": "Smith-Jones", "surname": "Patel"}, "keyed in the forename field"),
        ({"forenames": "Brown", "surname": "Patel"}, "keyed in the forename field"),
        ({"forenames": "Kevin", "surname": "Patel"}, "different"),
    ],
)
def test_surname_levels(changes: dict[str, Any], expected: str) -> None:
    assert _level("surname", changes) == expected


@pytest.mark.parametrize(
    ("changes", "person", "expected"),
    [
        ({}, None, "same"),
        ({"date_of_birth": None}, None, "missing"),
        (
            {"date_of_birth": "1985-01-01"},
            {"date_of_birth": "1985-01-01"},
            "same, but 1 January (often a placeholder)",
        ),
        # The same full name: a near miss is weighed as among namesakes.
        ({"date_of_birth": "1985-07-03"}, None, "day and month swapped (same full name)"),
        ({"date_of_birth": "1985-03-08"}, None, "one digit off in day or month (same full name)"),
        ({"date_of_birth": "1975-03-07"}, None, "one digit off in the year (same full name)"),
        (
            {"date_of_birth": "1985-01-01"},
            None,
            "1 January placeholder in the same year (same full name)",
        ),
        # Names that differ (a short form here): the near miss as a typing error.
        ({"date_of_birth": "1985-07-03", "forenames": "Bob"}, None, "day and month swapped"),
        (
            {"date_of_birth": "1985-03-08", "forenames": "Bob"},
            None,
            "one digit off in day or month",
        ),
        ({"date_of_birth": "1959-11-20"}, None, "a generation apart"),
        ({"date_of_birth": "1988-10-20"}, None, "different"),
    ],
)
def test_date_of_birth_levels(
    changes: dict[str, Any], person: dict[str, Any] | None, expected: str
) -> None:
    assert _level("date_of_birth", changes, person) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [({}, "same"), ({"gender": None}, "missing"), ({"gender": "F"}, "different")],
)
def test_gender_levels(changes: dict[str, Any], expected: str) -> None:
    assert _level("gender", changes) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "same postcode and house"),
        ({"address": None, "postcode": None}, "missing"),
        ({"address": "Flat 3, 40 Park Road, Walsall"}, "same postcode"),
        ({"postcode": None}, "same house number and street"),
        ({"postcode": "WS1 9ZZ"}, "same house number and street"),  # a postcode typo
        # "12 High" is in every town: in another postcode district it is another street.
        ({"address": "12 High Street, Leeds", "postcode": "LS1 1AA"}, "address similar"),
        ({"address": "14 High Street, Walsall", "postcode": "WS9 9ZZ"}, "address nearly the same"),
        (
            {"address": "98 High Street, Walsall", "postcode": "WS9 9ZZ"},
            "same street and town, house number differs",
        ),
        ({"address": "7 Mill Lane, Walsall", "postcode": "WS1 2XY"}, "same postcode sector"),
        ({"address": "7 Mill Lane, Walsall", "postcode": "WS1 5XY"}, "same postcode district"),
        (
            {"address": "3 Queens Road, Coventry", "postcode": "CV1 1AA"},
            "elsewhere (moved or different)",
        ),
    ],
)
def test_address_levels(changes: dict[str, Any], expected: str) -> None:
    assert _level("address", changes) == expected


def test_one_edit_agrees_with_damerau_levenshtein_on_every_pair() -> None:
    """The fast form of "at most one typing error" gives the same answer as DuckDB's own
    Damerau-Levenshtein on names (with accents), dates and NULLs."""
    import random

    from datawash.linkage.comparisons import one_edit

    rnd = random.Random(3)
    alphabet = "abcdeéëø-' 0123"

    def word() -> str | None:
        if rnd.random() < 0.05:
            return None
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 7)))

    def typo(w: str | None) -> str | None:
        if not w or rnd.random() < 0.2:
            return word()
        i = rnd.randrange(len(w))
        edit = rnd.choice(["sub", "del", "ins", "swap", "two"])
        if edit == "sub":
            return w[:i] + rnd.choice(alphabet) + w[i + 1 :]
        if edit == "del":
            return w[:i] + w[i + 1 :]
        if edit == "ins":
            return w[:i] + rnd.choice(alphabet) + w[i:]
        if edit == "swap" and i + 1 < len(w):
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return typo(typo(w))

    pairs = []
    for _ in range(20_000):
        a = word()
        pairs.append((a, typo(a)))
    con = duckdb.connect()
    con.execute("CREATE TABLE p (a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?)", pairs)
    differ, agree = con.execute(
        f"SELECT count(*) FILTER (WHERE ({one_edit('a', 'b')}) IS DISTINCT FROM "
        "coalesce(damerau_levenshtein(a, b) <= 1, FALSE)), "
        "count(*) FILTER (WHERE damerau_levenshtein(a, b) <= 1) FROM p"
    ).fetchone() or (None, None)
    assert differ == 0
    assert agree is not None and 5_000 < agree < 19_000  # both answers occur often


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance at most 1, written out (the reference for the SQL)."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _dob_reference(dob_l: str, dob_r: str | None, same_name: bool) -> str:
    """The date-of-birth level from its definition, the namesake zone for the same full name."""
    from datetime import date

    from datawash.linkage.comparisons import GENERATION_YEARS, NAMESAKE_ZONE

    if dob_r is None:
        return "missing"
    a, b = date.fromisoformat(dob_l), date.fromisoformat(dob_r)
    jan1 = b.month == 1 and b.day == 1
    if a == b:
        return "same, but 1 January (often a placeholder)" if jan1 else "same"
    zone = NAMESAKE_ZONE if same_name else ""
    swapped = a.day <= 12 and a.day != a.month and (a.year, a.day, a.month) == (
        b.year, b.month, b.day
    )  # fmt: skip
    if swapped:
        return "day and month swapped" + zone
    if _one_edit(dob_l, dob_r):
        return ("one digit off in day or month" if a.year == b.year else
                "one digit off in the year") + zone  # fmt: skip
    if jan1 and a.year == b.year:
        return "1 January placeholder in the same year" + zone
    if abs(a.year - b.year) >= GENERATION_YEARS:
        return "a generation apart"
    return "different"


def test_the_date_of_birth_levels_are_their_definitions_for_every_kind_of_near_miss() -> None:
    """The date-of-birth levels are written with cheap tests first (the year, or the day and
    month, before an edit distance), which must not change a single pair's level: every
    one-character change and swap of neighbours of a date, and some other dates, against
    the definitions, for a namesake and for someone of another name."""
    import random
    from datetime import date, timedelta

    rng = random.Random(7)
    base = [date(1985, 3, 7), date(1990, 12, 1), date(1979, 1, 1), date(2001, 10, 31)]
    pairs: set[tuple[str, str | None]] = set()
    for d in base:
        s = d.isoformat()
        pairs.add((s, None))
        for i, ch in enumerate(s):
            if ch == "-":
                continue
            for digit in "0123456789":
                pairs.add((s, s[:i] + digit + s[i + 1 :]))
            if i + 1 < len(s) and s[i + 1] != "-":
                pairs.add((s, s[:i] + s[i + 1] + s[i] + s[i + 2 :]))
        pairs.add((s, d.replace(month=1, day=1).isoformat()))
        pairs.add((s, d.replace(year=d.year - 30).isoformat()))
        for _ in range(20):
            pairs.add((s, (d + timedelta(days=rng.randint(-9000, 9000))).isoformat()))
    valid = []
    for a, b in pairs:
        try:
            valid.append((a, None if b is None else date.fromisoformat(b).isoformat()))
        except ValueError:
            continue  # not a date: no record holds it
    comp = next(c for c in all_comparisons() if c["output_column_name"] == "date_of_birth")
    case = " ".join(
        f"ELSE '{lv['label_for_charts']}'" if lv["sql_condition"] == "ELSE"
        else f"WHEN {lv['sql_condition']} THEN '{lv['label_for_charts']}'"
        for lv in comp["comparison_levels"]
    )  # fmt: skip
    # One person per date and name, one record per date and name, built as a wash builds
    # them, paired as listed.
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE w (person_id VARCHAR, forenames VARCHAR, surname VARCHAR, "
        "previous_surnames VARCHAR, date_of_birth DATE, gender VARCHAR, address VARCHAR, "
        "postcode VARCHAR)"
    )
    con.execute(
        "CREATE TABLE r (record_id VARCHAR, forenames VARCHAR, surname VARCHAR, aliases VARCHAR, "
        "date_of_birth DATE, gender VARCHAR, address VARCHAR, postcode VARCHAR)"
    )
    people = sorted({a for a, _ in valid})
    records = sorted({b for _, b in valid}, key=str)
    con.executemany(
        "INSERT INTO w VALUES (?, 'Ann', 'Smith', NULL, ?, NULL, NULL, NULL)",
        [[f"P{i}", a] for i, a in enumerate(people)],
    )
    con.executemany(
        "INSERT INTO r VALUES (?, ?, ?, NULL, ?, NULL, NULL, NULL)",
        [[f"{n}{i}", fn, sn, b] for i, b in enumerate(records)
         for n, fn, sn in (("S", "Ann", "Smith"), ("O", "Bea", "Jones"))],
    )  # fmt: skip
    build_features(con, source="w", target="wf", id_column="person_id", kind="workforce")
    build_features(con, source="r", target="rf", id_column="record_id", kind="records")
    con.execute("CREATE TABLE wanted (person VARCHAR, record VARCHAR)")
    con.executemany(
        "INSERT INTO wanted VALUES (?, ?)",
        [[f"P{people.index(a)}", f"{n}{records.index(b)}"] for a, b in valid for n in "SO"],
    )
    pair_cols = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in FEATURE_COLUMNS)
    got = con.execute(
        f"SELECT dob_s_l, dob_s_r, full_name_l = full_name_r, CASE {case} END FROM ("
        f"SELECT {pair_cols} FROM wanted JOIN wf l ON l.unique_id = wanted.person "
        "JOIN rf r ON r.unique_id = wanted.record)"
    ).fetchall()
    assert len(got) > 400
    near = [g for g in got if "digit off" in g[3]]
    assert {g[3] for g in near} >= {
        "one digit off in the year", "one digit off in day or month",
        "one digit off in the year (same full name)",
    }  # fmt: skip
    for a, b, same_name, level in got:
        assert level == _dob_reference(a, b, same_name), (a, b, same_name)
