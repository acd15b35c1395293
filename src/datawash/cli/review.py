"""`datawash review …`: the reviewers' queue, a person's evidence, decisions with
per-record identity, countersignatures, reopening, assignment, deadlines and progress."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from datawash.cli.common import actor_from, console, handled_errors, plain, settings_from
from datawash.cli.lazy import lazy_module
from datawash.outputs import csv_text, write_private

if TYPE_CHECKING:
    from datawash import db
else:
    db = lazy_module("datawash.db")

review_app = typer.Typer(
    help="Review wash hits: queue, show, decide, countersign, reopen, assign, progress."
)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


QUEUE_COLUMNS = (
    "person_id",
    "name",
    "role",
    "state",
    "awaiting",
    "priority",
    "priority_reason",
    "categories",
    "candidates",
    "best_probability",
    "assigned_to",
    "run",
    "due_on",
    "rejected_reason",
    "without_second_person",
)


@review_app.command("queue")
def queue_cmd(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option(help="Only this state (repeatable).")] = None,
    awaiting: Annotated[
        bool, typer.Option(help="Only decisions awaiting a countersignature.")
    ] = False,
    awaiting_me: Annotated[
        bool, typer.Option(help="Only decisions I may countersign (made by someone else).")
    ] = False,
    returned: Annotated[bool, typer.Option(help="Only my decisions that were rejected.")] = False,
    mine: Annotated[bool, typer.Option(help="Only items assigned to me.")] = False,
    assigned_to: Annotated[
        str | None, typer.Option(help="Only items assigned to this user.")
    ] = None,
    unassigned: Annotated[bool, typer.Option(help="Only items assigned to nobody.")] = False,
    priority: Annotated[int | None, typer.Option(help="Only priority this or more urgent.")] = None,
    category: Annotated[
        str | None, typer.Option(help="Only people with events of this category.")
    ] = None,
    role: Annotated[str | None, typer.Option(help="Only this workforce role.")] = None,
    run: Annotated[int | None, typer.Option(help="Only items last seen in this wash run.")] = None,
    due_by: Annotated[
        str | None, typer.Option(help="Only runs due on or before (YYYY-MM-DD).")
    ] = None,
    search: Annotated[str | None, typer.Option(help="A person id, or part of a name.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include decided items.")] = False,
    sort: Annotated[
        str, typer.Option(help="priority, probability, person, name or updated.")
    ] = "priority",
    page: Annotated[int, typer.Option(help="Page number.")] = 1,
    per_page: Annotated[int, typer.Option(help="Items a page.")] = 30,
    csv: Annotated[Path | None, typer.Option(help="Write every matching item to this CSV.")] = None,
) -> None:
    """Items to review, most urgent first, decided ones left out unless asked for."""
    from datawash.review import service
    from datawash.review.read import QueueFilter
    from datawash.vocabulary import Category, WorkforceRole, parse

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        filters = QueueFilter(
            states=state or [],
            awaiting_countersignature=awaiting,
            awaiting_my_countersignature=awaiting_me,
            returned_to_me=returned,
            assigned_to=actor.username if mine else assigned_to,
            unassigned=unassigned,
            max_priority=priority,
            category=parse(Category, category) if category else None,
            role=parse(WorkforceRole, role, what="role") if role else None,
            run_id=run,
            due_on_or_before=_date(due_by, "--due-by"),
            search=search,
            include_done=all_,
            sort=sort,
            page=page,
            per_page=per_page,
        )
        if csv is not None:
            rows = service.export_queue(s, actor, filters)
            text = csv_text(
                QUEUE_COLUMNS,
                (
                    [
                        r.person_id,
                        r.name,
                        r.role or "",
                        r.state,
                        f"{r.pending_decision} by {r.pending_by}" if r.pending_decision else "",
                        r.priority,
                        r.priority_reason or "",
                        ";".join(r.categories),
                        r.candidates,
                        f"{r.best_probability:.3f}",
                        r.assigned_to or "",
                        r.last_run_id,
                        r.due_on.isoformat() if r.due_on else "",
                        r.rejected_reason or "",
                        "yes" if r.without_second_person else "",
                    ]
                    for r in rows
                ),
            )
            write_private(csv, text)
            console.print(f"{len(rows):,} item(s) written to {csv}")
            return
        result = service.queue(s, actor, filters)
        table = Table(
            "person",
            "name",
            "role",
            "state",
            "awaiting countersignature",
            "priority",
            "categories",
            "records",
            "best p",
            "assigned to",
            title=f"{result.total:,} item(s); page {result.page} of {result.pages}",
        )
        for r in result.rows:
            awaiting_text = f"{r.pending_decision} by {r.pending_by}" if r.pending_decision else ""
            state_text = r.state + (" (rejected: see show)" if r.rejected_reason else "")
            if r.without_second_person:
                state_text += " [no second person]"
            table.add_row(
                *(
                    v
                    for v in (
                        r.person_id,
                        r.name,
                        r.role or "",
                        state_text,
                        awaiting_text,
                        f"{r.priority} {r.priority_reason or ''}",
                        ", ".join(r.categories),
                        str(r.candidates),
                        f"{r.best_probability:.3f}",
                        r.assigned_to or "",
                    )
                )
            )
        console.print(table)
        counts = ", ".join(f"{k} {v:,}" for k, v in result.by_state.items()) or "none"
        console.print(
            f"by state: {counts}; awaiting countersignature: {result.awaiting_countersignature:,}"
        )


@review_app.command("show")
def show_cmd(ctx: typer.Context, person_id: str) -> None:
    """The person beside each candidate record, the evidence, the events, the history."""
    from datawash.linkage.explain import explanation_text
    from datawash.review import service

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        v = service.show(s, actor_from(ctx, s), person_id)
        p = v.person
        plain(
            f"{v.person_id}  state={v.state}  version={v.version}  priority={v.priority} "
            f"({v.priority_reason})  assigned to {v.assigned_to or '-'}  "
            f"due {v.due_on.isoformat() if v.due_on else '-'}"
        )
        if p is not None:
            plain(
                f"  HR: {p.forenames} {p.surname} (previous: {p.previous_surnames or '-'}), "
                f"{p.role}, born {p.date_of_birth}, {p.gender or '-'}, {p.address or '-'} "
                f"{p.postcode or ''}"
            )
            if p.hr:
                plain("      " + ", ".join(f"{k.replace('_', ' ')}: {x}" for k, x in p.hr.items()))
        for case in v.cases:
            plain(
                f"  existing case {case.case_id} ({'live' if case.live else 'completed'}, "
                f"{case.source}, recorded {case.recorded_on}): {', '.join(case.categories)}"
            )
        for c in v.candidates:
            plain(
                f"\n  {c.record_id} ({c.status}, {c.band}, p={c.match_probability:.3f}) "
                f"marked: {c.identity}" + (f" ({c.identity_reason})" if c.identity_reason else "")
            )
            r = c.record
            if r is not None:
                plain(
                    f"    record: {r.forenames or ''} {r.surname or ''} "
                    f"(aliases: {r.aliases or '-'}), born {r.date_of_birth or '-'}, "
                    f"{r.gender or '-'}, {r.address or '-'} {r.postcode or ''}"
                )
            for line in explanation_text(c.explanation):
                plain(f"    {line}")
            for e in c.events:
                plain(
                    f"    event {e.event_id} {e.event_date or '?'} {e.event_type} as {e.role} "
                    f"({e.role_kind}) {e.offence_code or ''} {e.offence_description or ''} "
                    f"-> {', '.join(e.categories) or 'unclassified'}"
                )
        if v.referral_options:
            plain(
                "\n  events a referral may turn into allegations: "
                + ", ".join(
                    f"{e.event_id} ({', '.join(e.categories) or 'other'})"
                    for e in v.referral_options
                )
            )
        for d in v.decisions:
            who = f"by {d.decided_by}"
            if d.countersigned_by:
                verb = "rejected" if d.status == "rejected" else "countersigned"
                who += f", {verb} by {d.countersigned_by}: {d.countersign_reason}"
            flag = " [no second person]" if d.without_second_person else ""
            plain(
                f"  {d.kind} {d.id}: {d.from_state} -> {d.to_state} {d.referral or ''} "
                f"({d.status}{flag}) {who}; reason: {d.reason}"
            )
        if v.last_rejection is not None:
            plain(
                f"\n  your last decision was rejected by {v.last_rejection.countersigned_by}: "
                f"{v.last_rejection.countersign_reason}"
            )


@review_app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    person_id: Annotated[str | None, typer.Argument()] = None,
    decision: Annotated[str | None, typer.Argument()] = None,
    reason: Annotated[str | None, typer.Option(help="Why (recorded with the decision).")] = None,
    referral: Annotated[str | None, typer.Option(help="Where to, with 'referred'.")] = None,
    record: Annotated[
        list[str] | None,
        typer.Option(
            help="RECORD_ID=this_person|not_this_person|unsure, optionally ': reason'; repeatable."
        ),
    ] = None,
    allegation: Annotated[
        list[str] | None,
        typer.Option(
            help="With a referral: EVENT_ID, EVENT_ID=category or EVENT_ID=category/role."
        ),
    ] = None,
    version: Annotated[int | None, typer.Option(help="The item version you saw (show).")] = None,
    file: Annotated[Path | None, typer.Option(help="Decide many from a CSV file.")] = None,
) -> None:
    """Record a decision: identity_confirmed, not_the_person, needs_information (each with a
    --record mark for every candidate record), assessed, referred, no_further_action, closed.
    Under dual control it waits for a different person's countersignature."""
    from datawash.review import bulk, service

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        if file is not None:
            if person_id or decision:
                raise typer.BadParameter("give either --file or PERSON_ID DECISION, not both")
            result = bulk.decide_from_file(s, actor, file)
            pending = sum(1 for d in result.decisions if d.status == "pending")
            console.print(
                f"{result.rows:,} decision(s) recorded; {pending:,} awaiting countersignature"
            )
            return
        if not person_id or not decision or reason is None:
            raise typer.BadParameter("PERSON_ID, DECISION and --reason are needed (or --file)")
        row = service.decide(
            s,
            actor,
            person_id=person_id,
            decision=decision,
            reason=reason,
            referral=referral,
            marks=[service.parse_mark(m) for m in record or []],
            allegations=[service.parse_allegation(a) for a in allegation or []],
            expected_version=version,
        )
        _said(person_id, row.from_state, row.to_state, row.status, row.without_second_person)


