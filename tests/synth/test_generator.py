from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from datawash.ingest.schema import KINDS
from datawash.synth import generate

PHENOMENA = {
    "exact",
    "nickname",
    "transliteration",
    "middle_name_first",
    "previous_surname",
    "alias",
    "double_barrel_half",
    "names_swapped",
    "typo_forename",
    "typo_surname",
    "dob_day_month_swapped",
    "dob_one_digit_off",
    "dob_missing",
    "dob_1_january",
    "moved_address",
    "missing_postcode",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("medium")
    summary = generate(out, workforce=3000, records=40_000, seed=5)
    return out, summary


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, workforce=200, records=3000, seed=1)
    generate(b, workforce=200, records=3000, seed=1)
    generate(c, workforce=200, records=3000, seed=2)
    for name in ("workforce.csv", "records.csv", "events.csv", "truth.csv", "cases.csv"):
        digest = [hashlib.sha256((d / name).read_bytes()).hexdigest() for d in (a, b, c)]
        assert digest[0] == digest[1]
    assert digest[0] != digest[2]


def test_files_follow_the_canonical_formats(medium: tuple[Path, object]) -> None:
    out, _ = medium
    for kind in ("workforce", "records", "events", "cases", "allegations"):
        with (out / f"{kind}.csv").open(newline="") as fh:
            header = next(csv.reader(fh))
        for col in KINDS[kind].columns:
            if col.required:
                assert col.name in header, (kind, col.name)


def test_every_phenomenon_and_hard_negative_is_present(medium: tuple[Path, object]) -> None:
    out, _ = medium
    seen = {p for row in _rows(out / "truth.csv") for p in row["phenomena"].split(";")}
    assert seen >= PHENOMENA
    kinds = {row["kind"] for row in _rows(out / "hard_negatives.csv")}
    assert kinds == {"relative_same_address", "same_name_parent_or_child", "namesake_same_year"}


def test_truth_and_hard_negatives_are_consistent(medium: tuple[Path, object]) -> None:
    out, _ = medium
    people = {r["person_id"] for r in _rows(out / "workforce.csv")}
    records = {r["record_id"] for r in _rows(out / "records.csv")}
    truth = {(r["person_id"], r["record_id"]) for r in _rows(out / "truth.csv")}
    hard = {(r["person_id"], r["record_id"]) for r in _rows(out / "hard_negatives.csv")}
    assert truth and hard
    assert all(p in people and r in records for p, r in truth | hard)
    assert not truth & hard
    assert len(records) == 40_000
    # several records for some people
    per_person: dict[str, int] = {}
    for p, _ in truth:
        per_person[p] = per_person.get(p, 0) + 1
    assert max(per_person.values()) >= 2


def test_exact_matching_finds_about_a_third(medium: tuple[Path, object]) -> None:
    _, summary = medium
    assert 0.25 <= summary.exact_share <= 0.45  # type: ignore[attr-defined]


def test_register_refers_to_real_cases(medium: tuple[Path, object]) -> None:
    out, _ = medium
    cases = {r["case_id"]: r for r in _rows(out / "cases.csv")}
    allegations = _rows(out / "allegations.csv")
    assert all(a["case_id"] in cases for a in allegations)
    assert any(not c["closed_on"] for c in cases.values())  # live cases
    assert any(a["outcome"] == "dismissed" and a["category"] == "sexual" for a in allegations)
    by_case: dict[str, set[str]] = {}
    for a in allegations:
        by_case.setdefault(a["case_id"], set()).add(a["person_id"])
    assert any(len(s) > 1 for s in by_case.values())  # cases with several subjects
    people_cases: dict[str, set[str]] = {}
    for a in allegations:
        people_cases.setdefault(a["person_id"], set()).add(a["case_id"])
    assert any(len(s) > 1 for s in people_cases.values())  # people in several cases


@pytest.mark.parametrize(("workforce", "records"), [(1, 1), (5, 50), (50, 2000)])
def test_small_forces_and_extracts(tmp_path: Path, workforce: int, records: int) -> None:
    summary = generate(tmp_path / "s", workforce=workforce, records=records, seed=3)
    with (tmp_path / "s" / "workforce.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == workforce
    assert summary is not None and (tmp_path / "s" / "allegations.csv").exists()


def test_synth_never_writes_over_real_files_or_through_links(tmp_path: Path) -> None:
    from datawash.errors import InputError

    real = tmp_path / "exports"
    real.mkdir()
    (real / "workforce.csv").write_text("the force's real HR export\n")
    with pytest.raises(InputError, match="already holds files"):
        generate(real, workforce=5, records=20, seed=1)
    assert (real / "workforce.csv").read_text() == "the force's real HR export\n"
    out = tmp_path / "synthetic"
    generate(out, workforce=5, records=20, seed=1)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (out / "truth.csv").unlink()
    (out / "truth.csv").symlink_to(victim)
    generate(out, workforce=5, records=20, seed=1)  # a synth folder may be made again
    assert victim.read_text() == "precious\n" and not (out / "truth.csv").is_symlink()


def test_the_register_has_a_history_that_imports(
    medium: tuple[Path, object], tmp_path: Path
) -> None:
    """Suspensions, restrictions, leaving (under investigation or dismissed), stage dates,
    criminal proceedings and offence codes, so the statistics over them count something;
    and the importer, which checks every date against the others, takes it all."""
    from datawash.cases import service as cases
    from datawash.config import Settings
    from datawash.db import get_engine, session_scope, upgrade
    from tests.review.helpers import ensure_users
    from tests.stats.test_registry import PSD

    out, _ = medium
    allegations = _rows(out / "allegations.csv")
    filled = {c: sum(1 for a in allegations if a[c]) for c in allegations[0]}
    for column in ("suspended_on", "restricted_on", "left_force_on", "criminal_proceedings",
                   "offence_code", "investigation_started_on", "hearing_held_on"):  # fmt: skip
        assert filled[column] > 5, column
    reasons = {a["leaving_reason"] for a in allegations if a["leaving_reason"]}
    assert {"dismissed", "resigned"} <= reasons
    # Some left while under investigation: before the outcome, or with none yet.
    assert any(
        a["left_force_on"] and (not a["outcome_on"] or a["left_force_on"] < a["outcome_on"])
        for a in allegations
    )
    leavers = [a["person_id"] for a in allegations if a["left_force_on"]]
    assert len(leavers) == len(set(leavers))  # each person leaves once
    settings = Settings(data_dir=tmp_path)
    upgrade(get_engine(settings))
    with session_scope(settings) as s:
        ensure_users(s)
        summary = cases.import_register(s, PSD, cases_path=out / "cases.csv",
                                        allegations_path=out / "allegations.csv")  # fmt: skip
    assert summary is not None
