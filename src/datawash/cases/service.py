"""Case register services: import the historical register, record outcomes, count."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash import audit, clock
from datawash.actor import Actor
from datawash.audit import events as ev
from datawash.audit.events import EventType
from datawash.cases.models import Allegation, Case, CaseSubject, import_digest
from datawash.cases.workflow import check_outcome, check_stage
from datawash.db import next_number, utcnow
from datawash.errors import InputError, NotFound, Problem, ValidationFailed
from datawash.ingest.mapping import ColumnMap
from datawash.ingest.normalise import ethnic_group_of
from datawash.ingest.offences import OFFENCE_CODE_FORMS, normalise_offence_code
from datawash.ingest.readers import load_table
from datawash.ingest.schema import AFTER_CHARGE, ALLEGATIONS, ETHNIC_GROUPS
from datawash.permissions import require
from datawash.vocabulary import Outcome, Stage, parse

CASE_FIELDS = ("recorded_on", "source", "severity", "closed_on")
# (start, end): an end needs its start and is not before it.
SPELLS = (
    ("investigation_started_on", "investigation_ended_on"),
    ("suspended_on", "suspension_ended_on"),
    ("restricted_on", "restriction_ended_on"),
)
# Every column of the allegations file (docs/formats.md) but its id: one list, the schema's.
ALLEGATION_FIELDS = tuple(c.name for c in ALLEGATIONS.columns if c.name != "allegation_id")


@dataclass
class ImportSummary:
    # Rows left as they are because they changed in datawash since they were imported
    # (with skip_conflicts; otherwise those are refused and nothing is written).
    conflicts: list[Problem] = field(default_factory=list)
    cases_inserted: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    allegations_inserted: int = 0
    allegations_updated: int = 0
    allegations_unchanged: int = 0

    @property
    def changes(self) -> int:
        return (
            self.cases_inserted
            + self.cases_updated
            + self.allegations_inserted
            + self.allegations_updated
        )


def _read_coded(allegations: list[dict[str, Any]], path: Path) -> list[Problem]:
    """Each allegation's Home Office offence code in one form (`088/05` and `88e` are `88E`),
    and the subject's ethnicity as its group (`W1` is `white`), so the register counts and
    compares one value one way; a value that cannot be read is a problem of its row."""
    out = []
    for a in allegations:
        if a.get("ethnicity"):
            group = ethnic_group_of(a["ethnicity"])
            if group is None:
                why = ("not an ethnic group (" + ", ".join(ETHNIC_GROUPS)
                       + ") or a self-defined ethnicity code (W1, A2, NS ...)")  # fmt: skip
                out.append(Problem(str(path), a["_row"], "ethnicity", why))
            else:
                a["ethnicity"] = group
        if a.get("offence_code"):
            code = normalise_offence_code(a["offence_code"])
            if code is None:
                why = f"not a Home Office offence code ({OFFENCE_CODE_FORMS})"
                out.append(Problem(str(path), a["_row"], "offence_code", why))
            else:
                a["offence_code"] = code
    return out


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    cur = con.execute(f"SELECT * FROM {table} ORDER BY _row")
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def import_register(
    session: Session,
    actor: Actor,
    *,
    cases_path: Path,
    allegations_path: Path,
    column_map: ColumnMap | None = None,
    skip_conflicts: bool = False,
) -> ImportSummary:
    """Import cases and allegations; every problem is reported with file, row and column
    and nothing is written. Importing the same files again changes nothing, and a row that
    changed in datawash since it was imported (an outcome recorded with cases update) is
    never reverted: it is a conflict, refused with the rest unless ``skip_conflicts``, when
    it is left as it is and reported."""
    require(actor, "cases.import")
    # A bounded workspace: a hostile or broken register file cannot take the machine.
    con = duckdb.connect(config={"memory_limit": "1GB", "threads": 2})
    cases_t = load_table(con, cases_path, "cases", column_map=column_map)
    alleg_t = load_table(con, allegations_path, "allegations", column_map=column_map)
    cases = _rows(con, cases_t.table)
    allegations = _rows(con, alleg_t.table)
    con.close()
    unreadable = _read_coded(allegations, allegations_path)
    existing_cases = {c.case_id: c for c in session.scalars(select(Case))}
    existing_allegations = {a.allegation_id: a for a in session.scalars(select(Allegation))}
    conflicts = _conflicts(cases_path, cases, existing_cases, CASE_FIELDS, "case_id")
    conflicts += _conflicts(
        allegations_path, allegations, existing_allegations, ALLEGATION_FIELDS, "allegation_id"
    )
    if conflicts and skip_conflicts:
        # A row left as it is stands beside the rows imported, and the rules on dates must
        # hold between them (an allegation whose outcome is after the date its case was
        # closed in datawash, say): the rows kept are checked with the stored ones in place
        # of those left out, and only they.
        skip = {(p.file, p.row) for p in conflicts}
        cases = [c for c in cases if (str(cases_path), c["_row"]) not in skip]
        allegations = [a for a in allegations if (str(allegations_path), a["_row"]) not in skip]
    problems = unreadable + _problems(
        session, cases, allegations, existing_cases, (cases_path, allegations_path)
    )
    if problems or (conflicts and not skip_conflicts):
        raise ValidationFailed(problems + ([] if skip_conflicts else conflicts))

    summary = ImportSummary(conflicts=conflicts)
    counts: Counter[str] = Counter()
    for c in cases:
        row = existing_cases.get(c["case_id"])
        if row is None:
            row = Case(case_id=c["case_id"], recorded_on=c["recorded_on"], source=c["source"])
            session.add(row)
        outcome = _upsert(
            session,
            actor,
            row,
            c,
            CASE_FIELDS,
            new=c["case_id"] not in existing_cases,
            event=ev.CASE_IMPORTED,
            entity_id=c["case_id"],
            case_id=c["case_id"],
        )
        counts[f"cases_{outcome}"] += 1
    session.flush()
    subjects = {(s.case_id, s.person_id) for s in session.scalars(select(CaseSubject))}
    existing = {a.allegation_id: a for a in session.scalars(select(Allegation))}
    for a in allegations:
        if (a["case_id"], a["person_id"]) not in subjects:
            session.add(
                CaseSubject(
                    case_id=a["case_id"], person_id=a["person_id"], role_at_time=a["role_at_time"]
                )
            )
            subjects.add((a["case_id"], a["person_id"]))
        arow = existing.get(a["allegation_id"])
        if arow is None:
            arow = Allegation(allegation_id=a["allegation_id"])
            session.add(arow)
        outcome = _upsert(
            session,
            actor,
            arow,
            a,
            ALLEGATION_FIELDS,
            new=a["allegation_id"] not in existing,
            event=ev.ALLEGATION_IMPORTED,
            entity_id=a["allegation_id"],
            case_id=a["case_id"],
            person_id=a["person_id"],
        )
        counts[f"allegations_{outcome}"] += 1
    for key, n in counts.items():
        setattr(summary, key, n)
    session.flush()
    return summary


def _problems(
    session: Session,
    cases: list[dict[str, Any]],
    allegations: list[dict[str, Any]],
    existing_cases: dict[str, Case],
    paths: tuple[Path, Path],
) -> list[Problem]:
    """Every rule on the register's rows and dates, for these rows beside what is stored (a
    case not among ``cases`` is taken as stored)."""
    cases_path, allegations_path = paths
    problems: list[Problem] = []
    known = {c["case_id"]: c for c in cases}
    for c in cases:
        if c["closed_on"] and c["closed_on"] < c["recorded_on"]:
            problems.append(Problem(str(cases_path), c["_row"], "closed_on", "before recorded_on"))
    for a in allegations:
        case = known.get(a["case_id"])
        where = (str(allegations_path), a["_row"])
        if case is None and a["case_id"] not in existing_cases:
            problems.append(Problem(*where, "case_id", "no case with this case_id"))
            continue
        recorded = case["recorded_on"] if case else existing_cases[a["case_id"]].recorded_on
        if a["outcome"] and not a["outcome_on"]:
            problems.append(Problem(*where, "outcome_on", "an outcome needs its date"))
        if a["outcome_on"] and not a["outcome"]:
            problems.append(Problem(*where, "outcome", "a date of outcome without an outcome"))
        if a["outcome_on"] and a["outcome_on"] < recorded:
            problems.append(Problem(*where, "outcome_on", "before the case was recorded"))
        closed = case["closed_on"] if case else existing_cases[a["case_id"]].closed_on
        if closed and not a["outcome"]:
            problems.append(Problem(*where, "outcome", "the case is closed: an outcome is needed"))
        if closed and a["outcome_on"] and a["outcome_on"] > closed:
            problems.append(Problem(*where, "outcome_on", "after the case was closed"))
        problems += _beyond_outcome_problems(a, where, recorded)
        if a["outcome"]:
            try:
                check_outcome(
                    outcome=a["outcome"], stage=None, role=a["role_at_time"], recorded_on=recorded
                )
            except InputError as exc:
                problems.append(Problem(*where, "outcome", str(exc)))
    problems += _stored_against_new_case_dates(
        session, cases, allegations, cases_path, existing_cases
    )
    return problems


# The allegation dates never before the case was recorded (the importer's checks above).
AFTER_RECORDED = ("outcome_on", "severity_assessed_on", "investigation_started_on",
                  "hearing_held_on", "appeal_on", "iopc_referred_on")  # fmt: skip


def _stored_against_new_case_dates(
    session: Session,
    cases: list[dict[str, Any]],
    allegations: list[dict[str, Any]],
    cases_path: Path,
    existing_cases: dict[str, Case],
) -> list[Problem]:
    """A case imported again with another recorded or closed date is checked against its
    allegations already stored and not in this file: the rules on dates hold for the whole
    register, not only for the rows of one import (disclosure control relies on them:
    foi/linked.py). Only cases whose dates change are checked."""
    changed = {
        c["case_id"]: c
        for c in cases
        if (old := existing_cases.get(c["case_id"])) is not None
        and (old.recorded_on != c["recorded_on"] or old.closed_on != c["closed_on"])
    }
    if not changed:
        return []
    in_file = {a["allegation_id"] for a in allegations}
    out: list[Problem] = []
    # One read of the stored allegations (grouped here), not a query per case.
    for a in session.scalars(select(Allegation).order_by(Allegation.allegation_id)):
        c = changed.get(a.case_id)
        if c is None or a.allegation_id in in_file:
            continue
        where = (str(cases_path), c["_row"])
        dated = [f for f in AFTER_RECORDED if (v := getattr(a, f)) and v < c["recorded_on"]]
        if dated:
            why = f"after the {dated[0]} of allegation {a.allegation_id}"
            out.append(Problem(*where, "recorded_on", why))
        if a.outcome:  # a legacy outcome needs a case recorded before February 2020
            try:
                check_outcome(outcome=a.outcome, stage=None, role=a.role_at_time,
                              recorded_on=c["recorded_on"])  # fmt: skip
            except InputError as exc:
                out.append(Problem(*where, "recorded_on", f"allegation {a.allegation_id}: {exc}"))
        closed = c["closed_on"]
        if closed and a.outcome is None:
            why = f"allegation {a.allegation_id} has no outcome yet"
            out.append(Problem(*where, "closed_on", why))
        elif closed and a.outcome_on is not None and a.outcome_on > closed:
            why = f"before the outcome of allegation {a.allegation_id}"
            out.append(Problem(*where, "closed_on", why))
    return out


def _beyond_outcome_problems(
    a: dict[str, Any], where: tuple[str, int], recorded: Any
) -> list[Problem]:
    """The register's dates beyond the outcome, checked against one another."""
    out: list[Problem] = []
    for start, end in SPELLS:
        if a.get(end) and not a.get(start):
            out.append(Problem(*where, start, f"{end} is given: the start is needed too"))
        elif a.get(end) and a[end] < a[start]:
            out.append(Problem(*where, end, f"before {start}"))
    for dated in AFTER_RECORDED[1:]:  # the outcome's date: with the outcome (_problems)
        if a.get(dated) and a[dated] < recorded:
            out.append(Problem(*where, dated, "before the case was recorded"))
    if a.get("appeal_on") and a.get("outcome_on") and a["appeal_on"] < a["outcome_on"]:
        out.append(Problem(*where, "appeal_on", "before the outcome it appeals"))
    if a.get("criminal_outcome_on") and not a.get("criminal_proceedings"):
        out.append(Problem(*where, "criminal_proceedings", "a date without proceedings"))
    if a.get("charged_on"):
        if a.get("criminal_proceedings") not in AFTER_CHARGE:
            why = "a charge date needs proceedings that follow a charge: " + ", ".join(AFTER_CHARGE)
            out.append(Problem(*where, "criminal_proceedings", why))
        elif a.get("criminal_outcome_on") and a["criminal_outcome_on"] < a["charged_on"]:
            out.append(Problem(*where, "criminal_outcome_on", "before the charge"))
    if bool(a.get("left_force_on")) != bool(a.get("leaving_reason")):
        missing = "leaving_reason" if a.get("left_force_on") else "left_force_on"
        out.append(Problem(*where, missing, "leaving the force needs both date and reason"))
    return out


