"""Turn loaded workforce and records tables into the comparison features Splink reads.

Names need Python (nickname keys, Mc/Mac forms, transliteration groups), so they are
computed once per DISTINCT value and joined back; everything else is vectorised DuckDB SQL.
Both sides get the same columns, so every comparison reads l.x against r.x.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import duckdb
import pyarrow as pa

from datawash.ingest.normalise import (
    ADDRESS_WORDS,
    forename_tokens,
    normalise_name,
    surname_forms,
)
from datawash.linkage.names import forename_keys, phonetic, surname_keys

FEATURE_COLUMNS = [
    "unique_id",
    "fn1",
    "fn_all",
    "fn_keys",
    "fn_keys_all",
    "fn_ph",
    "sn",
    "sn_forms",
    "sn_ph",
    "full_name",
    "dob",
    "dob_s",
    "dob_year",
    "dob_md",
    "dob_ym",
    "dob_yd",
    "dob_jan1_year",
    "dob_swap",
    "dob_jan1",
    "gender",
    "pc",
    "pc_sector",
    "pc_district",
    "pc_area",
    "addr",
    "addr_key",
    "addr_tail",
    "addr_street",
]

# Bulk SQL twin of ingest.normalise.normalise_postcode (kept in SQL because the extract has
# millions of rows; tests/linkage/test_features.py checks both agree).
_PC_COMPACT = "regexp_replace(upper(coalesce({col}, '')), '[^A-Z0-9]', '', 'g')"
_PC_RE = "^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$"


def _name_rows(values: Iterable[str | None]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {
        "raw": [],
        "fn1": [],
        "fn_all": [],
        "fn_keys": [],
        "fn_keys_all": [],
        "fn_ph": [],
    }
    for raw in values:
        tokens = forename_tokens(raw) if raw else []
        first = tokens[0] if tokens else None
        keys_all: set[str] = set()
        for t in tokens:
            keys_all.update(forename_keys(t))
        out["raw"].append(raw)
        out["fn1"].append(first)
        out["fn_all"].append(tokens)
        out["fn_keys"].append(forename_keys(first))
        out["fn_keys_all"].append(sorted(keys_all))
        out["fn_ph"].append(phonetic(first))
    return out


def _surname_rows(values: Iterable[str | None]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"raw": [], "sn": [], "sn_forms": [], "sn_ph": []}
    for raw in values:
        forms = _forms_of_surnames(raw)
        main = forms[0] if forms else None
        out["raw"].append(raw)
        out["sn"].append(main)
        out["sn_forms"].append(forms)
        out["sn_ph"].append(phonetic(main))
    return out


def _forms_of_surnames(raw: str | None) -> list[str]:
    """Forms of one surname (full, halves, Mc/Mac, transliteration group), full first."""
    if not raw:
        return []
    forms: list[str] = []
    for form in surname_forms(raw):
        for key in surname_keys(form):
            if key not in forms:
                forms.append(key)
    return forms


def _list_rows(values: Iterable[str | None]) -> dict[str, list[Any]]:
    """Previous surnames (workforce) — a `;` list of surnames — to their forms."""
    out: dict[str, list[Any]] = {"raw": [], "forms": []}
    for raw in values:
        forms: list[str] = []
        for item in (raw or "").split(";"):
            for f in _forms_of_surnames(item.strip()):
                if f not in forms:
                    forms.append(f)
        out["raw"].append(raw)
        out["forms"].append(forms)
    return out


def _alias_rows(values: Iterable[str | None]) -> dict[str, list[Any]]:
    """Record aliases — `;` list of "forenames surname" — to forename keys and surname forms."""
    out: dict[str, list[Any]] = {"raw": [], "fn_keys": [], "sn_forms": []}
    for raw in values:
        fkeys: set[str] = set()
        sforms: list[str] = []
        for alias in (raw or "").split(";"):
            words = normalise_name(alias).split()
            if not words:
                continue
            for w in words[:-1]:
                fkeys.update(forename_keys(w))
            for f in _forms_of_surnames(alias.strip().split()[-1]):
                if f not in sforms:
                    sforms.append(f)
        out["raw"].append(raw)
        out["fn_keys"].append(sorted(fkeys))
        out["sn_forms"].append(sforms)
    return out


def _register_lookup(
    con: duckdb.DuckDBPyConnection,
    name: str,
    source_sql: str,
    build: Callable[[Iterable[str | None]], dict[str, list[Any]]],
) -> None:
    values = [row[0] for row in con.execute(source_sql).fetchall()]
    table = pa.table(build(values))
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def _address_sql(col: str) -> str:
    expr = f"lower(strip_accents(coalesce({col}, '')))"
    expr = f"regexp_replace({expr}, '[^a-z0-9 ]', ' ', 'g')"
    expr = f"' ' || regexp_replace({expr}, '\\s+', ' ', 'g') || ' '"
    for short, full in ADDRESS_WORDS.items():
        expr = f"replace({expr}, ' {short} ', ' {full} ')"
    return f"nullif(trim({expr}), '')"


def build_features(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    target: str,
    id_column: str,
    kind: str,
) -> int:
    """Create table `target` with FEATURE_COLUMNS from loaded table `source`.

    kind is "workforce" (previous_surnames) or "records" (aliases). Returns the row count.
    """
    prefix = f"__dw_{target}"
    _register_lookup(con, f"{prefix}_fn", f"SELECT DISTINCT forenames FROM {source}", _name_rows)
    _register_lookup(con, f"{prefix}_sn", f"SELECT DISTINCT surname FROM {source}", _surname_rows)
    if kind == "workforce":
        _register_lookup(
            con,
            f"{prefix}_alt",
            f"SELECT DISTINCT previous_surnames FROM {source}",
            _list_rows,
        )
        alt_join = f"LEFT JOIN {prefix}_alt alt ON alt.raw IS NOT DISTINCT FROM s.previous_surnames"
        alt_fn_keys = "CAST([] AS VARCHAR[])"
        alt_sn_forms = "coalesce(alt.forms, CAST([] AS VARCHAR[]))"
    else:
        _register_lookup(
            con, f"{prefix}_alt", f"SELECT DISTINCT aliases FROM {source}", _alias_rows
        )
        alt_join = f"LEFT JOIN {prefix}_alt alt ON alt.raw IS NOT DISTINCT FROM s.aliases"
        alt_fn_keys = "coalesce(alt.fn_keys, CAST([] AS VARCHAR[]))"
        alt_sn_forms = "coalesce(alt.sn_forms, CAST([] AS VARCHAR[]))"

    pc = _PC_COMPACT.format(col="postcode")
    # Postcodes and addresses recur (10,000,000 records hold about 1,000,000 addresses):
    # each distinct one is worked out once and joined back, like the names.
    sql = f"""
    CREATE OR REPLACE TABLE {target} AS
    WITH pcs AS (
        SELECT postcode,
               regexp_extract({pc}, '{_PC_RE}', 1) AS pc_out,
               regexp_extract({pc}, '{_PC_RE}', 2) AS pc_in
        FROM (SELECT DISTINCT postcode FROM {source})
    ),
    addrs AS (
        SELECT address, addr,
               -- house number and the first word of the street: "12 mcmahon"
               nullif(regexp_extract(addr, '([0-9]+[a-z]?) ([a-z]+)', 0), '') AS addr_key,
               -- the address without house numbers: same street and town after a typo in
               -- the number
               nullif(trim(regexp_replace(
                   regexp_replace(addr, '\\b[0-9]+[a-z]?\\b', '', 'g'), '\\s+', ' ', 'g'
               )), '')
                   AS addr_street,
               -- the locality: last two words of the address (town, or suburb and state)
               CASE WHEN len(string_split(addr, ' ')) >= 4
                    THEN array_to_string(string_split(addr, ' ')[-2:], ' ') END AS addr_tail
        FROM (SELECT address, {_address_sql("address")} AS addr
              FROM (SELECT DISTINCT address FROM {source}))
    )
    SELECT
        CAST(s.{id_column} AS VARCHAR) AS unique_id,
        fn.fn1,
        fn.fn_all,
        fn.fn_keys,
        list_distinct(list_concat(fn.fn_keys_all, {alt_fn_keys})) AS fn_keys_all,
        fn.fn_ph,
        sn.sn,
        list_distinct(list_concat(coalesce(sn.sn_forms, CAST([] AS VARCHAR[])), {alt_sn_forms}))
            AS sn_forms,
        sn.sn_ph,
        -- The full name as one value: the date-of-birth comparison asks whether two people
        -- share it (namesakes) without naming fn1 and sn, which would make Splink leave it
        -- out of the EM step blocked on those columns.
        fn.fn1 || ' ' || sn.sn AS full_name,
        s.date_of_birth AS dob,
        strftime(s.date_of_birth, '%Y-%m-%d') AS dob_s,
        year(s.date_of_birth) AS dob_year,
        -- day and month (1231 for 31 December): blocks a year keyed wrongly
        CAST(month(s.date_of_birth) * 100 + day(s.date_of_birth) AS SMALLINT) AS dob_md,
        year(s.date_of_birth) * 100 + month(s.date_of_birth) AS dob_ym,
        year(s.date_of_birth) * 100 + day(s.date_of_birth) AS dob_yd,
        CASE WHEN month(s.date_of_birth) = 1 AND day(s.date_of_birth) = 1
             THEN year(s.date_of_birth) END AS dob_jan1_year,
        CASE WHEN day(s.date_of_birth) <= 12 AND day(s.date_of_birth) <> month(s.date_of_birth)
             THEN make_date(year(s.date_of_birth), day(s.date_of_birth), month(s.date_of_birth))
        END AS dob_swap,
        (month(s.date_of_birth) = 1 AND day(s.date_of_birth) = 1) AS dob_jan1,
        upper(nullif(trim(s.gender), '')) AS gender,
        CASE WHEN pcs.pc_out <> '' THEN pcs.pc_out || ' ' || pcs.pc_in END AS pc,
        CASE WHEN pcs.pc_out <> '' THEN pcs.pc_out || ' ' || left(pcs.pc_in, 1) END
            AS pc_sector,
        nullif(pcs.pc_out, '') AS pc_district,
        nullif(regexp_extract(pcs.pc_out, '^[A-Z]+', 0), '') AS pc_area,
        addrs.addr,
        addrs.addr_key,
        addrs.addr_street,
        addrs.addr_tail
    FROM {source} s
    LEFT JOIN pcs ON pcs.postcode IS NOT DISTINCT FROM s.postcode
    LEFT JOIN addrs ON addrs.address IS NOT DISTINCT FROM s.address
    LEFT JOIN {prefix}_fn fn ON fn.raw IS NOT DISTINCT FROM s.forenames
    LEFT JOIN {prefix}_sn sn ON sn.raw IS NOT DISTINCT FROM s.surname
    {alt_join}
    """
    con.execute(sql)
    for suffix in ("fn", "sn", "alt"):
        con.execute(f"DROP TABLE IF EXISTS {prefix}_{suffix}")
    rows = con.execute(f"SELECT count(*) FROM {target}").fetchall()
    return int(rows[0][0]) if rows else 0
