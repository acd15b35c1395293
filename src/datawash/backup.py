"""Backup and restore: `datawash backup FILE` (SQLite's online backup API, or pg_dump for
PostgreSQL) with a manifest of row counts and the audit chain's head beside it, and
`datawash restore FILE` into an empty data directory or database, checked afterwards by
`audit verify` and by the row counts."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select, table
from sqlalchemy.orm import Session

from datawash import __version__, clock
from datawash.actor import SYSTEM, Actor
from datawash.audit.chain import current_head
from datawash.config import Settings
from datawash.db import dispose_engine, get_engine, head_revision, session_scope
from datawash.errors import InputError
from datawash.outputs import write_private
from datawash.permissions import require
from datawash.review.integrity import verify_all


@dataclass
class BackupResult:
    path: Path
    manifest: Path
    counts: dict[str, int]
    audit_head: str


def _counts(session: Session) -> dict[str, int]:
    names = sorted(inspect(session.get_bind()).get_table_names())
    return {
        n: int(session.scalar(select(func.count()).select_from(table(n))) or 0)
        for n in names
        if n != "alembic_version"
    }


def _manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def backup(settings: Settings, actor: Actor, out: Path) -> BackupResult:
    """A consistent copy of the whole database while it is in use, written privately."""
    require(actor, "system.backup")
    if out.exists():
        raise InputError(f"{out} exists: a backup never overwrites a file")
    with session_scope(settings) as session:
        counts = _counts(session)
        head = current_head(session)
    url = settings.resolved_database_url
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    os.close(fd)
    try:
        if url.startswith("sqlite:///"):
            source = sqlite3.connect(url.removeprefix("sqlite:///"))
            target = sqlite3.connect(tmp)
            with target:
                source.backup(target)
            target.close()
            source.close()
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", *_schema(url), f"--file={tmp}",
                  _libpq(url)])  # fmt: skip
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    manifest = write_private(
        _manifest_path(out),
        json.dumps(
            {
                "datawash": __version__,
                "schema": head_revision(),
                "made_at": clock.now().isoformat(timespec="seconds"),
                "made_by": actor.username,
                "database": "sqlite" if url.startswith("sqlite") else "postgresql",
                "audit_head": head,
                "rows": counts,
            },
            indent=2,
            sort_keys=True,
        ),
    )
    return BackupResult(out, manifest, counts, head)


@dataclass
class RestoreResult:
    counts: dict[str, int]
    audit_head: str
    verified: bool
    problems: list[str]


def restore(settings: Settings, source: Path) -> RestoreResult:
    """Restore into an empty data directory (SQLite) or an empty database (PostgreSQL),
    then check it: the row counts and the audit head must be the manifest's and `audit
    verify` must pass. No user is needed: the target holds nothing yet."""
    manifest_file = _manifest_path(source)
    if not source.exists() or not manifest_file.exists():
        raise InputError(f"{source}: the backup or its manifest ({manifest_file.name}) is missing")
    manifest = json.loads(manifest_file.read_text("utf-8"))
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///"))
        if target.exists() and target.stat().st_size > 0:
            raise InputError(f"{target} exists: restore only into an empty data directory")
        if manifest.get("database") != "sqlite":
            raise InputError("this is a PostgreSQL backup: restore it into PostgreSQL")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        dispose_engine(settings)
        with source.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise InputError(f"{source} is not a SQLite backup; nothing was written")
        shutil.copyfile(source, target)
        os.chmod(target, 0o600)
    else:
        if manifest.get("database") != "postgresql":
            raise InputError("this is a SQLite backup: restore it into a SQLite data directory")
        engine = get_engine(settings)
        if inspect(engine).get_table_names():
            raise InputError("the database is not empty: restore only into an empty database")
        dispose_engine(settings)
        _run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(url)}", str(source)]
        )
    dispose_engine(settings)
    try:
        with session_scope(settings) as session:
            counts = _counts(session)
            head = current_head(session)
            report = verify_all(session, SYSTEM)
    except Exception:
        if url.startswith("sqlite:///"):  # an unreadable copy is not left behind
            dispose_engine(settings)
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        raise
    problems = [] if report.ok else [report.chain_break or "", *report.mismatches]
    expected = manifest.get("rows", {})
    for name, n in expected.items():
        if counts.get(name) != n:
            problems.append(f"table {name}: {counts.get(name)} rows where the backup had {n}")
    if head != manifest.get("audit_head"):
        problems.append("the audit chain's head is not the one recorded with the backup")
    return RestoreResult(counts, head, not [p for p in problems if p], [p for p in problems if p])


def _schema(url: str) -> list[str]:
    """Only the schema the URL's search_path names, when it names one."""
    from urllib.parse import parse_qs, unquote, urlsplit

    options = parse_qs(urlsplit(url).query).get("options", [])
    for option in options:
        text = unquote(option)
        if "search_path=" in text:
            return [f"--schema={text.split('search_path=', 1)[1].split()[0]}"]
    return []


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it (pg_dump, pg_restore)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise InputError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)"
        )
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        # The tool's own message may quote a row; only its exit status is shown.
        raise InputError(f"{command[0]} failed (exit status {done.returncode})")
