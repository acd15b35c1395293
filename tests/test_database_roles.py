"""PostgreSQL with two roles: migrations run as the schema's owner, the application connects
as a role that may only INSERT and SELECT the audit log - TRUNCATE, DELETE, UPDATE and
DISABLE TRIGGER are refused by the database itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from datawash import db
from datawash.config import Settings
from datawash.db import session_scope
from tests.conftest import POSTGRES_URL, _fresh_postgres_schema
from tests.review.helpers import decided, make_run

APP_URL = os.environ.get("DATAWASH_TEST_POSTGRES_APP_URL")


@pytest.fixture
def two_roles(tmp_path: Path, worker_id: str) -> Settings:
    if not (POSTGRES_URL and APP_URL):
        if os.environ.get("CI"):
            pytest.fail("DATAWASH_TEST_POSTGRES_APP_URL is not set in CI")
        pytest.skip("PostgreSQL application role not configured")
    owner = _fresh_postgres_schema(POSTGRES_URL, f"roles_{worker_id}")
    query = owner.partition("?")[2]
    app = f"{APP_URL}?{query}"
    return Settings(data_dir=tmp_path / "d", database_url=app, migration_database_url=owner)


def test_the_application_cannot_rewrite_or_empty_the_audit_log(two_roles: Settings) -> None:
    with session_scope(two_roles) as s:
        make_run(s, {("P1", "R1"): "a"})
        decided(s, "P1", "not_the_person")
        assert s.execute(text("SELECT current_user")).scalar_one() != "datawash"
        before = s.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    for statement in (
        "TRUNCATE audit_events",
        "DELETE FROM audit_events",
        "UPDATE audit_events SET reason = 'rewritten'",
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
        "DROP TABLE audit_events",
    ):
        with pytest.raises(DBAPIError), session_scope(two_roles) as s:
            s.execute(text(statement))
    with session_scope(two_roles) as s:
        assert s.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == before
    db.dispose_engine(two_roles)