def _upsert(
    session: Session,
    actor: Actor,
    row: Case | Allegation,
    source: dict[str, Any],
    fields: tuple[str, ...],
    *,
    new: bool,
    event: EventType,
    entity_id: str,
    case_id: str,
    person_id: str | None = None,
) -> str:
    """Bring one imported row up to date; audit inserts and real changes only (an
    identical re-import writes nothing). Returns inserted, updated or unchanged."""
    values = {f: source[f] for f in fields}
    before = None if new else {f: getattr(row, f) for f in fields}
    if before == values:
        if row.imported_digest is None:
            row.imported_digest = import_digest(values)
        return "unchanged"
    for f, v in values.items():
        setattr(row, f, v)
    row.imported_digest = import_digest(values)
    if isinstance(row, Case) and not new:
        row.updated_at = utcnow()
    audit.record(
        session,
        actor,
        event,
        entity_id=entity_id,
        case_id=case_id,
        person_id=person_id,
        before=_json(before) if before else None,
        after=_json(values),
    )
    return "inserted" if new else "updated"


def _conflicts(
    path: Path,
    rows: list[dict[str, Any]],
    existing: dict[str, Any],
    fields: tuple[str, ...],
    key: str,
) -> list[Problem]:
    """File rows that would overwrite a stored row changed in datawash since its import."""
    out = []
    for r in rows:
        stored = existing.get(r[key])
        if stored is None:
            continue
        current = {f: getattr(stored, f) for f in fields}
        wanted = {f: r[f] for f in fields}
        if current == wanted or stored.imported_digest == import_digest(current):
            continue
        column = next(f for f in fields if current[f] != wanted[f])
        out.append(
            Problem(
                str(path),
                r["_row"],
                column,
                "changed in datawash since it was imported (for example an outcome recorded "
                "with cases update); not overwritten",
            )
        )
    return out


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def get_case(session: Session, actor: Actor, case_id: str) -> Case:
    require(actor, "cases.view")
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    return case


