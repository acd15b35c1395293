"""The training sessions run on the records their blocking rules can reach, and learn
exactly what they would on the whole extract."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import select

from datawash.auth.service import SYSTEM
from datawash.config import Settings
from datawash.db import session_scope
from datawash.linkage import engine
from datawash.linkage.comparisons import HOUSEHOLD_ZONE, MISSING_LABEL
from datawash.review.service import wash as run_wash
from datawash.wash.models import WashCandidate, WashRun


def _model(small_synth: Path, data: Path) -> str:
    settings = Settings(data_dir=data)
    summary = run_wash(settings=settings, actor=SYSTEM, workforce=small_synth / "workforce.csv",
                       records=small_synth / "records.csv")  # fmt: skip
    with session_scope(settings) as s:
        run = s.get(WashRun, summary.run_id)
        assert run is not None and run.model_json
        return run.model_json


def test_training_on_reachable_records_learns_what_the_whole_extract_teaches(
    small_synth: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Sampling on (as at millions of records): Splink samples by a hash of the record's id
    # and its table's name, so the reduced table must sample the very same pairs.
    monkeypatch.setattr(engine, "EM_MAX_PAIRS", 300)  # the blocks have 700-800 pairs
    monkeypatch.setattr(engine, "EM_PROBE_SHARE", 1.0)  # a small extract: probe it all
    caplog.set_level(logging.INFO, logger="splink.internals.em_sampling")
    reduced = _model(small_synth, tmp_path / "reduced")
    assert any("Chose sampling fraction" in r.getMessage() for r in caplog.records)

    def whole(con: duckdb.DuckDBPyConnection, target: str, keys: object, **kw: str | None) -> str:
        extra = f", {kw['extra']}" if kw.get("extra") else ""
        con.execute(
            f"CREATE OR REPLACE TABLE {target} AS SELECT *{extra}, CAST(NULL AS INTEGER) AS "
            f"{engine.SIDE_L}, 1 AS {engine.SIDE_R} FROM {engine.RECORDS}"
        )
        return target

    monkeypatch.setattr(engine, "_reachable", whole)
    assert _model(small_synth, tmp_path / "whole") == reduced  # byte for byte


def test_the_sample_cut_down_before_a_session_is_splinks_own_sample(
    small_synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each session's tables are cut down to the rows of Splink's sample that can pair: with
    # Splink sampling the block itself instead, the model is the same byte for byte.
    monkeypatch.setattr(engine, "EM_MAX_PAIRS", 300)  # sampling on, as at millions
    monkeypatch.setattr(engine, "EM_PROBE_SHARE", 1.0)
    cut = engine._presampled
    given: list[int | None] = []

    @contextmanager
    def spy(*args: Any) -> Iterator[int | None]:
        with cut(*args) as still_to_sample:
            given.append(still_to_sample)
            yield still_to_sample

    monkeypatch.setattr(engine, "_presampled", spy)
    presampled = _model(small_synth, tmp_path / "cut")
    assert given.count(None) >= 2  # sampled blocks were cut down, and then not sampled again

    def splinks_own(*args: Any) -> Any:
        return nullcontext(args[4])  # the tables whole, Splink samples with max_pairs

    monkeypatch.setattr(engine, "_presampled", splinks_own)
    assert _model(small_synth, tmp_path / "splink") == presampled


def test_training_pairs_people_with_records_only_and_learns_the_same(
    small_synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The side columns keep record-with-record pairs out of the training joins; the pairs
    # kept, the sample and the comparisons the session leaves out are Splink's own.
    monkeypatch.setattr(engine, "EM_MAX_PAIRS", 300)  # sampling on, as at millions
    monkeypatch.setattr(engine, "EM_PROBE_SHARE", 1.0)
    one_way = _model(small_synth, tmp_path / "one_way")
    monkeypatch.setattr(engine, "one_way", lambda rule: rule)
    assert _model(small_synth, tmp_path / "both_ways") == one_way  # byte for byte


def test_a_one_way_rule_joins_a_person_to_a_record_and_never_two_records() -> None:
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE {engine.WORKFORCE} AS SELECT * FROM (VALUES
        ('P1', DATE '1980-01-02')) t(unique_id, dob)""")
    con.execute(f"""CREATE TABLE {engine.RECORDS} AS SELECT * FROM (VALUES
        ('R1', DATE '1980-01-02'), ('R2', DATE '1980-01-02'), ('R3', DATE '1990-01-01'))
        t(unique_id, dob)""")
    people = engine._em_workforce(con)
    records = engine._reachable(con, "reached", (("dob",),))
    both = f"SELECT * FROM {people} UNION ALL BY NAME SELECT * FROM {records}"
    rule = engine.one_way('l."dob" = r."dob"')
    pairs = con.execute(
        f"SELECT l.unique_id, r.unique_id FROM ({both}) l JOIN ({both}) r ON {rule} ORDER BY 2"
    ).fetchall()
    assert pairs == [("P1", "R1"), ("P1", "R2")]  # not R1-R2, R2-R1, nor R3


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


