"""Every hostile string from tests/hostile.py through the commands that print what people
typed: an FOI title, a reviewer's reason in the audit log, names in the review. Nothing
crashes, nothing is run as markup, no escape code reaches the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from datawash.cli.main import app
from datawash.config import Settings
from datawash.db import session_scope
from datawash.demo import ensure_demo_users
from tests.conftest import TEST_PASSWORD
from tests.hostile import HOSTILE
from tests.review.helpers import make_run

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path) -> list[str]:
    settings = Settings(data_dir=tmp_path / "d")
    ensure_demo_users(settings, password=TEST_PASSWORD)
    with session_scope(settings) as s:
        make_run(s, {(f"P{n}", f"R{n}"): "a" for n in range(len(HOSTILE))})
    return ["--data-dir", str(tmp_path / "d")]


def _clean(output: str) -> None:
    assert "\x1b" not in output and "\u202e" not in output


@pytest.mark.parametrize("n", range(len(HOSTILE)))
def test_hostile_text_is_printed_as_text(data: list[str], n: int) -> None:
    hostile = HOSTILE[n]
    received = runner.invoke(
        app,
        [
            *data,
            "--user",
            "fran.foi",
            "foi",
            "receive",
            "--title",
            hostile,
            "--requester",
            "A Requester",
            "--text",
            f"How many? {hostile}",
            "--received",
            "2026-01-05",
        ],
    )
    assert received.exit_code == 0, received.output
    listed = runner.invoke(app, [*data, "--user", "fran.foi", "foi", "list"])
    assert listed.exit_code == 0, listed.output
    _clean(listed.output)
    decided = runner.invoke(
        app,
        [
            *data,
            "--user",
            "riley.reviewer",
            "review",
            "decide",
            f"P{n}",
            "not_the_person",
            "--reason",
            hostile,
            "--record",
            f"R{n}=not_this_person",
        ],
    )
    assert decided.exit_code == 0, decided.output
    for args in (
        ["--user", "admin", "audit", "list"],
        ["--user", "robin.reviewer", "review", "show", f"P{n}"],
        ["--user", "robin.reviewer", "review", "queue", "--awaiting"],
    ):
        shown = runner.invoke(app, [*data, *args])
        assert shown.exit_code == 0, shown.output
        _clean(shown.output)
    if hostile.startswith("[bold"):
        shown = runner.invoke(app, [*data, "--user", "robin.reviewer", "review", "show", f"P{n}"])
        assert hostile in shown.output  # shown as typed, not as bold red
