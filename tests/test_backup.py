"""Backup while in use, restore into an empty place, verified by audit verify and the row
counts; never over data; a damaged backup is caught."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from datawash import db
from datawash.backup import backup, restore
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import InputError, PermissionDenied
from tests.conftest import POSTGRES_URL
from tests.review.helpers import ADMIN, REV1, decided, make_run


def _work(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b"})
        decided(s, "P1", "not_the_person")


def test_sqlite_backup_and_restore(sqlite_settings: Settings, tmp_path: Path) -> None:
    _work(sqlite_settings)
    out = tmp_path / "backups" / "dw.sqlite"
    with pytest.raises(PermissionDenied):
        backup(sqlite_settings, REV1, out)
    made = backup(sqlite_settings, ADMIN, out)
    assert made.counts["review_items"] == 2 and made.counts["audit_events"] >= 4
    assert os.stat(out).st_mode & 0o777 == 0o600
    with pytest.raises(InputError, match="never overwrites"):
        backup(sqlite_settings, ADMIN, out)
    with pytest.raises(InputError, match="empty data directory"):
        restore(sqlite_settings, out)  # over live data: refused
    fresh = Settings(data_dir=tmp_path / "restored")
    result = restore(fresh, out)
    assert result.verified, result.problems
    assert result.counts == made.counts and result.audit_head == made.audit_head


def test_a_damaged_backup_is_caught(sqlite_settings: Settings, tmp_path: Path) -> None:
    _work(sqlite_settings)
    out = tmp_path / "dw.sqlite"
    backup(sqlite_settings, ADMIN, out)
    con = sqlite3.connect(out)
    con.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    con.execute("UPDATE audit_events SET reason = 'edited' WHERE seq = 2")
    con.commit()
    con.close()
    result = restore(Settings(data_dir=tmp_path / "restored"), out)
    assert not result.verified and any("number 2" in p for p in result.problems)


def test_postgres_backup_and_restore(tmp_path: Path, worker_id: str) -> None:
    from tests.conftest import _fresh_postgres_schema

    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("DATAWASH_TEST_POSTGRES_URL is not set in CI")
        pytest.skip("PostgreSQL not configured (set DATAWASH_TEST_POSTGRES_URL)")
    source = Settings(
        data_dir=tmp_path / "d", database_url=_fresh_postgres_schema(POSTGRES_URL, worker_id)
    )
    _work(source)
    out = tmp_path / "dw.dump"
    made = backup(source, ADMIN, out)
    # An empty database of its own to restore into.
    name = f"datawash_restore_{worker_id}"
    admin_engine = db._engine_for(POSTGRES_URL)
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = source.resolved_database_url.partition("?")
    target_url = base.rsplit("/", 1)[0] + f"/{name}?" + query
    result = restore(Settings(data_dir=tmp_path / "r", database_url=target_url), out)
    assert result.verified, result.problems
    assert result.counts == made.counts
    db.dispose_engine(Settings(data_dir=tmp_path / "r", database_url=target_url))


def test_a_file_that_is_not_a_backup_leaves_nothing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("garbage")
    (tmp_path / "junk.sqlite.manifest.json").write_text('{"database": "sqlite", "rows": {}}')
    fresh = Settings(data_dir=tmp_path / "restored")
    with pytest.raises(InputError, match="not a SQLite backup"):
        restore(fresh, junk)
    assert not (tmp_path / "restored" / "datawash.sqlite").exists()