def _said(person_id: str, old: str, new: str, status: str, single: bool) -> None:
    note = " - awaiting a second person's countersignature" if status == "pending" else ""
    if single:
        note = " - took effect WITHOUT a second person (dual control is off)"
    plain(f"{person_id}: {old} -> {new} ({status}){note}")


@review_app.command("countersign")
def countersign_cmd(
    ctx: typer.Context,
    person_id: Annotated[str | None, typer.Argument()] = None,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    reject: Annotated[bool, typer.Option(help="Reject the pending decision.")] = False,
    version: Annotated[int | None, typer.Option(help="The item version you saw (show).")] = None,
    file: Annotated[Path | None, typer.Option(help="Countersign many from a CSV file.")] = None,
) -> None:
    """Countersign (or, with --reject, reject) the decision awaiting a second person."""
    from datawash.review import bulk, service

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        if file is not None:
            if person_id:
                raise typer.BadParameter("give either --file or PERSON_ID, not both")
            result = bulk.countersign_from_file(s, actor, file)
            rejected = sum(1 for d in result.decisions if d.status == "rejected")
            console.print(f"{result.rows:,} countersignature(s) recorded; {rejected:,} rejected")
            return
        if not person_id or reason is None:
            raise typer.BadParameter("PERSON_ID and --reason are needed (or --file)")
        row = service.countersign(
            s, actor, person_id=person_id, reason=reason, reject=reject, expected_version=version
        )
        plain(f"{person_id}: decision {row.to_state} {row.status}")