def _surname_level(model: dict[str, Any], label: str) -> dict[str, Any]:
    comp = next(c for c in model["comparisons"] if c["output_column_name"] == "surname")
    return next(lv for lv in comp["comparison_levels"] if lv["label_for_charts"] == label)


def _toy_model(*, m_plain: float, m_zone: float, u_plain: float) -> dict[str, Any]:
    return {"comparisons": [{"output_column_name": "surname", "comparison_levels": [
        {"label_for_charts": "same" + HOUSEHOLD_ZONE, "m_probability": m_zone,
         "u_probability": u_plain},
        {"label_for_charts": "same", "m_probability": m_plain, "u_probability": u_plain},
    ]}]}  # fmt: skip


def test_a_surname_shared_at_one_address_is_weighed_among_the_people_there() -> None:
    model = _toy_model(m_plain=0.5, m_zone=0.3, u_plain=0.004)
    zone_label = "same" + HOUSEHOLD_ZONE
    out = engine.condition_on_household(model, {zone_label: 0.9})
    zone, plain = _surname_level(out, zone_label), _surname_level(out, "same")
    # The m of a surname agreeing at all, on both levels: the address splits the pairs.
    assert zone["m_probability"] == plain["m_probability"] == pytest.approx(0.8)
    # At one address most other people share the surname: it weighs little there ...
    assert zone["u_probability"] == 0.9 and plain["u_probability"] == 0.004
    # ... never less than among random pairs, and as among them where the block had
    # nothing to say (no other people at any address).
    assert engine.condition_on_household(
        model, {zone_label: 1e-6}
    ) == engine.condition_on_household(model, {})
    assert (
        _surname_level(engine.condition_on_household(model, {}), zone_label)["u_probability"]
        == 0.004
    )


def test_the_surname_m_learnt_at_one_address_replaces_the_one_learnt_by_birthday() -> None:
    model = _toy_model(m_plain=0.5, m_zone=0.3, u_plain=0.004)
    comp = model["comparisons"][0]
    comp["comparison_levels"].append(
        {"label_for_charts": "different", "m_probability": 0.2, "u_probability": 0.99}
    )
    zone_label = "same" + HOUSEHOLD_ZONE
    out = engine.condition_on_household(
        model, {zone_label: 0.9}, {zone_label: 0.985, "different": 0.015}
    )
    # Both "same surname" levels take the exact surname's m from the block; the other
    # levels take theirs; u is untouched by it.
    assert _surname_level(out, zone_label)["m_probability"] == 0.985
    assert _surname_level(out, "same")["m_probability"] == 0.985
    assert _surname_level(out, "different")["m_probability"] == 0.015
    assert _surname_level(out, "different")["u_probability"] == 0.99
    # Where the block learnt nothing, the m learnt by birthday stays (summed as before).
    kept = engine.condition_on_household(model, {zone_label: 0.9}, {})
    assert _surname_level(kept, "different")["m_probability"] == 0.2
    assert _surname_level(kept, "same")["m_probability"] == pytest.approx(0.8)


