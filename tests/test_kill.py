"""kill -9 at points through a wash with export, a bulk decision file and a letter: the
database stays whole (integrity check, audit verify), nothing half-written is left where a
reader would take it for a result, and the same command then succeeds. A few points here;
bench/kill_bench.py runs many."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datawash.config import Settings
from datawash.db import session_scope
from datawash.demo import ensure_demo_users
from datawash.review.integrity import verify_all
from tests.conftest import TEST_PASSWORD
from tests.review.helpers import ADMIN

DATAWASH = [sys.executable, "-m", "datawash.cli.main"]


def run_killed(args: list[str], env: dict[str, str], after: float) -> int | None:
    """Start the command, kill -9 it after ``after`` seconds (None if it finished first)."""
    proc = subprocess.Popen([*DATAWASH, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        proc.wait(timeout=after)
        return None
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return proc.returncode


def check_whole(data: Path) -> None:
    con = sqlite3.connect(data / "datawash.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with session_scope(Settings(data_dir=data)) as s:
        report = verify_all(s, ADMIN)
    assert report.ok, (report.chain_break, report.mismatches)


@pytest.mark.slow
@pytest.mark.parametrize("after", [1.0, 2.5, 4.0])
def test_a_killed_wash_leaves_a_whole_database_and_reruns(
    small_synth: Path, tmp_path: Path, after: float
) -> None:
    data = tmp_path / "d"
    ensure_demo_users(Settings(data_dir=data), password=TEST_PASSWORD)
    env = dict(os.environ, DATAWASH_PASSWORD=TEST_PASSWORD, DATAWASH_DATA_DIR=str(data))
    export = tmp_path / "out" / "pairs.csv"
    args = [
        "--user", "sam.supervisor", "wash", "--workforce", str(small_synth / "workforce.csv"),
        "--records", str(small_synth / "records.csv"), "--events",
        str(small_synth / "events.csv"), "--export", str(export),
    ]  # fmt: skip
    killed = run_killed(args, env, after)
    check_whole(data)
    if killed is not None:
        assert not export.exists()  # never a half export under the real name
    done = subprocess.run([*DATAWASH, *args], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()[-400:]
    check_whole(data)
    assert export.exists() and not list(export.parent.glob("*.partial"))


@pytest.mark.slow
def test_a_killed_bulk_file_writes_all_or_nothing(tmp_path: Path) -> None:
    from tests.review.helpers import make_run

    data = tmp_path / "d"
    settings = Settings(data_dir=data)
    ensure_demo_users(settings, password=TEST_PASSWORD)
    people = [f"P{n:04d}" for n in range(300)]
    with session_scope(settings) as s:
        make_run(s, {(p, f"R{p}"): "a" for p in people})
    bulk = tmp_path / "d.csv"
    bulk.write_text(
        "person_id,decision,reason,records\n"
        + "".join(f"{p},not_the_person,namesake,R{p}=not_this_person\n" for p in people)
    )
    env = dict(os.environ, DATAWASH_PASSWORD=TEST_PASSWORD, DATAWASH_DATA_DIR=str(data))
    args = ["--user", "riley.reviewer", "review", "decide", "--file", str(bulk)]
    start = time.monotonic()
    run_killed(args, env, 1.5)
    check_whole(data)
    con = sqlite3.connect(data / "datawash.sqlite")
    pending = con.execute("SELECT count(*) FROM review_decisions").fetchone()[0]
    con.close()
    assert pending in (0, len(people))  # one transaction: all or nothing
    if pending == 0:
        done = subprocess.run([*DATAWASH, *args], env=env, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode()[-400:]
    check_whole(data)
    assert time.monotonic() - start < 120
