"""`datawash cases …` and `datawash audit …`: the misconduct register and the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from datawash.cli.lazy import lazy_module

if TYPE_CHECKING:
    from datawash import audit, db
    from datawash.cases import service
    from datawash.cases.models import Allegation
else:
    db = lazy_module("datawash.db")
    audit = lazy_module("datawash.audit")
    service = lazy_module("datawash.cases.service")
from datawash.cli.common import actor_from, console, handled_errors, settings_from
from datawash.errors import InputError

cases_app = typer.Typer(help="The misconduct case register.")
audit_app = typer.Typer(help="The append-only audit log.")


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


@cases_app.command("import")
def import_cmd(
    ctx: typer.Context,
    cases: Annotated[Path, typer.Option(help="cases file")],
    allegations: Annotated[Path, typer.Option(help="allegations file")],
    map_: Annotated[list[str] | None, typer.Option("--map", help="canonical=SOURCE")] = None,
    skip_conflicts: Annotated[
        bool,
        typer.Option(help="Import the rest when some rows changed in datawash since import."),
    ] = False,
) -> None:
    """Import historical cases and allegations (importing the same files again changes
    nothing; a row changed in datawash since its import is never overwritten)."""
    from datawash.cli.wash import column_map_from

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        r = service.import_register(
            s,
            actor_from(ctx, s),
            cases_path=cases,
            allegations_path=allegations,
            column_map=column_map_from(map_, None),
            skip_conflicts=skip_conflicts,
        )
        for problem in r.conflicts:
            console.print(f"left as it is: {problem}", style="yellow")
        console.print(
            f"cases: {r.cases_inserted} new, {r.cases_updated} updated, {r.cases_unchanged} "
            f"unchanged; allegations: {r.allegations_inserted} new, {r.allegations_updated} "
            f"updated, {r.allegations_unchanged} unchanged"
        )


@cases_app.command("show")
def show_cmd(ctx: typer.Context, case_id: str) -> None:
    """One case: its subjects and allegations."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        case = service.get_case(s, actor_from(ctx, s), case_id)
        state = "live" if case.live else f"completed {case.closed_on}"
        console.print(
            f"{case.case_id}: {case.source}, {case.severity or '-'}, recorded "
            f"{case.recorded_on}, {state}",
            markup=False,
        )
        table = Table("allegation", "person", "role", "category", "stage", "outcome", "on")
        for a in case.allegations:
            table.add_row(
                a.allegation_id,
                a.person_id,
                a.role_at_time,
                a.category,
                a.stage or "",
                a.outcome or "",
                str(a.outcome_on or ""),
            )
        console.print(table)
        for a in case.allegations:
            held = _beyond_the_outcome(a)
            if held:
                console.print(f"{a.allegation_id}: " + "; ".join(held), markup=False)


def _beyond_the_outcome(a: Allegation) -> list[str]:
    """What the register holds of an allegation beyond its outcome (docs/formats.md), in
    words, each spell as from - to; what it does not hold is left out."""

    def words(value: object) -> str:
        return str(value).replace("_", " ")

    def spell(start: date | None, end: date | None) -> str | None:
        return None if start is None else f"{start} to {end}" if end else f"from {start}"

    charge = [f"charged {a.charged_on}"] * bool(a.charged_on) + [
        f"reached {a.criminal_outcome_on}"] * bool(a.criminal_outcome_on)  # fmt: skip
    held = (
        ("rank", a.rank_at_time and words(a.rank_at_time)),
        ("offence code", a.offence_code),
        ("severity assessed", a.severity_assessed_on),
        ("investigation", spell(a.investigation_started_on, a.investigation_ended_on)),
        ("meeting or hearing held", a.hearing_held_on),
        ("appeal", a.appeal_on),
        ("suspended", spell(a.suspended_on, a.suspension_ended_on)),
        ("restricted duties", spell(a.restricted_on, a.restriction_ended_on)),
        ("criminal proceedings", a.criminal_proceedings and words(a.criminal_proceedings)
         + (f" ({', '.join(charge)})" if charge else "")),
        ("left the force", a.left_force_on and f"{a.left_force_on} ({a.leaving_reason})"),
    )  # fmt: skip
    return [f"{label} {value}" for label, value in held if value]