def test_relatives_at_one_address_weigh_less_than_with_independent_evidence(
    small_synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The synthetic extract's relatives at the person's address (hard negatives) score
    lower with the surname weighed among the people at one address than as independent."""
    import csv

    relatives = {
        (row["person_id"], row["record_id"])
        for row in csv.DictReader((small_synth / "hard_negatives.csv").open())
        if row["kind"] == "relative_same_address"
    }

    def weights() -> dict[tuple[str, str], float]:
        settings = Settings(data_dir=tmp_path / str(len(list(tmp_path.iterdir()))),
                            review_threshold=0.0001)  # fmt: skip
        summary = run_wash(settings=settings, actor=SYSTEM,
                           workforce=small_synth / "workforce.csv",
                           records=small_synth / "records.csv")  # fmt: skip
        with session_scope(settings) as s:
            return {
                (c.person_id, c.record_id): c.match_weight
                for c in s.scalars(
                    select(WashCandidate).where(WashCandidate.run_id == summary.run_id)
                )
                if (c.person_id, c.record_id) in relatives
            }

    conditioned = weights()
    monkeypatch.setattr(engine, "household_probabilities", lambda con, linker: ({}, {}))
    independent = weights()
    assert len(independent) >= 10
    # Absent from the conditioned run: below even the floor kept here (p < 0.0001).
    lower = sum(conditioned.get(k, -1e9) < w - 1 for k, w in independent.items())
    assert lower >= 0.8 * len(independent)


def _dob_model() -> dict[str, Any]:
    from datawash.linkage.comparisons import date_of_birth

    comp = date_of_birth()
    for lv in comp["comparison_levels"]:
        if not lv.get("is_null_level"):
            lv.setdefault("m_probability", 0.05)
            lv["u_probability"] = 0.01
    same = next(lv for lv in comp["comparison_levels"] if lv["label_for_charts"] == "same")
    same.update(m_probability=0.8, u_probability=0.0001)
    return {"comparisons": [comp]}


def _level(model: dict[str, Any], label: str) -> dict[str, Any]:
    levels = model["comparisons"][0]["comparison_levels"]
    return next(lv for lv in levels if lv["label_for_charts"] == label)


def test_a_missing_date_of_birth_weighs_what_true_records_and_others_say() -> None:
    model = _dob_model()
    # True records lack the date 7 times in 100, any record 1 in 1,000: evidence for.
    out = engine.condition_on_missing(model, {"date_of_birth": (0.07, 0.001)})
    missing = _level(out, MISSING_LABEL)
    assert "is_null_level" not in missing and missing["fix_m_probability"]
    assert math.log2(missing["m_probability"] / missing["u_probability"]) == pytest.approx(
        math.log2(70), abs=1e-6
    )
    # The other levels are scaled to the pairs with a date, their weights hardly move ...
    same = _level(out, "same")
    assert same["m_probability"] == pytest.approx(0.8 * 0.93)
    assert same["u_probability"] == pytest.approx(0.0001 * 0.999)
    # ... the m of the whole comparison still adds up as before, with the missing share.
    total = sum(lv["m_probability"] for lv in out["comparisons"][0]["comparison_levels"])
    before = sum(
        lv["m_probability"] for lv in model["comparisons"][0]["comparison_levels"]
        if not lv.get("is_null_level")
    )  # fmt: skip
    assert total == pytest.approx(before * 0.93 + 0.07)
    # Missing as often among true records as among any: neutral; not measured: untouched.
    even = _level(engine.condition_on_missing(model, {"date_of_birth": (0.05, 0.05)}),
                  MISSING_LABEL)  # fmt: skip
    assert even["m_probability"] == pytest.approx(even["u_probability"])
    assert engine.condition_on_missing(model, {}) == model


def _weights(model: dict[str, Any]) -> dict[str, float]:
    return {
        lv["label_for_charts"]: math.log2(lv["m_probability"] / lv["u_probability"])
        for lv in model["comparisons"][0]["comparison_levels"]
        if not lv.get("is_null_level")
    }


@pytest.mark.parametrize(
    "m_u",
    [(0.9, 1e-9), (1e-12, 0.5), (0.9, 0.4), (0.999, 0.6), (0.07, 0.001)],
    ids=["rare-missing", "never-in-true", "much-missing", "mostly-missing", "in-range"],
)
def test_a_missing_value_is_never_stronger_evidence_than_any_value(
    m_u: tuple[float, float],
) -> None:
    """Within the other levels' weights as they are after the scaling (which moves them
    when much is missing: found in review)."""
    out = _weights(engine.condition_on_missing(_dob_model(), {"date_of_birth": m_u}))
    missing = out.pop(MISSING_LABEL)
    assert min(out.values()) - 1e-6 <= missing <= max(out.values()) + 1e-6
    if m_u == (0.07, 0.001):  # inside the range: the measured weight itself
        assert missing == pytest.approx(math.log2(70), abs=1e-6)
    if m_u == (0.9, 1e-9):  # far above: exactly the strongest level's weight
        assert missing == pytest.approx(max(out.values()), abs=1e-6)


def test_how_often_a_value_is_missing_is_counted_among_anchor_pairs_and_all_pairs() -> None:
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE {engine.WORKFORCE} AS SELECT * FROM (VALUES
        ('P1', DATE '1980-01-02', 'ann', 'lee', 'AB1 2CD', '1 x', 'F', '1 x st'),
        ('P2', DATE '1975-05-06', 'bob', 'kay', 'AB1 2CE', '2 y', 'M', '2 y st'))
        t(unique_id, dob, fn1, sn, pc, addr_key, gender, addr)""")
    # 150 records of P1 at P1's address, 30 of them without a date of birth; 50 other
    # records elsewhere, 10 without one: m = 30/150, u = 40/200 (no person lacks one).
    con.execute(f"""CREATE TABLE {engine.RECORDS} AS
        SELECT 'R' || i AS unique_id, CASE WHEN i < 30 THEN NULL ELSE DATE '1980-01-02' END
               AS dob, 'ann' AS fn1, 'lee' AS sn, 'AB1 2CD' AS pc, '1 x' AS addr_key,
               'F' AS gender, '1 x st' AS addr FROM range(150) r(i)
        UNION ALL
        SELECT 'S' || i, CASE WHEN i < 10 THEN NULL ELSE DATE '1960-03-04' END, 'cy', 'orr',
               'ZZ9 9ZZ', '9 z', NULL, '9 z st' FROM range(50) r(i)""")
    got = engine.missing_probabilities(con)
    m, u = got["date_of_birth"]
    assert m == pytest.approx(30.5 / 151) and u == pytest.approx(40 / 200)
    # Gender and address: anchored on the full name and date of birth (120 pairs), none of
    # which lacks either; only the extract's other records lack a gender.
    m_g, u_g = got["gender"]
    assert m_g == pytest.approx(0.5 / 121) and u_g == pytest.approx(50 / 200)
    assert "address" not in got  # nobody lacks an address: the level cannot occur


