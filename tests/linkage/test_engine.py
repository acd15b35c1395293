"""The training sessions run on the records their blocking rules can reach, and learn
exactly what they would on the whole extract."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from datawash.auth.service import SYSTEM
from datawash.config import Settings
from datawash.db import session_scope
from datawash.linkage import engine
from datawash.review.service import wash as run_wash
from datawash.wash.models import WashRun


def _model(small_synth: Path, data: Path) -> str:
    settings = Settings(data_dir=data)
    summary = run_wash(settings=settings, actor=SYSTEM, workforce=small_synth / "workforce.csv",
                       records=small_synth / "records.csv")  # fmt: skip
    with session_scope(settings) as s:
        run = s.get(WashRun, summary.run_id)
        assert run is not None and run.model_json
        return run.model_json


def test_training_on_reachable_records_learns_what_the_whole_extract_teaches(
    small_synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sampling on (as at millions of records): Splink samples by a hash of the record's id
    # and its table's name, so the reduced table must sample the very same pairs.
    monkeypatch.setattr(engine, "EM_MAX_PAIRS", 300)  # the blocks have 700-800 pairs
    monkeypatch.setattr(engine, "EM_PROBE_SHARE", 1.0)  # a small extract: probe it all
    reduced = _model(small_synth, tmp_path / "reduced")

    def whole(con: duckdb.DuckDBPyConnection, target: str, keys: object) -> str:
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {engine.RECORDS}")
        return target

    monkeypatch.setattr(engine, "_reachable", whole)
    assert _model(small_synth, tmp_path / "whole") == reduced  # byte for byte


def test_reachable_records_are_those_agreeing_with_someone_on_a_whole_key() -> None:
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE {engine.WORKFORCE} AS SELECT * FROM (VALUES
        ('P1', DATE '1980-01-02', 'ann', 'lee'),
        ('P2', DATE '1975-05-06', 'bob', NULL)) t(unique_id, dob, fn1, sn)""")
    con.execute(f"""CREATE TABLE {engine.RECORDS} AS SELECT * FROM (VALUES
        ('R1', DATE '1980-01-02', 'zoe', 'kay'),   -- the date of birth of P1
        ('R2', DATE '1990-01-01', 'ann', 'lee'),   -- the full name of P1
        ('R3', DATE '1990-01-01', 'ann', 'kay'),   -- the forename alone: no
        ('R4', NULL, 'bob', NULL),                 -- nothing known agrees: no
        ('R5', DATE '1975-05-06', NULL, NULL)      -- the date of birth of P2
        ) t(unique_id, dob, fn1, sn)""")
    table = engine._reachable(con, "reached", (("dob",), ("fn1", "sn")))
    got = {r[0] for r in con.execute(f"SELECT unique_id FROM {table}").fetchall()}
    assert got == {"R1", "R2", "R5"}