@cases_app.command("list")
def list_cmd(
    ctx: typer.Context,
    live: Annotated[
        bool | None, typer.Option("--live/--completed", help="Live or completed.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="Allegation category.")] = None,
    person: Annotated[str | None, typer.Option(help="Person id.")] = None,
) -> None:
    """Cases, newest first."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        rows = service.list_cases(
            s, actor_from(ctx, s), live=live, category=category, person_id=person
        )
        table = Table("case", "recorded", "source", "severity", "closed", "subjects")
        for c in rows:
            table.add_row(
                c.case_id,
                str(c.recorded_on),
                c.source,
                c.severity or "",
                str(c.closed_on or "live"),
                str(len(c.subjects)),
            )
        console.print(table)


@cases_app.command("count")
def count_cmd(
    ctx: typer.Context,
    live: Annotated[
        bool | None, typer.Option("--live/--completed", help="Live or completed.")
    ] = None,
    category: Annotated[list[str] | None, typer.Option(help="Allegation category.")] = None,
) -> None:
    """Number of cases and of distinct people."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        n = service.count_cases(s, actor_from(ctx, s), live=live, categories=category)
        console.print(f"{n.cases} case(s) involving {n.people} person(s)")


@cases_app.command("update")
def update_cmd(
    ctx: typer.Context,
    allegation_id: str,
    reason: Annotated[str, typer.Option(help="Why.")],
    stage: Annotated[str | None, typer.Option(help="Move to this stage.")] = None,
    outcome: Annotated[str | None, typer.Option(help="Record this outcome.")] = None,
    outcome_on: Annotated[str | None, typer.Option(help="Date of the outcome.")] = None,
) -> None:
    """Move an allegation to a stage and/or record its outcome."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        if stage:
            service.move_stage(s, actor, allegation_id=allegation_id, stage=stage, reason=reason)
        if outcome:
            if not outcome_on:
                raise InputError("--outcome needs --outcome-on")
            service.record_outcome(
                s,
                actor,
                allegation_id=allegation_id,
                outcome=outcome,
                outcome_on=_date(outcome_on, "--outcome-on"),
                reason=reason,
            )
        console.print(f"{allegation_id} updated")


@cases_app.command("close")
def close_cmd(
    ctx: typer.Context, case_id: str, on: Annotated[str, typer.Option(help="Date.")]
) -> None:
    """Close a case whose allegations all have an outcome."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        service.close_case(s, actor_from(ctx, s), case_id=case_id, closed_on=_date(on, "--on"))
        console.print(f"{case_id} closed")


@audit_app.command("list")
def audit_cmd(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Option(help="Person id.")] = None,
    case: Annotated[str | None, typer.Option(help="Case id.")] = None,
    actor: Annotated[str | None, typer.Option(help="Who acted.")] = None,
    since: Annotated[str | None, typer.Option(help="From (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Before (YYYY-MM-DD).")] = None,
) -> None:
    """Audit events by person, case, actor and time."""
    settings = settings_from(ctx)

    def at(v: str | None, what: str) -> datetime | None:
        return datetime.combine(_date(v, what), datetime.min.time(), tzinfo=UTC) if v else None

    with handled_errors(), db.session_scope(settings) as s:
        events = audit.query(
            s,
            actor_from(ctx, s),
            person_id=person,
            case_id=case,
            username=actor,
            since=at(since, "--since"),
            until=at(until, "--until"),
        )
        table = Table()
        for name in ("at", "actor", "action", "entity", "person", "case", "reason"):
            table.add_column(name, overflow="fold")
        for e in events:
            table.add_row(
                e.at.isoformat(timespec="seconds"),
                e.actor,
                e.action,
                f"{e.entity_type} {e.entity_id}",
                e.person_id or "",
                e.case_id or "",
                e.reason or "",
            )
        console.print(table)


@audit_app.command("verify")
def verify_cmd(ctx: typer.Context) -> None:
    """Check the audit log's hash chain from its start, and the review decisions, item
    states and allegation outcomes against it; exit 8 if anything does not match."""
    from datawash.review.integrity import verify_all

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        report = verify_all(s, actor_from(ctx, s))
    console.print(
        f"{report.events:,} events: {report.chained:,} chained, "
        f"{report.before_chain:,} from before the chain; head {report.head_hash or '-'}"
    )
    if report.chain_break:
        console.print(f"chain broken at {report.chain_break}", style="bold red")
    for line in report.mismatches[:50]:
        console.print(f"not as audited: {line}", style="red")
    if len(report.mismatches) > 50:
        console.print(f"... and {len(report.mismatches) - 50} more", style="red")
    if not report.ok:
        raise typer.Exit(code=8)
    console.print("the audit log and the records agree", style="green")


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
    app.add_typer(audit_app, name="audit")
