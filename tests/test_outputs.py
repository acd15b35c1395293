"""The one place output is made safe: CSV formulas, terminal markup and control codes,
private atomic files that never follow a planted link."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from datawash.outputs import csv_cell, csv_text, stage_file, terminal, write_private
from tests.hostile import HOSTILE


def test_no_csv_cell_can_start_a_formula() -> None:
    text = csv_text(["h"], [[h] for h in HOSTILE])
    cells = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert len(cells) == len(HOSTILE)
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert csv_cell("Smith") == "Smith"


def test_terminal_text_is_shown_as_text() -> None:
    for hostile in HOSTILE:
        console = Console(file=io.StringIO(), width=10_000, force_terminal=True, color_system=None)
        console.print(terminal(hostile), markup=True, highlight=False)  # never raises
        out = console.file.getvalue()  # type: ignore[attr-defined]
        assert "\x1b[2J" not in out and "\u202e" not in out
        if hostile.startswith("[bold"):
            assert "[bold red]markup[/bold red]" in out


def test_private_atomic_write_never_follows_a_link(tmp_path: Path) -> None:
    target = tmp_path / "out" / "letter.pdf"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    write_private(tmp_path / "out" / "first.txt", "made the folder")
    # A link planted where a fixed staging name would be written.
    (target.parent / ".letter.pdf.partial").symlink_to(victim)
    write_private(target, b"%PDF")
    assert victim.read_text() == "precious"
    assert target.read_bytes() == b"%PDF"
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert os.stat(target.parent).st_mode & 0o777 == 0o700
    write_private(target, b"%PDF-2")  # replaced whole
    assert target.read_bytes() == b"%PDF-2"
    assert not [
        p for p in target.parent.iterdir() if p.name.endswith(".partial") and not p.is_symlink()
    ]


def test_staging_clears_leftovers_and_is_private(tmp_path: Path) -> None:
    target = tmp_path / "pairs.csv"
    old = tmp_path / ".pairs.csv.abc123.partial"
    old.write_text("half an export")
    staged = stage_file(target)
    assert not old.exists() and staged.exists()
    assert os.stat(staged).st_mode & 0o777 == 0o600


def test_an_output_never_replaces_a_database_or_datawash_files(tmp_path: Path) -> None:
    import sqlite3

    from datawash.errors import InputError

    db = tmp_path / "live.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    for target in (db, tmp_path / "datawash.sqlite", tmp_path / "web-secret-key"):
        with pytest.raises(InputError):
            write_private(target, "person_id\n")
        with pytest.raises(InputError):
            stage_file(target)
    assert db.read_bytes().startswith(b"SQLite format 3")


def test_the_error_log_never_follows_a_link(tmp_path: Path) -> None:
    from datawash.incidents import record_unexpected

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "d" / "logs").mkdir(parents=True)
    (tmp_path / "d" / "logs" / "errors.log").symlink_to(victim)
    with pytest.raises(OSError):
        record_unexpected(ValueError("x"), tmp_path / "d")
    assert victim.read_text() == "precious\n"
