"""End to end: a small synthetic wash, its quality floors, what it saves and exports."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from datawash.auth.service import SYSTEM, Actor, Role
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import PermissionDenied, ValidationFailed
from datawash.review.service import wash as run_wash
from datawash.wash.models import (
    WashCandidate,
    WashEvent,
    WashInput,
    WashPerson,
    WashRecord,
    WashRun,
)
from datawash.wash.service import WashSummary


@pytest.fixture(scope="module")
def washed(
    small_synth: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, WashSummary, Path]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("wash"))
    export = settings.data_dir / "pairs.csv"
    summary = run_wash(
        settings=settings,
        actor=SYSTEM,
        workforce=small_synth / "workforce.csv",
        records=small_synth / "records.csv",
        events=small_synth / "events.csv",
        export=export,
    )
    return settings, summary, export


def _truth(folder: Path) -> set[tuple[str, str]]:
    with (folder / "truth.csv").open() as fh:
        return {(r["person_id"], r["record_id"]) for r in csv.DictReader(fh)}


def test_quality_floors(washed: tuple[Settings, WashSummary, Path], small_synth: Path) -> None:
    _, summary, export = washed
    truth = _truth(small_synth)
    with export.open() as fh:
        rows = list(csv.DictReader(fh))
    found = {(r["person_id"], r["record_id"]) for r in rows}
    confirmed = {(r["person_id"], r["record_id"]) for r in rows if r["band"] == "confirmed"}
    recall = len(found & truth) / len(truth)
    precision = len(found & truth) / len(found)
    people = {p for p, _ in truth}
    people_found = {p for p, _ in found & truth}
    assert recall >= 0.90, recall
    assert precision >= 0.75, precision
    assert len(people_found) / len(people) >= 0.93
    assert len(confirmed & truth) / len(confirmed) >= 0.98
    assert summary.confirmed + summary.review == len(rows)


def test_hard_negatives_are_mostly_kept_out(
    washed: tuple[Settings, WashSummary, Path], small_synth: Path
) -> None:
    _, _, export = washed
    with (small_synth / "hard_negatives.csv").open() as fh:
        hard = {(r["person_id"], r["record_id"]): r["kind"] for r in csv.DictReader(fh)}
    with export.open() as fh:
        found = {(r["person_id"], r["record_id"]) for r in csv.DictReader(fh)}
    relatives = [k for k, kind in hard.items() if kind == "relative_same_address"]
    assert sum(1 for k in relatives if k in found) <= 0.05 * len(relatives)
    assert sum(1 for k in hard if k in found) <= 0.5 * len(hard)


def test_the_run_carries_its_first_operating_point(
    washed: tuple[Settings, WashSummary, Path],
) -> None:
    settings, summary, _ = washed
    with session_scope(settings) as s:
        run = s.get(WashRun, summary.run_id)
        assert run is not None
        point = run.settings["learning"]
        best: dict[str, float] = {}
        for c in s.scalars(select(WashCandidate).where(WashCandidate.run_id == run.id)):
            best[c.person_id] = max(best.get(c.person_id, 0.0), c.match_probability)
    assert point["target_share"] == settings.target_share_found
    assert point["people_to_review"] == sum(
        1 for p in best.values() if p >= point["operating_threshold"]
    )
    assert 0 < point["people_to_review"] <= len(best)
    shares = [c["share"] for c in point["curve"]]
    assert shares == sorted(shares) and [c["people"] for c in point["curve"]] == sorted(
        c["people"] for c in point["curve"]
    )


def test_a_supervisors_share_carries_over_to_the_next_wash(
    small_synth: Path, tmp_path: Path
) -> None:
    from datawash.review import learning
    from tests.review.helpers import SUP, ensure_users

    settings = Settings(data_dir=tmp_path / "d")
    files = {"workforce": small_synth / "workforce.csv", "records": small_synth / "records.csv"}
    first = run_wash(settings=settings, actor=SYSTEM, **files)
    assert first.operating_point["target_share"] == settings.target_share_found == 0.97
    with session_scope(settings) as s:
        ensure_users(s)
        learning.set_target_share(s, SUP, settings, run_id=first.run_id, share=0.9,
                                  reason="the deadline")  # fmt: skip
    second = run_wash(settings=settings, actor=SYSTEM, **files)
    assert second.operating_point["target_share"] == 0.9
    with session_scope(settings) as s:
        run = s.get(WashRun, second.run_id)
        assert run is not None
        assert run.settings["target_share_chosen"] == 0.9
        assert run.settings["target_share_found"] == 0.97  # what the wash ran with, kept


def test_export_format(washed: tuple[Settings, WashSummary, Path]) -> None:
    _, _, export = washed
    with export.open() as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames is not None
        assert reader.fieldnames[:4] == [
            "person_id",
            "record_id",
            "match_probability",
            "match_weight",
        ]
        assert {"band", "explanation"} <= set(reader.fieldnames)
        row = next(reader)
    assert 0.5 <= float(row["match_probability"]) <= 1.0
    assert row["band"] in ("confirmed", "review")
    assert "date of birth:" in row["explanation"]


def test_parquet_export(small_synth: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")
    out = tmp_path / "pairs.parquet"
    run_wash(
        settings=settings,
        actor=SYSTEM,
        workforce=small_synth / "workforce.csv",
        records=small_synth / "records.csv",
        export=out,
    )
    cols = [c[0] for c in duckdb.sql(f"DESCRIBE SELECT * FROM '{out}'").fetchall()]
    assert cols[:5] == ["person_id", "record_id", "match_probability", "match_weight", "band"]


def test_run_is_persisted_for_review(washed: tuple[Settings, WashSummary, Path]) -> None:
    settings, summary, _ = washed
    with session_scope(settings) as s:
        run = s.get(WashRun, summary.run_id)
        assert run is not None and run.status == "completed"
        assert run.model_json and '"comparisons"' in run.model_json
        assert {i.kind for i in s.scalars(select(WashInput))} == {"workforce", "records", "events"}
        assert s.scalar(select(func.count()).select_from(WashPerson)) == 600
        n_pairs = s.scalar(select(func.count()).select_from(WashCandidate))
        assert n_pairs == summary.confirmed + summary.review
        cand = s.scalars(select(WashCandidate).limit(1)).one()
        assert {e["field"] for e in cand.explanation} == {
            "forename",
            "surname",
            "date of birth",
            "gender",
            "address",
        }
        record_ids = set(s.scalars(select(WashRecord.record_id)))
        assert set(s.scalars(select(WashCandidate.record_id))) == record_ids
        assert all(len(r.fingerprint) == 64 for r in s.scalars(select(WashRecord)))
        assert set(s.scalars(select(WashEvent.record_id))) <= record_ids


def test_bad_input_writes_nothing(small_synth: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")
    bad = tmp_path / "workforce.csv"
    lines = (small_synth / "workforce.csv").read_text().splitlines()
    lines.append(lines[1])  # duplicate person_id
    bad.write_text("\n".join(lines) + "\n")
    export = tmp_path / "pairs.csv"
    with pytest.raises(ValidationFailed, match="duplicate person_id"):
        run_wash(
            settings=settings,
            actor=SYSTEM,
            workforce=bad,
            records=small_synth / "records.csv",
            export=export,
        )
    assert not export.exists()
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(WashRun)) == 0


def test_events_for_unknown_records_are_refused(small_synth: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,record_id,event_type,role\nE1,R-NOT-THERE,crime,suspect\n", encoding="utf-8"
    )
    with pytest.raises(ValidationFailed, match="row 1, column 'record_id': no record"):
        run_wash(
            settings=Settings(data_dir=tmp_path / "d"),
            actor=SYSTEM,
            workforce=small_synth / "workforce.csv",
            records=small_synth / "records.csv",
            events=events,
        )


def test_only_supervisors_and_administrators_run_a_wash(small_synth: Path, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        run_wash(
            settings=Settings(data_dir=tmp_path / "d"),
            actor=Actor("rev", Role.REVIEWER),
            workforce=small_synth / "workforce.csv",
            records=small_synth / "records.csv",
        )


@pytest.mark.parametrize(("people", "records"), [(1, None), (10, None), (None, 1), (1, 1)])
def test_small_washes_finish_and_are_recorded(
    small_synth: Path, tmp_path: Path, people: int | None, records: int | None
) -> None:
    def head(name: str, n: int | None) -> Path:
        lines = (small_synth / name).read_text().splitlines()
        if n is None:
            return small_synth / name
        out = tmp_path / name
        out.write_text("\n".join(lines[: n + 1]) + "\n")
        return out

    settings = Settings(data_dir=tmp_path / "d")
    summary = run_wash(
        settings=settings,
        actor=SYSTEM,
        workforce=head("workforce.csv", people),
        records=head("records.csv", records),
    )
    with session_scope(settings) as s:
        run = s.scalars(select(WashRun)).one()
        assert run.status == "completed" and run.id == summary.run_id
        assert summary.people == (people or run.n_people)
        assert summary.people_with_candidates <= summary.people


def test_one_person_and_their_identical_record_is_found(tmp_path: Path) -> None:
    wf = tmp_path / "w.csv"
    wf.write_text(
        "person_id,role,forenames,surname,date_of_birth,gender,address,postcode\n"
        "P1,officer,Imogen,Thackeray,1984-06-02,F,12 Mill Lane Leeds,LS6 2AB\n"
    )
    rec = tmp_path / "r.csv"
    rec.write_text(
        "record_id,forenames,surname,date_of_birth,gender,address,postcode\n"
        "R1,Imogen,Thackeray,1984-06-02,F,12 Mill Lane Leeds,LS6 2AB\n"
    )
    settings = Settings(data_dir=tmp_path / "d")
    summary = run_wash(settings=settings, actor=SYSTEM, workforce=wf, records=rec)
    assert summary.people_with_candidates == 1
    with session_scope(settings) as s:
        pair = s.scalars(select(WashCandidate)).one()
        assert pair.match_probability > 0.99