def test_scoring_the_extract_a_slice_at_a_time_gives_the_same_pairs(
    small_synth: Path, tmp_path: Path
) -> None:
    def run(**kw: Any) -> tuple[dict[str, float], list[tuple[Any, ...]], str]:
        settings = Settings(data_dir=tmp_path / str(len(list(tmp_path.iterdir()))), **kw)
        summary = run_wash(settings=settings, actor=SYSTEM,
                           workforce=small_synth / "workforce.csv",
                           records=small_synth / "records.csv")  # fmt: skip
        with session_scope(settings) as s:
            run = s.get(WashRun, summary.run_id)
            assert run is not None and run.model_json
            pairs = s.execute(
                select(WashCandidate.person_id, WashCandidate.record_id,
                       WashCandidate.match_probability, WashCandidate.band,
                       WashCandidate.explanation)
                .where(WashCandidate.run_id == run.id)
                .order_by(WashCandidate.person_id, WashCandidate.record_id)
            ).all()  # fmt: skip
            return summary.timings, [tuple(p) for p in pairs], run.model_json

    t_whole, whole, model = run()
    t_sliced, sliced, model_sliced = run(pairs_per_slice=2_000)
    assert t_whole["score_slices"] == 1 and t_sliced["score_slices"] >= 5
    assert len(whole) > 100
    assert sliced == whole and model_sliced == model