@review_app.command("reopen")
def reopen_cmd(
    ctx: typer.Context,
    person_id: str,
    reason: Annotated[str, typer.Option(help="Why the decision is looked at again.")],
) -> None:
    """A supervisor sends a decided item back to new (countersigned like any decision)."""
    from datawash.review import service

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        row = service.reopen(s, actor_from(ctx, s), person_id=person_id, reason=reason)
        _said(person_id, row.from_state, row.to_state, row.status, row.without_second_person)


@review_app.command("assign")
def assign_cmd(
    ctx: typer.Context,
    person_ids: list[str],
    to: Annotated[str, typer.Option("--to", help="The reviewer.")],
) -> None:
    """Assign items to a reviewer."""
    from datawash.review import service

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        n = service.assign(s, actor_from(ctx, s), person_ids=person_ids, reviewer=to)
        plain(f"{n} item(s) assigned to {to}")


@review_app.command("rescore")
def rescore_cmd(ctx: typer.Context, run_id: Annotated[int | None, typer.Argument()] = None) -> None:
    """Learn from the reviewers' marks and re-score the pending pairs of a wash run (the
    latest by default) without reading the extract again; decisions are kept."""
    from datawash.review import learning

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        got = learning.rescore(s, actor_from(ctx, s), settings, run_id=run_id)
    held = got.held_out
    plain(
        f"run {got.run_id}: {got.labels} labels ({got.matches} this person, "
        f"{got.non_matches} not); {got.rescored} pairs re-scored; confirmed "
        f"{got.confirmed_before} -> {got.confirmed_after}; prior {got.prior_shift:+.1f} bits"
    )
    if held.get("folds"):

        def pct(v: object) -> str:
            return f"{float(v):.3f}" if isinstance(v, int | float) else "-"

        plain(
            f"held out by person ({held['folds']} folds): precision {pct(held['precision'])} "
            f"(was {pct(held['precision_without_labels'])}), recall {pct(held['recall'])} "
            f"(was {pct(held['recall_without_labels'])})"
        )
    else:
        plain("too few labelled people to estimate precision and recall on held-out labels")
    if got.operating_threshold is not None:
        plain(
            f"to find {got.target_share:.0%} of the matched people still to review "
            f"(as the corrected probabilities expect): work the queue down to probability "
            f"{got.operating_threshold:.3f} ({got.people_to_review} people)"
        )
    for fld, levels in sorted(got.corrections.items()):
        for level, bits in sorted(levels.items(), key=lambda kv: -abs(kv[1]))[:3]:
            if abs(bits) >= 0.5:
                plain(f"  {fld}: {level}: {bits:+.1f} bits from the labels")


