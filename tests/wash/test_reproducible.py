"""The same inputs and settings give the same run, bit for bit: pairs, probabilities,
bands, explanations and the model's JSON, run after run and on 1 or 2 threads. The samples
are made smaller than the extract here so that sampling is exercised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from datawash.auth.service import SYSTEM
from datawash.config import Settings
from datawash.db import session_scope
from datawash.linkage import engine
from datawash.review.service import wash as run_wash
from datawash.wash.models import WashCandidate, WashRun


def _run(small_synth: Path, data: Path, threads: int) -> tuple[str, list[tuple[Any, ...]]]:
    settings = Settings(data_dir=data, duckdb_threads=threads)
    summary = run_wash(settings=settings, actor=SYSTEM, workforce=small_synth / "workforce.csv",
                       records=small_synth / "records.csv")  # fmt: skip
    with session_scope(settings) as s:
        run = s.get(WashRun, summary.run_id)
        assert run is not None and run.model_json
        pairs = sorted(
            (c.person_id, c.record_id, c.match_probability.hex(), c.match_weight.hex(), c.band,
             json.dumps(c.explanation, sort_keys=True))
            for c in s.scalars(select(WashCandidate).where(WashCandidate.run_id == run.id))
        )  # fmt: skip
        return run.model_json, pairs


def test_the_same_inputs_give_the_same_run_bit_for_bit(
    small_synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "U_SAMPLE_ROWS", 7_000)  # a sample, not the whole extract
    monkeypatch.setattr(engine, "U_MAX_PAIRS", 300_000)
    monkeypatch.setattr(engine, "EM_MAX_PAIRS", 2_000)
    first = _run(small_synth, tmp_path / "a", threads=2)
    again = _run(small_synth, tmp_path / "b", threads=2)
    single = _run(small_synth, tmp_path / "c", threads=1)
    assert len(first[1]) > 100
    assert first[0] == again[0] == single[0]  # the model JSON, byte for byte
    assert first[1] == again[1] == single[1]  # every pair, to the last bit