def test_splinks_no_null_level_warning_is_dropped_and_nothing_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A comparison whose missing value carries a measured weight has no null level on
    purpose: Splink's warning about it (once per comparison and linker, every slice) is
    dropped; its other warnings are not."""
    engine._quiet_splink()
    log = logging.getLogger("splink.internals.settings")
    with caplog.at_level(logging.WARNING):
        log.warning("Warning: No null level found for comparison gender.")
        log.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]


def test_em_samples_enough_of_a_large_block_to_hold_its_matches() -> None:
    # Small and 10,000,000-record blocks: the usual sample (nothing changes there).
    assert engine.em_sample_size(445_028, 2_573) == engine.EM_MAX_PAIRS
    assert engine.em_sample_size(4_422_082, 2_692) == engine.EM_MAX_PAIRS
    # 30,000,000 records: 1,000,000 pairs would hold 227 full-name pairs; 600 are kept.
    size = engine.em_sample_size(13_257_357, 3_003)
    assert size * 3_003 >= 600 * 13_257_357 > (size - 1) * 3_003
    assert engine.em_sample_size(5_000_000, 10) == 5_000_000  # never more than the block
    assert engine.em_sample_size(90_000_000, 10) == engine.EM_MAX_SAMPLE  # nor the ceiling
    assert engine.em_sample_size(5_000_000, 0) == engine.EM_MAX_PAIRS


def test_the_prior_counted_from_the_rules_is_splinks_to_the_bit(small_synth: Path) -> None:
    """The prior is counted from the deterministic rules' key equalities instead of by
    Splink's estimate (which materialises every pair of each rule): the same float, NULLs
    (missing postcodes and dates) and pairs admitted by both rules included."""
    from splink import DuckDBAPI, Linker

    con = duckdb.connect()
    for kind, source, ident in (("workforce", engine.WORKFORCE, "person_id"),
                                ("records", engine.RECORDS, "record_id")):  # fmt: skip
        con.execute(
            f"CREATE TABLE raw_{kind} AS SELECT * REPLACE (try_cast(date_of_birth AS DATE) AS "
            f"date_of_birth) FROM read_csv('{small_synth / (kind + '.csv')}', all_varchar=true)"
        )
        engine.build_features(con, source=f"raw_{kind}", target=source, id_column=ident,
                              kind=kind)  # fmt: skip
    n_people = engine._scalar(con, f"SELECT count(*) FROM {engine.WORKFORCE}")
    n_records = engine._scalar(con, f"SELECT count(*) FROM {engine.RECORDS}")
    both = engine._pairs_agreeing(con, ("fn1", "sn", "dob", "fn_ph", "pc"))
    assert both > 0  # pairs that both rules admit, to be counted once
    db_api = DuckDBAPI(connection=con)
    linker = Linker(
        [db_api.register(engine.WORKFORCE), db_api.register(engine.RECORDS)],
        engine._settings_dict(), log_level=None,
    )  # fmt: skip
    linker.training.estimate_probability_two_random_records_match(
        [
            'l."fn1" = r."fn1" AND l."sn" = r."sn" AND l."dob" = r."dob"',
            'l."fn_ph" = r."fn_ph" AND l."dob" = r."dob" AND l."pc" = r."pc"',
        ],
        recall=engine.PRIOR_RULES_RECALL,
    )
    splinks = linker.misc.save_model_to_json()["probability_two_random_records_match"]
    observed = engine._pairs_agreeing(con, ("fn1", "sn", "dob")) + engine._pairs_agreeing(
        con, ("fn_ph", "dob", "pc"), unless=("fn1", "sn", "dob")
    )
    assert engine.prior_from_rules(observed, n_people * n_records) == splinks