@review_app.command("export-labels")
def export_labels_cmd(ctx: typer.Context, out: Path) -> None:
    """Write the reviewers' marks as labelled pairs (person_id, record_id,
    clerical_match_score), the format Splink reads, for analysts."""
    from datawash.review import learning

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        n = learning.export_labels(s, actor_from(ctx, s), out)
    plain(f"{n} labelled pairs written to {out}")


@review_app.command("target")
def target_cmd(
    ctx: typer.Context,
    run_id: int,
    share: Annotated[float, typer.Option(help="share of matched people to find, e.g. 0.97")],
    reason: Annotated[str, typer.Option(help="why the operating point is moved")],
) -> None:
    """Move a run's operating point (supervisors): the share of the matched people still to
    review that the queue should be worked far enough down to find. Prints the estimated
    curve: for each share, the probability to work down to and how many people that is."""
    from datawash.review import learning

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        got = learning.set_target_share(
            s, actor_from(ctx, s), settings, run_id=run_id, share=share, reason=reason
        )
    table = Table("share of matched people", "work down to probability", "people")
    for point in got["curve"]:
        mark = " (target)" if abs(float(point["share"]) - share) < 1e-9 else ""
        table.add_row(f"{float(point['share']):.0%}{mark}", f"{float(point['threshold']):.3f}",
                      str(point["people"]))  # fmt: skip
    console.print(table)
    plain(
        "estimated from the run's probabilities (corrected by reviewers' marks once "
        "`review rescore` has run)"
    )


@review_app.command("deadline")
def deadline_cmd(ctx: typer.Context, run_id: int, due_on: str) -> None:
    """Set the review deadline of a wash run (YYYY-MM-DD)."""
    from datawash.review import service

    settings = settings_from(ctx)
    due = _date(due_on, "DUE_ON")
    assert due is not None
    with handled_errors(), db.session_scope(settings) as s:
        got = service.set_deadline(s, actor_from(ctx, s), run_id=run_id, due_on=due)
        console.print(f"run {run_id}: review due by {got.isoformat()}")


@review_app.command("progress")
def progress_cmd(
    ctx: typer.Context, run_id: Annotated[int | None, typer.Argument()] = None
) -> None:
    """Done, remaining, by state and referral, against the deadline, with a forecast."""
    from datawash.review import service

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        p = service.progress(s, actor_from(ctx, s), run_id=run_id)
        table = Table(title=f"Review progress (wash run {p.run_id})", show_header=False)
        table.add_row("items", f"{p.total:,}")
        table.add_row("done", f"{p.done:,}")
        table.add_row("remaining", f"{p.remaining:,}")
        table.add_row("awaiting countersignature", f"{p.awaiting_countersignature:,}")
        table.add_row("dual control", "on" if p.dual_control else Text("OFF", style="red"))
        if p.without_second_person:
            table.add_row(
                Text("decided without a second person", style="red"),
                f"{p.without_second_person:,}",
            )
        for state, n in p.by_state.items():
            table.add_row(f"  state {state}", f"{n:,}")
        for ref, n in p.by_referral.items():
            table.add_row(f"  referred to {ref}", f"{n:,}")
        if p.due_on:
            table.add_row("deadline", f"{p.due_on.isoformat()} ({p.days_left} days left)")
            table.add_row("needed per day", f"{p.needed_per_day}")
        table.add_row(f"achieved per day (last {p.pace_days} days)", f"{p.achieved_per_day}")
        table.add_row(
            "forecast finish", p.forecast_done_on.isoformat() if p.forecast_done_on else "-"
        )
        if p.on_track is not None:
            table.add_row("on track", "yes" if p.on_track else Text("no", style="red"))
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
