"""The one database layer: engine, session_scope() and schema migrations.

SQLite in the data directory is the embedded default (WAL, foreign keys on); any
SQLAlchemy URL (PostgreSQL in CI) runs the same code. The schema is owned by Alembic.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, String, case, create_engine, event, literal
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
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


class ReferenceCounter(Base):
    """The last number given out under a prefix (``FOI-2026-``, ``DW-2026-``), and one-time
    claims (the first administrator): numbers are taken with one atomic upsert, never by
    counting rows and adding one, which two sessions at once would do alike."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(64), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


def next_number(session: Session, prefix: str, *, at_least: int = 0) -> int:
    """The next number under ``prefix``, above ``at_least`` (the highest already used by
    rows made before the counter existed). Concurrent callers wait on the counter's row
    and each gets a different number."""
    dialect = session.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    last = ReferenceCounter.last
    stmt = (
        insert_(ReferenceCounter)
        .values(prefix=prefix, last=at_least + 1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.prefix],
            set_={"last": case((last >= at_least, last + 1), else_=literal(at_least + 1))},
        )
        .returning(last)
    )
    return int(session.execute(stmt).scalar_one())


def claim_once(session: Session, name: str) -> None:
    """Claim a one-time step (the first administrator); a second claim, even at the same
    moment from another session, fails as a Conflict when it commits or flushes."""
    session.add(ReferenceCounter(prefix=f"claim:{name}", last=1))
    session.flush()


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
    _ready_unlocked.cache_clear()


def upgrade(engine: Engine, *, app_role: str | None = None) -> None:
    """Bring the schema to the newest migration of every branch (idempotent). With
    ``app_role`` (PostgreSQL, when the application connects as a role other than the
    schema's owner), that role is then granted what it needs and no more."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        # One migrator at a time across processes (two commands on a fresh install): the
        # write lock on SQLite, an advisory lock on PostgreSQL, held to the commit.
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242061)")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
        if app_role and connection.dialect.name == "postgresql":
            grant_application_role(connection, app_role)


def grant_application_role(connection: Any, role: str) -> None:
    """The application's role may read and write the domain tables, but may only INSERT
    and SELECT the audit log: no UPDATE, DELETE or TRUNCATE, and (not owning the table) no
    DISABLE TRIGGER or DROP. The owner role runs the migrations."""
    schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
    quoted_role, quoted_schema = _quote(role), _quote(schema)
    for statement in (
        f"GRANT USAGE ON SCHEMA {quoted_schema} TO {quoted_role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quoted_schema} "
        f"TO {quoted_role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {quoted_schema}.audit_events FROM {quoted_role}",
        f"REVOKE DELETE, TRUNCATE ON {quoted_schema}.audit_chain_head FROM {quoted_role}",
        f"REVOKE INSERT, UPDATE, DELETE ON {quoted_schema}.alembic_version FROM {quoted_role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {quoted_schema} TO {quoted_role}",
    ):
        connection.exec_driver_sql(statement)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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


_ready_lock = threading.Lock()


@cache
def _ready_unlocked(url: str, owner_url: str | None = None) -> sessionmaker[Session]:
    engine = _engine_for(url)
    if not _at_head(engine):
        if owner_url and owner_url != url:
            upgrade(_engine_for(owner_url), app_role=make_url(url).username)
        else:
            upgrade(engine)
    return sessionmaker(bind=engine, expire_on_commit=False)


def _ready(url: str, owner_url: str | None = None) -> sessionmaker[Session]:
    """The session factory of a migrated database (threads of one process wait for one
    another here; processes wait on the database's own lock in upgrade()). With
    ``owner_url`` the migrations run as the schema's owner and the application connects
    with ``url``'s lesser role."""
    with _ready_lock:
        return _ready_unlocked(url, owner_url)


_ready.cache_clear = _ready_unlocked.cache_clear  # type: ignore[attr-defined]


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
    factory = _ready(settings.resolved_database_url, settings.migration_database_url)
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
