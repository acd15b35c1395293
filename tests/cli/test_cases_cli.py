from pathlib import Path

from typer.testing import CliRunner

from datawash.cli.main import app
from datawash.config import Settings
from datawash.demo import ensure_demo_users
from tests.conftest import TEST_PASSWORD

runner = CliRunner()


def test_cases_import_count_and_audit(small_synth: Path, tmp_path: Path) -> None:
    data = tmp_path / "d"
    ensure_demo_users(Settings(data_dir=data), password=TEST_PASSWORD)
    base = ["--data-dir", str(data)]
    args = [
        "cases",
        "import",
        "--cases",
        str(small_synth / "cases.csv"),
        "--allegations",
        str(small_synth / "allegations.csv"),
    ]
    first = runner.invoke(app, [*base, "--user", "pat.psd", *args])
    assert first.exit_code == 0, first.output
    assert "0 unchanged" in first.output
    again = runner.invoke(app, [*base, "--user", "pat.psd", *args])
    assert "0 new, 0 updated" in again.output
    count = runner.invoke(app, [*base, "--user", "alex.analyst", "cases", "count", "--completed"])
    assert count.exit_code == 0 and "case(s) involving" in count.output
    listed = runner.invoke(app, [*base, "--user", "pat.psd", "cases", "list", "--live"])
    assert listed.exit_code == 0 and "live" in listed.output
    denied = runner.invoke(app, [*base, "--user", "riley.reviewer", "cases", "count"])
    assert denied.exit_code == 4
    log = runner.invoke(app, [*base, "--user", "admin", "audit", "list", "--actor", "pat.psd"])
    assert log.exit_code == 0 and "pat.psd" in log.output


def test_cases_show_says_what_the_register_holds_beyond_the_outcome(
    small_synth: Path, tmp_path: Path
) -> None:
    """`cases show` lists each allegation and, under it, its rank, offence code, dates of the
    stages, suspension, criminal proceedings (with the charge) and leaving the force, as the
    allegations file gave them."""
    import csv

    data = tmp_path / "d"
    ensure_demo_users(Settings(data_dir=data), password=TEST_PASSWORD)
    base = ["--data-dir", str(data), "--user", "pat.psd", "cases"]
    files = ["--cases", str(small_synth / "cases.csv"),
             "--allegations", str(small_synth / "allegations.csv")]  # fmt: skip
    imported = runner.invoke(app, [*base, "import", *files])
    assert imported.exit_code == 0, imported.output
    with (small_synth / "allegations.csv").open(newline="") as fh:
        charged = next(r for r in csv.DictReader(fh) if r["charged_on"] and r["rank_at_time"])
    shown = runner.invoke(app, [*base, "show", charged["case_id"]], env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    line = next(
        x for x in shown.output.splitlines() if x.startswith(charged["allegation_id"] + ":")
    )
    assert f"rank {charged['rank_at_time'].replace('_', ' ')}" in line
    assert f"charged {charged['charged_on']}" in line
    assert f"offence code {charged['offence_code']}" in line
