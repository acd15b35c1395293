"""One linkage method run on one dataset, in its own process (so peak memory is its own).

    python bench/methods.py {datawash,exact,splink_plain} WORKFORCE RECORDS OUT.parquet

Writes the pairs it finds (person_id, record_id, match_probability) to OUT.parquet.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import duckdb


def _read(con: duckdb.DuckDBPyConnection, path: str, name: str) -> None:
    if path.endswith(".parquet"):
        src = f"read_parquet('{path}')"
    else:
        src = f"read_csv('{path}', all_varchar=true, header=true)"
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {src}")


def run_datawash(workforce: str, records: str, out: str) -> None:
    """The product as a user runs it: `datawash wash` end to end, database included."""
    import subprocess

    data_dir = tempfile.mkdtemp(prefix="bench-dw-")
    exe = Path(sys.executable).with_name("datawash")
    env = dict(os.environ)
    if "febrl" in workforce:
        # FEBRL's people are of every age: not a police workforce, so the age check is off.
        env.update(DATAWASH_WORKFORCE_MIN_AGE="0", DATAWASH_WORKFORCE_MAX_AGE="150")
    subprocess.run(
        [
            str(exe),
            "--data-dir",
            data_dir,
            "wash",
            "--workforce",
            workforce,
            "--records",
            records,
            "--export",
            out,
        ],
        check=True,
        env=env,
    )


def run_exact(workforce: str, records: str, out: str) -> None:
    """Exact forename + surname + date of birth (case and spaces ignored)."""
    con = duckdb.connect()
    _read(con, workforce, "w")
    _read(con, records, "r")
    norm = "lower(trim(regexp_replace({c}, '\\s+', ' ', 'g')))"
    con.execute(f"""
        COPY (
          SELECT w.person_id, r.record_id, 1.0 AS match_probability
          FROM w JOIN r
            ON {norm.format(c="w.forenames")} = {norm.format(c="r.forenames")}
           AND {norm.format(c="w.surname")} = {norm.format(c="r.surname")}
           AND CAST(w.date_of_birth AS VARCHAR) = CAST(r.date_of_birth AS VARCHAR)
        ) TO '{out}' (FORMAT PARQUET)
    """)


def run_splink_plain(workforce: str, records: str, out: str) -> None:
    """Splink as in its tutorials: NameComparison, DateOfBirthComparison,
    PostcodeComparison, default blocking on names and date of birth, EM-trained."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    _read(con, workforce, "w_raw")
    _read(con, records, "r_raw")
    for raw, name, idc in (("w_raw", "w", "person_id"), ("r_raw", "r", "record_id")):
        cols = {c[0] for c in con.execute(f"DESCRIBE {raw}").fetchall()}
        postcode = "nullif(upper(trim(postcode)), '')" if "postcode" in cols else "NULL"
        con.execute(f"""
            CREATE TABLE {name} AS SELECT
              CAST({idc} AS VARCHAR) AS unique_id,
              lower(split_part(trim(forenames), ' ', 1)) AS first_name,
              lower(trim(surname)) AS surname,
              try_cast(date_of_birth AS DATE) AS dob,
              CAST({postcode} AS VARCHAR) AS postcode
            FROM {raw}
        """)
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.PostcodeComparison("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("dob"),
            block_on("surname", "postcode"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([db_api.register("w"), db_api.register("r")], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=42)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    pred = linker.inference.predict(threshold_match_probability=0.5)
    con.execute(
        f"COPY (SELECT unique_id_l AS person_id, unique_id_r AS record_id, match_probability "
        f"FROM {pred.physical_name}) TO '{out}' (FORMAT PARQUET)"
    )


METHODS = {"datawash": run_datawash, "exact": run_exact, "splink_plain": run_splink_plain}

if __name__ == "__main__":
    method, wf, rec, out_path = sys.argv[1:5]
    METHODS[method](wf, rec, out_path)
