"""The bulk SQL features agree with the Python normalisation they mirror."""

import duckdb

from datawash.ingest.normalise import normalise_postcode
from datawash.linkage.features import build_features

POSTCODES = ["b11 1aa", "B111AA", "WS1  2ab", "cr2 6xh", "EC1A1BB", "nonsense", None, "B1"]


def _features_of(
    addresses: list[str | None], postcodes: list[str | None]
) -> duckdb.DuckDBPyConnection:
    """Records of Ann Smith at these addresses and postcodes, ids 0, 1, ..., and their
    features in table f."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE r (record_id VARCHAR, forenames VARCHAR, surname VARCHAR, aliases VARCHAR, "
        "date_of_birth DATE, gender VARCHAR, address VARCHAR, postcode VARCHAR)"
    )
    for i, (a, pc) in enumerate(zip(addresses, postcodes, strict=True)):
        con.execute(
            "INSERT INTO r VALUES (?, 'Ann', 'Smith', NULL, NULL, NULL, ?, ?)", [str(i), a, pc]
        )
    build_features(con, source="r", target="f", id_column="record_id", kind="records")
    return con


def test_postcode_sql_matches_python() -> None:
    con = _features_of([None] * len(POSTCODES), POSTCODES)
    rows = con.execute(
        "SELECT unique_id, pc, pc_sector, pc_district, pc_area FROM f "
        "ORDER BY CAST(unique_id AS INT)"
    ).fetchall()
    for (_, unit, sector, district, area), raw in zip(rows, POSTCODES, strict=True):
        expected = normalise_postcode(raw)
        if expected is None:
            assert unit is None
        else:
            assert (unit, sector, district, area) == (
                expected.unit,
                expected.sector,
                expected.district,
                expected.area,
            )


def test_aliases_and_previous_surnames_feed_the_name_evidence() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE r AS SELECT '1' AS record_id, 'Bob' AS forenames, 'Brown' AS surname, "
        "'Robert Smith-Jones;Bobby Green' AS aliases, NULL::DATE AS date_of_birth, "
        "NULL AS gender, NULL AS address, NULL AS postcode"
    )
    build_features(con, source="r", target="f", id_column="record_id", kind="records")
    fn1, keys_all, forms = con.execute("SELECT fn1, fn_keys_all, sn_forms FROM f").fetchall()[0]
    assert fn1 == "bob"
    assert "robert" in keys_all
    assert {"brown", "smithjones", "smith", "jones", "green"} <= set(forms)


def test_address_parts_for_the_comparisons() -> None:
    addresses = ["12B High St, Leeds", "12 high street leeds", "Flat 3, 7 Mill Rd, Hull", None]
    con = _features_of(addresses, [None] * len(addresses))
    rows = con.execute(
        "SELECT addr, addr_key, addr_street, addr_tail FROM f ORDER BY CAST(unique_id AS INT)"
    ).fetchall()
    assert rows == [
        ("12b high street leeds", "12b high", "high street leeds", "street leeds"),
        ("12 high street leeds", "12 high", "high street leeds", "street leeds"),
        # every house number out: flat and house numbers alike
        ("flat 3 7 mill road hull", "7 mill", "flat mill road hull", "road hull"),
        (None, None, None, None),
    ]


def test_day_and_month_of_birth_for_blocking() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE r AS SELECT * FROM (VALUES ('1', DATE '1977-12-31'), "
        "('2', DATE '2001-01-05'), ('3', NULL), ('4', DATE '1983-01-01')) "
        "t(record_id, date_of_birth)"
    )
    con.execute(
        "CREATE TABLE s AS SELECT record_id, 'Ann' AS forenames, 'Smith' AS surname, "
        "NULL AS aliases, date_of_birth, NULL AS gender, NULL AS address, NULL AS postcode FROM r"
    )
    build_features(con, source="s", target="f", id_column="record_id", kind="records")
    rows = con.execute(
        "SELECT dob_md, dob_ym, dob_yd, dob_jan1_year FROM f ORDER BY unique_id"
    ).fetchall()
    assert rows == [
        (1231, 197712, 197731, None),
        (105, 200101, 200105, None),
        (None, None, None, None),
        (101, 198301, 198301, 1983),
    ]
