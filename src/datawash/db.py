"""The one database layer: engine, session_scope() and schema migrations.

SQLite in the data directory is the embedded default (WAL, foreign keys on); any
SQLAlchemy URL (PostgreSQL in CI) runs the same code. The schema is owned by Alembic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from datawash import clock
from datawash.config import Settings, get_settings
from datawash.errors import Conflict

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    """The current instant (UTC) from the one injectable clock."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_engines: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = _new_engine(url)
    return _engines[url]


def _new_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: a driver error never carries the row's values (names, dates of
        # birth) into a message or a log.
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    return engine


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        _private_database_file(Path(url.removeprefix("sqlite:///")))
    return _engine_for(url)


def _private_database_file(path: Path) -> None:
    """The data directory 0700 and the database 0600, whatever the umask: SQLite gives its
    WAL and shared-memory files the database file's permissions, so they follow."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def dispose_engine(settings: Settings) -> None:
    """Close the pooled connections to a database (before its files are removed)."""
    url = settings.resolved_database_url
    if url in _engines:
        _engines.pop(url).dispose()
    _ready.cache_clear()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration of every branch (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")


def head_revision() -> str:
    """The newest migration's revision, read from the file names (``0006_….py``) so a
    start need not import Alembic to learn it."""
    names = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1][:4]


def _at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except Exception:  # no table yet: a new database, which upgrade() creates
        return False
    return [r[0] for r in rows] == [head_revision()]


@cache
def _ready(url: str) -> sessionmaker[Session]:
    engine = _engine_for(url)
    if not _at_head(engine):
        upgrade(engine)
    return sessionmaker(bind=engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Open the write transaction now, before any SAVEPOINT. pysqlite starts a transaction
    only at the first INSERT/UPDATE/DELETE, so a SAVEPOINT issued before one would begin
    (and its RELEASE commit) the whole transaction; BEGIN IMMEDIATE first makes savepoints
    nest inside it. PostgreSQL is already in a transaction: nothing to do."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """One transaction: commit if the block finishes, roll back everything if it raises."""
    settings = settings or get_settings()
    get_engine(settings)
    factory = _ready(settings.resolved_database_url)
    session = factory()
    try:
        yield session
        session.commit()
    except StaleDataError:
        # An optimistic lock failed: another session changed the row since we read it.
        session.rollback()
        raise Conflict() from None
    except OperationalError as exc:
        session.rollback()
        if _is_contention(exc):
            raise Conflict() from None
        raise
    except IntegrityError as exc:
        session.rollback()
        if _is_duplicate(exc):
            # Two sessions made the same new thing at once (a case number, a review item,
            # the first user): the later one loses whole.
            raise Conflict("the same record (someone created it at the same moment)") from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _is_duplicate(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def _is_contention(exc: OperationalError) -> bool:
    """A lock wait that timed out (SQLite), a serialisation failure or deadlock (PostgreSQL):
    two writers met; the loser's transaction is rolled back whole."""
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("40001", "40P01", "55P03"):
        return True
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)
