"""CLI tests read what a person would see: give rich a fixed, wide console so that no
message or table cell wraps differently with the terminal (or xdist's lack of one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from datawash.cli import common
from datawash.cli.main import app
from datawash.config import Settings
from datawash.demo import ensure_demo_users
from tests.conftest import TEST_PASSWORD
from tests.stats.test_registry import ALLEGATIONS, CASES


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every CLI call in these tests authenticates with the demo users' test password."""
    monkeypatch.setenv("DATAWASH_PASSWORD", TEST_PASSWORD)
    return TEST_PASSWORD


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.err_console):
        monkeypatch.setattr(console, "width", 250)


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    """Global options for a data directory holding the demo users and the small hand-made
    register of tests/stats/test_registry.py, imported through the CLI."""
    data = tmp_path / "data"
    ensure_demo_users(Settings(data_dir=data), password=TEST_PASSWORD)
    cases_csv, allegations_csv = tmp_path / "cases.csv", tmp_path / "allegations.csv"
    cases_csv.write_text(CASES)
    allegations_csv.write_text(ALLEGATIONS)
    imported = CliRunner().invoke(
        app,
        [
            *("--data-dir", str(data), "--user", "pat.psd", "cases", "import"),
            *("--cases", str(cases_csv), "--allegations", str(allegations_csv)),
        ],
    )
    assert imported.exit_code == 0, imported.output
    return ["--data-dir", str(data)]