def move_stage(
    session: Session, actor: Actor, *, allegation_id: str, stage: str, reason: str
) -> Allegation:
    require(actor, "cases.update")
    a = session.get(Allegation, allegation_id)
    if a is None:
        raise NotFound("allegation", allegation_id)
    stage = parse(Stage, stage, what="stage").value
    check_stage(a.stage, stage)
    before = a.stage
    a.stage = stage
    audit.record(
        session,
        actor,
        ev.STAGE_MOVED,
        entity_id=allegation_id,
        case_id=a.case_id,
        person_id=a.person_id,
        before={"stage": before},
        after={"stage": stage},
        reason=reason,
    )
    return a


def record_outcome(
    session: Session,
    actor: Actor,
    *,
    allegation_id: str,
    outcome: str,
    outcome_on: date,
    reason: str,
) -> Allegation:
    """Record an outcome; a dismissal refers the person to the Barred List, resigning or
    retiring under investigation to the Advisory List."""
    require(actor, "cases.update")
    a = session.get(Allegation, allegation_id)
    if a is None:
        raise NotFound("allegation", allegation_id)
    case = a.case
    outcome = parse(Outcome, outcome, what="outcome").value
    check_outcome(outcome=outcome, stage=a.stage, role=a.role_at_time, recorded_on=case.recorded_on)
    if outcome_on < case.recorded_on:
        raise InputError("the outcome date is before the case was recorded")
    if outcome_on > clock.today():
        raise InputError("the outcome date is in the future")
    if a.appeal_on is not None and a.appeal_on < outcome_on:
        raise InputError("the outcome date is after the appeal against it")
    if case.closed_on is not None and outcome_on > case.closed_on:
        raise InputError("the outcome date is after the case was closed")
    before = {
        "outcome": a.outcome,
        "outcome_on": a.outcome_on.isoformat() if a.outcome_on else None,
    }
    a.outcome, a.outcome_on = outcome, outcome_on
    subject = next(s for s in case.subjects if s.person_id == a.person_id)
    if outcome in ("dismissed", "would_have_been_dismissed"):
        subject.barred_list_referred_on = outcome_on
    if outcome == "resigned_or_retired":
        subject.resigned_or_retired_under_investigation = True
        subject.advisory_list_referred_on = outcome_on
    audit.record(
        session,
        actor,
        ev.OUTCOME_RECORDED,
        entity_id=allegation_id,
        case_id=a.case_id,
        person_id=a.person_id,
        before=before,
        after={"outcome": outcome, "outcome_on": outcome_on.isoformat()},
        reason=reason,
    )
    return a


