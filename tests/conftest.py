"""Shared fixtures: a fresh database on SQLite (always) and PostgreSQL (when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from datawash import db
from datawash.config import Settings

POSTGRES_URL = os.environ.get("DATAWASH_TEST_POSTGRES_URL")


def _fresh_postgres_schema(base_url: str, worker: str) -> str:
    """An empty schema per xdist worker, so parallel workers never share tables."""
    schema = f"test_{worker}"
    engine = db._engine_for(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db._ready.cache_clear()
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


TEST_PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its smallest cost in tests (hundreds of users are made); production
    keeps argon2-cffi's defaults, and a stored hash carries its own parameters."""
    from argon2 import PasswordHasher

    from datawash.auth import service as auth

    monkeypatch.setattr(auth, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> Iterator[Settings]:
    """Settings pointing at an empty, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("DATAWASH_TEST_POSTGRES_URL is not set in CI")
        pytest.skip("PostgreSQL not configured (set DATAWASH_TEST_POSTGRES_URL)")
    url = _fresh_postgres_schema(POSTGRES_URL, worker_id)
    yield Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings on SQLite only, for tests that are not about the database backend."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def small_synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic force and extract (600 people x 30,000 records), made once."""
    from datawash.synth import generate

    out = tmp_path_factory.mktemp("synth")
    generate(out, workforce=600, records=30_000, seed=11)
    return out
