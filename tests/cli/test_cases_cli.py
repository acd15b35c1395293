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