def close_case(session: Session, actor: Actor, *, case_id: str, closed_on: date) -> Case:
    require(actor, "cases.update")
    case = get_case(session, actor, case_id)
    undecided = [a.allegation_id for a in case.allegations if not a.outcome]
    if undecided:
        raise InputError(
            f"case {case_id} has allegations without an outcome: {', '.join(undecided)}"
        )
    late = [a.allegation_id for a in case.allegations if a.outcome_on and a.outcome_on > closed_on]
    if late:
        raise InputError(f"case {case_id} has outcomes after that date: {', '.join(late)}")
    if closed_on < case.recorded_on:
        raise InputError("a case cannot close before it was recorded")
    if closed_on > clock.today():
        raise InputError("a case cannot close on a date in the future")
    case.closed_on = closed_on
    audit.record(
        session,
        actor,
        ev.CASE_CLOSED,
        entity_id=case_id,
        case_id=case_id,
        after={"closed_on": closed_on.isoformat()},
    )
    return case


@dataclass(frozen=True)
class CaseCounts:
    cases: int
    people: int


def count_cases(
    session: Session, actor: Actor, *, live: bool | None = None, categories: list[str] | None = None
) -> CaseCounts:
    """Cases and distinct people (not the same number: the Met's 1,633 cases, 1,071 people)."""
    require(actor, "cases.count")
    stmt = select(Allegation.case_id, Allegation.person_id).join(Case)
    if live is True:
        stmt = stmt.where(Case.closed_on.is_(None))
    elif live is False:
        stmt = stmt.where(Case.closed_on.is_not(None))
    if categories:
        stmt = stmt.where(Allegation.category.in_(categories))
    rows = session.execute(stmt).all()
    return CaseCounts(cases=len({r[0] for r in rows}), people=len({r[1] for r in rows}))


