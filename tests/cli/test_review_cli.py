"""The review and users commands as a team calls them: authenticated, dual control from
the command line, bulk files, the queue export, refusals with clear exits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from datawash.audit.models import AuditEvent
from datawash.cli.main import app
from datawash.config import Settings
from datawash.db import session_scope
from datawash.demo import ensure_demo_users
from tests.conftest import TEST_PASSWORD
from tests.review.helpers import make_run

runner = CliRunner()


@pytest.fixture
def team(tmp_path: Path) -> list[str]:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    ensure_demo_users(settings, password=TEST_PASSWORD)
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b", ("P2", "R3"): "c"})
    return ["--data-dir", str(data)]


def _as(team: list[str], user: str, *args: str) -> list[str]:
    return [*team, "--user", user, *args]


def test_a_person_reviewed_under_dual_control(team: list[str], tmp_path: Path) -> None:
    shown = runner.invoke(app, _as(team, "riley.reviewer", "review", "show", "P2"))
    assert shown.exit_code == 0, shown.output
    assert "collar number: 4711" in shown.output and "marked: unmarked" in shown.output
    decided = runner.invoke(
        app,
        _as(
            team,
            "riley.reviewer",
            "review",
            "decide",
            "P2",
            "identity_confirmed",
            "--reason",
            "same dob and address",
            "--record",
            "R2=this_person",
            "--record",
            "R3=not_this_person: born 1958",
        ),
    )
    assert decided.exit_code == 0, decided.output
    assert "awaiting a second person's countersignature" in decided.output
    inbox = runner.invoke(app, _as(team, "robin.reviewer", "review", "queue", "--awaiting-me"))
    assert "P2" in inbox.output and "identity_confirmed by riley.reviewer" in inbox.output
    same = runner.invoke(
        app, _as(team, "riley.reviewer", "review", "countersign", "P2", "--reason", "me")
    )
    assert same.exit_code == 5 and "different person" in same.output
    signed = runner.invoke(
        app, _as(team, "robin.reviewer", "review", "countersign", "P2", "--reason", "agree")
    )
    assert signed.exit_code == 0 and "effective" in signed.output
    out = tmp_path / "queue.csv"
    exported = runner.invoke(
        app, _as(team, "sam.supervisor", "review", "queue", "--all", "--csv", str(out))
    )
    assert exported.exit_code == 0, exported.output
    assert out.read_text().splitlines()[0].startswith("person_id,name,role,state")
    assert out.stat().st_mode & 0o777 == 0o600
    reopened = runner.invoke(
        app, _as(team, "sam.supervisor", "review", "reopen", "P2", "--reason", "new intel")
    )
    assert reopened.exit_code == 0 and "pending" in reopened.output
    not_supervisor = runner.invoke(
        app, _as(team, "riley.reviewer", "review", "reopen", "P1", "--reason", "x")
    )
    assert not_supervisor.exit_code == 4


def test_acting_needs_the_password(team: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAWASH_PASSWORD", "not the password")
    refused = runner.invoke(app, _as(team, "robin.reviewer", "review", "queue"))
    assert refused.exit_code == 4 and "wrong password" in refused.output
    monkeypatch.delenv("DATAWASH_PASSWORD")
    no_terminal = runner.invoke(app, _as(team, "robin.reviewer", "review", "queue"))
    assert no_terminal.exit_code == 4
    monkeypatch.setenv("DATAWASH_PASSWORD", TEST_PASSWORD)
    runner.invoke(
        app, _as(team, "admin", "users", "deactivate", "robin.reviewer", "--reason", "left")
    )
    gone = runner.invoke(app, _as(team, "robin.reviewer", "review", "queue"))
    assert gone.exit_code == 4
    with session_scope(Settings(data_dir=Path(team[1]))) as s:
        failed = s.scalars(select(AuditEvent).where(AuditEvent.action == "auth.failed")).all()
        assert len(failed) == 3 and {e.channel for e in failed} == {"cli"}
        ok = s.scalars(select(AuditEvent).where(AuditEvent.action == "users.deactivated")).one()
        assert ok.channel == "cli" and ok.os_account  # the OS account behind the command


def test_users_and_safeguards_from_the_command_line(team: list[str]) -> None:
    added = runner.invoke(
        app,
        _as(team, "admin", "users", "add", "rowan", "--role", "reviewer", "--password-stdin"),
        input="a brand new password\n",
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, _as(team, "admin", "users", "list"))
    assert "rowan" in listed.output
    off = runner.invoke(
        app,
        _as(team, "sam.supervisor", "safeguards", "set", "dual_control", "off", "--reason", "x"),
    )
    assert off.exit_code == 4
    off = runner.invoke(
        app, _as(team, "admin", "safeguards", "set", "dual_control", "off", "--reason", "short")
    )
    assert off.exit_code == 0 and "False" in off.output
    single = runner.invoke(
        app,
        _as(
            team,
            "riley.reviewer",
            "review",
            "decide",
            "P1",
            "not_the_person",
            "--reason",
            "namesake",
            "--record",
            "R1=not_this_person",
        ),
    )
    assert "WITHOUT a second person" in single.output
    progress = runner.invoke(app, _as(team, "sam.supervisor", "review", "progress"))
    assert "decided without a second person" in progress.output and "OFF" in progress.output


def test_bulk_file_with_a_bad_row_writes_nothing(team: list[str], tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text(
        "person_id,decision,reason,records\nP1,not_the_person,x,R1=not_this_person\nP9,closed,x,\n"
    )
    result = runner.invoke(app, _as(team, "riley.reviewer", "review", "decide", "--file", str(f)))
    assert result.exit_code == 2
    assert "row 2, column 'person_id'" in result.output and "nothing was written" in result.output
    queue = runner.invoke(app, _as(team, "riley.reviewer", "review", "queue", "--awaiting"))
    assert "0 item(s)" in queue.output


def test_hostile_text_is_shown_not_obeyed(team: list[str]) -> None:
    reason = "[bold red]x[/] \x1b[2J done [/]"
    decided = runner.invoke(
        app,
        _as(
            team,
            "riley.reviewer",
            "review",
            "decide",
            "P1",
            "not_the_person",
            "--reason",
            reason,
            "--record",
            "R1=not_this_person",
        ),
    )
    assert decided.exit_code == 0, decided.output
    shown = runner.invoke(app, _as(team, "robin.reviewer", "review", "show", "P1"))
    assert shown.exit_code == 0, shown.output
    assert "[bold red]x[/]" in shown.output and "\x1b" not in shown.output


def test_unknown_run_and_bad_outcome_are_refused(team: list[str]) -> None:
    progress = runner.invoke(app, _as(team, "sam.supervisor", "review", "progress", "7"))
    assert progress.exit_code == 3 and "wash run" in progress.output
