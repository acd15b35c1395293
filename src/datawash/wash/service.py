"""Run a wash: load and validate the inputs, link, and persist the run in one transaction."""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from datawash import audit
from datawash.actor import Actor
from datawash.audit import events as audit_events
from datawash.audit.chain import current_head
from datawash.config import Settings
from datawash.db import session_scope, utcnow
from datawash.errors import InputError, NotFound, Problem, ValidationFailed
from datawash.ingest.mapping import ColumnMap
from datawash.ingest.readers import LoadedTable, load_table
from datawash.linkage.comparisons import FIELD_LABELS
from datawash.linkage.engine import LinkageResult, link
from datawash.outputs import stage_file
from datawash.permissions import require
from datawash.wash.models import (
    WashCandidate,
    WashEvent,
    WashInput,
    WashPerson,
    WashRecord,
    WashRun,
)

Progress = Callable[[str, float], None]

_PERSON_FIELDS = (
    "person_id",
    "role",
    "forenames",
    "surname",
    "previous_surnames",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
)
_RECORD_FIELDS = (
    "record_id",
    "forenames",
    "surname",
    "aliases",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
)
_EVENT_FIELDS = (
    "event_id",
    "record_id",
    "event_type",
    "role",
    "offence_code",
    "offence_description",
    "domestic_abuse",
    "event_date",
)


@dataclass
class WashSummary:
    run_id: int
    people: int
    records: int
    events: int
    comparisons: int
    confirmed: int
    review: int
    people_with_candidates: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    blocking_plan: list[dict[str, Any]] = field(default_factory=list)
    export: Path | None = None
    review_items_created: int = 0
    review_items_reopened: int = 0
    # How far down the queue to work to find the target share of the matched people, as
    # the run's probabilities (corrected by any reviewers' marks) expect it.
    operating_point: dict[str, Any] = field(default_factory=dict)