def open_case_from_referral(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    role_at_time: str,
    allegations: list[tuple[str, str]],
    review_item_id: int,
    referral: str,
    reason: str,
    on: date,
) -> Case:
    """A countersigned data-wash referral opens a case (source data_wash) linked back to its
    review item, with one allegation per (category, role) the referrer chose from the
    events of the records confirmed as the person."""
    prefix = f"DW-{on.year}-"
    taken = session.scalars(select(Case.case_id).where(Case.case_id.like(f"{prefix}%"))).all()
    used = max(
        (int(c.removeprefix(prefix)) for c in taken if c.removeprefix(prefix).isdigit()), default=0
    )
    number = next_number(session, prefix, at_least=used)
    case_id = f"{prefix}{number:04d}"
    case = Case(
        case_id=case_id,
        recorded_on=on,
        source="data_wash",
        origin_review_item_id=review_item_id,
    )
    session.add(case)
    session.add(CaseSubject(case_id=case_id, person_id=person_id, role_at_time=role_at_time))
    for i, (category, role) in enumerate(allegations, start=1):
        session.add(
            Allegation(
                allegation_id=f"{case_id}-A{i}",
                case_id=case_id,
                person_id=person_id,
                role_at_time=role,
                category=category,
                source="data_wash",
                stage="assessment",
                recorded_on=on,
            )
        )
    audit.record(
        session,
        actor,
        ev.CASE_OPENED_FROM_REFERRAL,
        entity_id=case_id,
        case_id=case_id,
        person_id=person_id,
        after={
            "referral": referral,
            "review_item_id": review_item_id,
            "allegations": [list(a) for a in allegations],
        },
        reason=reason,
    )
    session.flush()
    return case


def list_cases(
    session: Session,
    actor: Actor,
    *,
    live: bool | None = None,
    category: str | None = None,
    person_id: str | None = None,
    limit: int = 200,
) -> list[Case]:
    """Cases, newest first, filtered by live/completed, allegation category or person."""
    require(actor, "cases.view")
    stmt = select(Case).order_by(Case.recorded_on.desc(), Case.case_id)
    if live is True:
        stmt = stmt.where(Case.closed_on.is_(None))
    elif live is False:
        stmt = stmt.where(Case.closed_on.is_not(None))
    if category or person_id:
        sub = select(Allegation.case_id)
        if category:
            sub = sub.where(Allegation.category == category)
        if person_id:
            sub = sub.where(Allegation.person_id == person_id)
        stmt = stmt.where(Case.case_id.in_(sub))
    return list(session.scalars(stmt.limit(limit)))


def cases_of_person(session: Session, person_id: str) -> list[dict[str, Any]]:
    """The cases a person is subject of, for the reviewer beside their wash hits (the
    caller has checked its own permission: review staff see that a case exists)."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.case_id.in_(select(CaseSubject.case_id).where(CaseSubject.person_id == person_id))
        )
        .order_by(Case.recorded_on)
    )
    return [
        {
            "case_id": c.case_id,
            "recorded_on": c.recorded_on,
            "live": c.live,
            "source": c.source,
            "categories": sorted({a.category for a in c.allegations if a.person_id == person_id}),
        }
        for c in cases
    ]
