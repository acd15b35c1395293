"""`datawash review …`: the reviewers' queue, the evidence, decisions and progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from datawash.cli.common import actor_from, console, handled_errors, settings_from
from datawash.db import session_scope
from datawash.linkage.explain import explanation_text
from datawash.review import service


def _plain(text: str) -> None:
    """Data from the inputs is printed as it is, never read as rich markup."""
    console.print(text, markup=False, highlight=False)


review_app = typer.Typer(help="Review wash hits: queue, show, decide, countersign, progress.")


@review_app.command("queue")
def queue_cmd(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only items in this state.")] = None,
    mine: Annotated[bool, typer.Option(help="Only items assigned to me.")] = False,
    limit: Annotated[int, typer.Option(help="How many.")] = 30,
) -> None:
    """Items to review, most urgent first."""
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        actor = actor_from(ctx, s)
        items = service.queue(
            s, actor, state=state, assigned_to=actor.username if mine else None, limit=limit
        )
        table = Table("person", "state", "priority", "candidates", "best p", "assigned to")
        for i in items:
            live = [c for c in i.candidates if c.status != "disappeared"]
            best = max((c.match_probability for c in live), default=0.0)
            table.add_row(
                i.person_id,
                i.state,
                str(i.priority),
                str(len(live)),
                f"{best:.3f}",
                i.assigned_to or "",
            )
        console.print(table)


@review_app.command("show")
def show_cmd(ctx: typer.Context, person_id: str) -> None:
    """The person beside each candidate record, the evidence and the linked events."""
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        view = service.show(s, actor_from(ctx, s), person_id)
        p = view.person
        console.print(
            f"[bold]{person_id}[/] state={view.item.state} priority={view.item.priority} "
            f"({view.item.priority_reason})"
        )
        if p is not None:
            _plain(
                f"  HR: {p.forenames} {p.surname} (previous: {p.previous_surnames or '-'}), "
                f"born {p.date_of_birth}, {p.gender or '-'}, {p.address or '-'} {p.postcode or ''}"
            )
        for cv in view.candidates:
            c, r = cv.candidate, cv.record
            console.print(
                f"\n  [bold]{c.record_id}[/] ({c.status}, {c.band}, p={c.match_probability:.3f})"
            )
            if r is not None:
                _plain(
                    f"    record: {r.forenames or ''} {r.surname or ''} "
                    f"(aliases: {r.aliases or '-'}), born {r.date_of_birth or '-'}, "
                    f"{r.gender or '-'}, {r.address or '-'} {r.postcode or ''}"
                )
            for line in explanation_text(c.explanation):
                _plain(f"    {line}")
            for e, t in cv.events:
                cats = ", ".join(sorted(t.categories)) or "unclassified"
                _plain(
                    f"    event {e.event_id} {e.event_date or '?'} {e.event_type} as {e.role} "
                    f"({t.role_kind}) {e.offence_code or ''} {e.offence_description or ''} "
                    f"-> {cats}"
                )
        for d in view.decisions:
            _plain(
                f"  decision {d.id}: {d.from_state} -> {d.to_state} {d.referral or ''} by "
                f"{d.decided_by} ({d.status}; countersigned by {d.countersigned_by or '-'}): "
                f"{d.reason}"
            )


@review_app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    person_id: str,
    decision: str,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    referral: Annotated[str | None, typer.Option(help="Where to, with 'referred'.")] = None,
) -> None:
    """Record a decision (identity_confirmed, not_the_person, assessed, referred, …)."""
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        row = service.decide(
            s,
            actor_from(ctx, s),
            person_id=person_id,
            decision=decision,
            reason=reason,
            referral=referral,
            settings=settings,
        )
        note = " - awaiting a second person's countersignature" if row.status == "pending" else ""
        console.print(f"{person_id}: {row.from_state} -> {row.to_state} ({row.status}){note}")


@review_app.command("countersign")
def countersign_cmd(
    ctx: typer.Context,
    person_id: str,
    reason: Annotated[str, typer.Option(help="Why.")],
    reject: Annotated[bool, typer.Option(help="Reject the pending decision.")] = False,
) -> None:
    """Countersign (or reject) the decision awaiting a second person."""
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        row = service.countersign(
            s, actor_from(ctx, s), person_id=person_id, reason=reason, reject=reject
        )
        console.print(f"{person_id}: decision {row.to_state} {row.status}")


@review_app.command("assign")
def assign_cmd(
    ctx: typer.Context,
    person_ids: list[str],
    to: Annotated[str, typer.Option("--to", help="The reviewer.")],
) -> None:
    """Assign items to a reviewer."""
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        n = service.assign(s, actor_from(ctx, s), person_ids=person_ids, reviewer=to)
        console.print(f"{n} item(s) assigned to {to}")


@review_app.command("deadline")
def deadline_cmd(ctx: typer.Context, run_id: int, due_on: str) -> None:
    """Set the review deadline of a wash run (YYYY-MM-DD)."""
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        try:
            due = date.fromisoformat(due_on)
        except ValueError:
            raise typer.BadParameter(f"{due_on!r} is not a date (YYYY-MM-DD)") from None
        row = service.set_deadline(s, actor_from(ctx, s), run_id=run_id, due_on=due)
        console.print(f"run {run_id}: review due by {row.due_on.isoformat()}")


@review_app.command("progress")
def progress_cmd(
    ctx: typer.Context, run_id: Annotated[int | None, typer.Argument()] = None
) -> None:
    """Done, remaining, by state and referral, against the deadline, with a forecast."""
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        p = service.progress(s, actor_from(ctx, s), run_id=run_id)
        table = Table(title=f"Review progress (wash run {p.run_id})", show_header=False)
        table.add_row("items", f"{p.total:,}")
        table.add_row("done", f"{p.done:,}")
        table.add_row("remaining", f"{p.remaining:,}")
        table.add_row("awaiting countersignature", f"{p.awaiting_countersignature:,}")
        for state, n in p.by_state.items():
            table.add_row(f"  state {state}", f"{n:,}")
        for ref, n in p.by_referral.items():
            table.add_row(f"  referred to {ref}", f"{n:,}")
        if p.due_on:
            table.add_row("deadline", f"{p.due_on.isoformat()} ({p.days_left} days left)")
            table.add_row("needed per day", f"{p.needed_per_day}")
        table.add_row("achieved per day (last 7 days)", f"{p.achieved_per_day}")
        table.add_row(
            "forecast finish", p.forecast_done_on.isoformat() if p.forecast_done_on else "-"
        )
        if p.on_track is not None:
            table.add_row("on track", "yes" if p.on_track else "[red]no[/]")
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