def open_workspace(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for the run, spilling to the data directory, not /tmp."""
    spill = settings.data_dir / "tmp"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    con.execute(f"SET temp_directory = '{spill.resolve()}'")
    con.execute(f"SET memory_limit = '{settings.memory_limit_for(0)}'")
    con.execute("SET preserve_insertion_order = false")
    if settings.duckdb_threads > 0:
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    return con


class ReviewCounts(Protocol):
    created: int
    reopened: int


OpenReviews = Callable[[Session, Actor, int], ReviewCounts]


def run_wash(
    *,
    settings: Settings,
    actor: Actor,
    workforce: Path,
    records: Path,
    events: Path | None = None,
    column_map: ColumnMap | None = None,
    label: str | None = None,
    export: Path | None = None,
    progress: Progress | None = None,
    open_reviews: OpenReviews,
) -> WashSummary:
    """Screen the workforce file against the records extract and record the run.

    Nothing is written unless every input is valid and the linkage finishes: the database
    change (run, people, candidate records, events, pairs, review items) is one transaction.
    ``open_reviews`` brings the review items up to date in that transaction; the review
    layer passes its own (``review.service.wash``), so the wash never imports the review.
    """
    require(actor, "wash.run")
    if export is not None and export.suffix not in (".csv", ".parquet"):
        raise InputError(f"{export}: the export must be a .csv or .parquet file")
    step = progress or (lambda _s, _f: None)
    started = time.perf_counter()
    con = open_workspace(settings)
    try:
        step("load", 0.0)
        ages = (settings.workforce_min_age, settings.workforce_max_age)
        inputs = [load_table(con, workforce, "workforce", column_map=column_map, age_bounds=ages)]
        step("load", 0.4)
        # Working memory sized to the extract before it is read, not after: a large extract
        # read under the small default limit spills to disk as it loads.
        con.execute(f"SET memory_limit = '{settings.memory_limit_for(_rows_about(records))}'")
        inputs.append(load_table(con, records, "records", column_map=column_map))
        # Working memory sized to the extract (Settings.memory_limit_for).
        con.execute(f"SET memory_limit = '{settings.memory_limit_for(inputs[-1].rows)}'")
        step("load", 0.8)
        if events is not None:
            inputs.append(load_table(con, events, "events", column_map=column_map))
            _check_event_records(con, inputs[-1])
        step("load", 1.0)

        result = link(
            con,
            workforce_table="workforce",
            records_table="records",
            settings=settings,
            progress=step,
        )
        step("save", 0.0)
        # The export is written next to its destination first and moved into place only
        # once the database transaction has committed: a failure leaves neither behind.
        staged = None
        if export is not None:
            staged = stage_file(export)
            export_pairs(con, result.pairs_table, staged, parquet=export.suffix == ".parquet")
            os.chmod(staged, 0o600)
        try:
            with session_scope(settings) as session:
                run = _persist(session, actor, con, inputs, result, settings, label=label)
                # Review items follow the run in the same transaction: no run without them.
                synced = open_reviews(session, actor, run.id)
                run.seconds = round(time.perf_counter() - started, 2)
                summary = WashSummary(
                    run_id=run.id,
                    people=run.n_people,
                    records=run.n_records,
                    events=run.n_events,
                    comparisons=run.n_comparisons,
                    confirmed=run.n_confirmed,
                    review=run.n_review,
                    people_with_candidates=run.n_people_with_candidates,
                    seconds=run.seconds,
                    timings=result.timings,
                    blocking_plan=result.plan,
                    review_items_created=synced.created,
                    review_items_reopened=synced.reopened,
                    operating_point=dict((run.settings or {}).get("learning") or {}),
                )
        except BaseException:
            if staged is not None:
                staged.unlink(missing_ok=True)
            raise
        if staged is not None and export is not None:
            staged.replace(export)
            summary.export = export
        step("save", 1.0)
        return summary
    finally:
        con.close()


def _rows_about(path: Path) -> int:
    """Roughly how many rows a file holds, without reading it: a Parquet file says so in
    its footer; a text file is taken at 64 bytes a row (a records row is 80-120)."""
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            con = duckdb.connect()
            try:
                got = con.execute(
                    "SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(path)]
                ).fetchall()
            finally:
                con.close()
            return int(got[0][0] or 0)
        return path.stat().st_size // 64
    except (OSError, duckdb.Error):
        return 0  # unreadable: load_table says why


def _check_event_records(con: duckdb.DuckDBPyConnection, events: LoadedTable) -> None:
    """Every event must belong to a record of the extract (an unknown record_id is an error)."""
    rows = con.execute(
        f"SELECT e._row FROM {events.table} e ANTI JOIN records r ON e.record_id = r.record_id "
        "ORDER BY e._row LIMIT 1000"
    ).fetchall()
    if rows:
        total = con.execute(
            f"SELECT count(*) FROM {events.table} e ANTI JOIN records r "
            "ON e.record_id = r.record_id"
        ).fetchall()[0][0]
        problems = [
            Problem(str(events.path), int(r[0]), "record_id", "no record with this record_id")
            for r in rows
        ]
        if total > len(rows):
            problems.append(
                Problem(str(events.path), None, "record_id", f"{total} unknown record_ids in all")
            )
        raise ValidationFailed(problems)


def _fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _extra(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    return {c: row[c] for c in columns if row.get(c) is not None}


def _iso(value: Any) -> str | None:
    return None if value is None else str(value)


def _persist(
    session: Session,
    actor: Actor,
    con: duckdb.DuckDBPyConnection,
    inputs: list[LoadedTable],
    result: LinkageResult,
    settings: Settings,
    *,
    label: str | None,
) -> WashRun:
    by_kind = {t.kind: t for t in inputs}
    n_events = by_kind["events"].rows if "events" in by_kind else 0
    run = WashRun(
        label=label,
        settings=settings.model_dump(mode="json", exclude={"database_url"}),
        model_json=result.model_json,
        blocking_plan=result.plan,
        n_people=result.n_people,
        n_records=result.n_records,
        n_events=n_events,
        n_comparisons=result.n_comparisons,
    )
    session.add(run)
    session.flush()
    for t in inputs:
        session.add(
            WashInput(
                run_id=run.id,
                kind=t.kind,
                path=str(t.path),
                sha256=t.sha256,
                rows=t.rows,
                column_map=t.column_map,
            )
        )

    wf = by_kind["workforce"]
    people = _fetch_dicts(con, f"SELECT * FROM {wf.table} ORDER BY person_id")
    # Each table's rows in one executemany: with render_nulls every row has the same
    # columns; without it SQLAlchemy leaves a NULL out, and each run of rows with the same
    # gaps became a statement of its own (thousands per run, most of a row each).
    if people:
        session.execute(
            insert(WashPerson).execution_options(render_nulls=True),
            [
                {
                    **{f: _iso(p[f]) if f == "date_of_birth" else p[f] for f in _PERSON_FIELDS},
                    "run_id": run.id,
                    "extra": _extra(p, wf.extra_columns),
                }
                for p in people
            ],
        )

    pairs = _fetch_dicts(
        con,
        f"SELECT person_id, record_id, match_probability, match_weight, band, explanation "
        f"FROM {result.pairs_table} ORDER BY person_id, match_probability DESC, record_id",
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE dw_candidate_ids AS "
        f"SELECT DISTINCT record_id FROM {result.pairs_table}"
    )
    rec = by_kind["records"]
    records = _fetch_dicts(
        con,
        "SELECT r.* FROM records r SEMI JOIN dw_candidate_ids c ON r.record_id = c.record_id "
        "ORDER BY r.record_id",
    )
    events_by_record: dict[str, list[dict[str, Any]]] = {}
    if "events" in by_kind:
        ev = by_kind["events"]
        events = _fetch_dicts(
            con,
            f"SELECT e.* FROM {ev.table} e SEMI JOIN dw_candidate_ids c "
            "ON e.record_id = c.record_id ORDER BY e.record_id, e.event_id",
        )
        for e in events:
            events_by_record.setdefault(e["record_id"], []).append(e)
        if events:
            session.execute(
                insert(WashEvent).execution_options(render_nulls=True),
                [
                    {
                        **{f: _iso(e[f]) if f == "event_date" else e[f] for f in _EVENT_FIELDS},
                        "run_id": run.id,
                        "extra": _extra(e, ev.extra_columns),
                    }
                    for e in events
                ],
            )
    if records:
        session.execute(
            insert(WashRecord).execution_options(render_nulls=True),
            [
                {
                    **{f: _iso(r[f]) if f == "date_of_birth" else r[f] for f in _RECORD_FIELDS},
                    "run_id": run.id,
                    "extra": _extra(r, rec.extra_columns),
                    "fingerprint": record_fingerprint(r, events_by_record.get(r["record_id"], [])),
                }
                for r in records
            ],
        )
    if pairs:
        session.execute(
            insert(WashCandidate).execution_options(render_nulls=True),
            [
                {
                    "run_id": run.id,
                    "person_id": p["person_id"],
                    "record_id": p["record_id"],
                    "match_probability": float(p["match_probability"]),
                    "match_weight": float(p["match_weight"]),
                    "band": p["band"],
                    "explanation": list(p["explanation"]),
                }
                for p in pairs
            ],
        )
    run.n_confirmed = sum(1 for p in pairs if p["band"] == "confirmed")
    run.n_review = sum(1 for p in pairs if p["band"] == "review")
    run.n_people_with_candidates = len({p["person_id"] for p in pairs})
    run.status = "completed"
    run.finished_at = utcnow()
    audit.record(
        session,
        actor,
        audit_events.WASH_RUN,
        entity_id=run.id,
        after={
            "people": run.n_people,
            "records": run.n_records,
            "confirmed": run.n_confirmed,
            "review": run.n_review,
            "inputs": {t.kind: t.sha256 for t in inputs},
        },
    )
    run.audit_head = current_head(session)
    session.flush()
    return run


def record_fingerprint(record: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """sha256 over a record's fields and its events: equal means nothing changed."""
    payload = {
        "record": {f: _iso(record.get(f)) for f in _RECORD_FIELDS},
        "events": sorted(
            ({f: _iso(e.get(f)) for f in _EVENT_FIELDS} for e in events),
            key=lambda e: e["event_id"] or "",
        ),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _csv_safe(column: str) -> str:
    """The SQL twin of outputs.csv_cell (DuckDB writes the export itself)."""
    return (
        f"CASE WHEN left({column}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {column} ELSE {column} END"
    )


def export_pairs(
    con: duckdb.DuckDBPyConnection, pairs_table: str, path: Path, *, parquet: bool
) -> None:
    """Write person_id, record_id, match_probability, match_weight, band, explanation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    select_sql = (
        "SELECT person_id, record_id, round(match_probability, 6) AS match_probability, "
        "round(match_weight, 3) AS match_weight, band, "
        "array_to_string(list_transform(explanation, lambda x: x.field || ': ' || x.level || ', ' "
        "|| printf('%+.1f', x.weight)), ' | ') AS explanation "
        f"FROM {pairs_table} ORDER BY person_id, match_probability DESC, record_id"
    )
    if not parquet:
        # Ids and explanations go to a spreadsheet: a leading = + - @ is a formula there.
        select_sql = (
            "SELECT * REPLACE ("
            + ", ".join(f"{_csv_safe(c)} AS {c}" for c in ("person_id", "record_id", "explanation"))
            + f") FROM ({select_sql})"
        )
    fmt = "PARQUET" if parquet else "CSV, HEADER"
    target = str(path.resolve()).replace("'", "''")
    con.execute(f"COPY ({select_sql}) TO '{target}' (FORMAT {fmt})")


def latest_run(session: Session) -> WashRun | None:
    return session.scalars(select(WashRun).order_by(WashRun.id.desc()).limit(1)).first()


class ModelLevel(BaseModel):
    """One comparison level of a run's trained model, as a supervisor reads it."""

    field: str
    level: str
    m: float | None
    u: float | None
    weight: float | None  # log2(m / u): the evidence this level adds


class RunSummary(BaseModel):
    run_id: int
    label: str | None
    status: str
    started_at: datetime
    seconds: float | None
    counts: dict[str, int]
    settings: dict[str, Any]
    inputs: list[dict[str, Any]]
    prior: float | None  # the model's probability that any pair is a match
    levels: list[ModelLevel]
    learning: dict[str, Any] | None = None  # what reviewers' marks changed (review.learning)


def run_summary(session: Session, actor: Actor, run_id: int | None = None) -> RunSummary | None:
    """A wash run's counts, settings, inputs (with checksums) and trained model: what a
    supervisor needs to say how the hits were found. The latest run when none is named."""
    require(actor, "review.assign")
    run = session.get(WashRun, run_id) if run_id is not None else latest_run(session)
    if run is None:
        if run_id is not None:
            raise NotFound("wash run", str(run_id))
        return None
    levels: list[ModelLevel] = []
    prior = None
    if run.model_json:
        model = json.loads(run.model_json)
        prior = model.get("probability_two_random_records_match")
        for comp in model.get("comparisons", []):
            name = comp.get("output_column_name", "")
            for lv in comp.get("comparison_levels", []):
                if lv.get("is_null_level"):
                    continue
                m, u = lv.get("m_probability"), lv.get("u_probability")
                weight = math.log2(m / u) if m and u else None
                levels.append(ModelLevel(field=FIELD_LABELS.get(name, name),
                                         level=lv.get("label_for_charts", ""), m=m, u=u,
                                         weight=weight))  # fmt: skip
    return RunSummary(
        run_id=run.id, label=run.label, status=run.status, started_at=run.started_at,
        seconds=run.seconds,
        counts={"people": run.n_people, "records": run.n_records, "events": run.n_events,
                "comparisons": run.n_comparisons, "confirmed pairs": run.n_confirmed,
                "pairs to review": run.n_review,
                "people with candidates": run.n_people_with_candidates},
        settings={k: v for k, v in (run.settings or {}).items()
                  if k not in ("unsupervised_model", "learning")},
        learning=(run.settings or {}).get("learning"),
        inputs=[{"kind": i.kind, "rows": i.rows, "sha256": i.sha256} for i in run.inputs],
        prior=prior, levels=levels,
    )  # fmt: skip
