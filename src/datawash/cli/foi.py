"""`datawash foi …`: the FOI request register, answers, letters and the disclosure log."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from datawash import clock
from datawash.cli.common import actor_from, console, handled_errors, settings_from
from datawash.cli.lazy import lazy_module
from datawash.errors import InputError

if TYPE_CHECKING:
    from datawash import db
    from datawash.foi import catalogue as catalogue_
    from datawash.foi import deadlines, log, seed, service
    from datawash.foi import letter as letters
else:
    db = lazy_module("datawash.db")
    service = lazy_module("datawash.foi.service")
    catalogue_ = lazy_module("datawash.foi.catalogue")
    deadlines = lazy_module("datawash.foi.deadlines")
    letters = lazy_module("datawash.foi.letter")
    log = lazy_module("datawash.foi.log")
    seed = lazy_module("datawash.foi.seed")

foi_app = typer.Typer(help="Freedom of Information requests, answers, letters and the log.")


def _date(value: str | None, what: str) -> date:
    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


@foi_app.command("receive")
def receive_cmd(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="short title for the disclosure log")],
    requester: Annotated[str, typer.Option(help="requester's name (kept apart, never published)")],
    text_file: Annotated[Path | None, typer.Option(help="file holding the request text")] = None,
    text: Annotated[str | None, typer.Option(help="the request text")] = None,
    contact: Annotated[str | None, typer.Option(help="requester's address or email")] = None,
    received: Annotated[str | None, typer.Option(help="date received (default today)")] = None,
    hours: Annotated[float | None, typer.Option(help="s12 estimate in hours")] = None,
) -> None:
    """Log a request: its questions are split out (edit them after) and the due date set."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        if text_file is not None:
            try:
                body = text_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{text_file}: cannot read the request text ({exc})") from None
        elif text is not None:
            body = text
        else:
            raise InputError("give the request with --text-file or --text")
        req = service.receive_request(
            s,
            actor_from(ctx, s),
            received_on=_date(received, "--received"),
            title=title,
            text=body,
            requester_name=requester,
            requester_contact=contact,
            hours_estimate=hours,
        )
        console.print(
            f"{req.reference}: {len(req.questions)} question(s), due {req.due_on:%d/%m/%Y} "
            f"({req.due_explanation})",
            markup=False,
        )


@foi_app.command("list")
def list_cmd(
    ctx: typer.Context, status: Annotated[str | None, typer.Option(help="only this status")] = None
) -> None:
    """Requests with their status, due date and working days left (overdue in red)."""
    settings = settings_from(ctx)
    today = clock.today()
    with handled_errors(), db.session_scope(settings) as s:
        table = Table(
            "reference",
            "received",
            "title",
            "status",
            "due",
            "working days left",
            "sent",
            "answered",
        )
        for r in service.list_requests(s, actor_from(ctx, s), status=status):
            answered = sum(q.answer is not None for q in r.questions)
            table.add_row(
                r.reference,
                f"{r.received_on:%d/%m/%Y}",
                r.title,
                r.status,
                f"{r.due_on:%d/%m/%Y}" if r.due_on else "clock stopped",
                _days_left(service.clock_status(r, today)),
                f"{r.sent_on:%d/%m/%Y}" if r.sent_on else "",
                f"{answered}/{len(r.questions)}",
            )
        console.print(table)


def _days_left(status: service.ClockStatus) -> str | Text:
    if status.kind in ("on_time", "late"):
        return status.kind.replace("_", " ")
    if status.kind == "overdue":
        return Text(f"OVERDUE by {status.working_days}", style="red")
    if status.kind == "open" and status.working_days is not None:
        left = status.working_days
        return Text(str(left), style="yellow") if left <= 5 else str(left)
    return ""


@foi_app.command("show")
def show_cmd(ctx: typer.Context, reference: str) -> None:
    """One request: questions, answers, the clock."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        r = service.get_request(s, actor, reference)
        due = f"{r.due_on:%d/%m/%Y}" if r.due_on else "clock stopped"
        console.print(f"{r.reference} [{r.status}] {r.title}", markup=False)
        console.print(f"received {r.received_on:%d/%m/%Y}; due {due} ({r.due_explanation})")
        if r.hours_estimate is not None:
            est = service.s12_estimate(
                r.hours_estimate, limit=settings.s12_limit_pounds, rate=settings.s12_hourly_rate
            )
            over = "over" if est.exceeds else "within"
            console.print(
                f"s12 estimate: {est.hours} h = £{est.cost:,.2f}, {over} £{est.limit:,.0f}"
            )
        for stop in r.clock_stops:
            console.print(
                f"clock stop: {stop.kind} from {stop.started_on} to {stop.ended_on or '-'}"
            )
        for q in r.questions:
            console.print(f"\n{q.number}. {q.text}", markup=False, style="bold")
            if q.answer is None:
                console.print("   not answered", style="yellow")
                continue
            from datawash.foi.service import answer_text

            console.print(f"   {answer_text(q.answer)}", markup=False)
            for d in q.answer.disclosure:
                console.print(
                    f"   disclosure control ({d['statistic']}): threshold {d['threshold']}, "
                    f"{len(d['primary'])} suppressed, {len(d['secondary'])} withheld"
                    f"{'' if d['applied'] else ' - NOT APPLIED: ' + d['reason']}",
                    markup=False,
                    style="dim",
                )


@foi_app.command("question")
def question_cmd(
    ctx: typer.Context,
    reference: str,
    action: Annotated[str, typer.Argument(help="edit, add or remove")],
    number: Annotated[int | None, typer.Option(help="question number (edit, remove)")] = None,
    text: Annotated[str | None, typer.Option(help="question text (edit, add)")] = None,
) -> None:
    """Edit, add or remove a question (the automatic split is a starting point)."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        if action == "add" and text:
            q = service.add_question(s, actor, reference=reference, text=text)
            console.print(f"added question {q.number}")
        elif action == "edit" and number is not None and text:
            service.edit_question(s, actor, reference=reference, number=number, text=text)
            console.print(f"question {number} changed")
        elif action == "remove" and number is not None:
            service.remove_question(s, actor, reference=reference, number=number)
            console.print(f"question {number} removed; the others renumbered")
        else:
            raise InputError(
                "use: question REF add --text T | edit --number N --text T | remove --number N"
            )


@foi_app.command("estimate")
def estimate_cmd(
    ctx: typer.Context,
    reference: str,
    hours: Annotated[float, typer.Argument(help="hours to locate, retrieve and extract")],
) -> None:
    """Record the s12 estimate (police limit £450 = 18 hours at £25)."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        r = service.set_hours_estimate(s, actor_from(ctx, s), reference=reference, hours=hours)
        est = service.s12_estimate(
            hours, limit=settings.s12_limit_pounds, rate=settings.s12_hourly_rate
        )
        over = "over the limit: s12 applies" if est.exceeds else "within the limit"
        console.print(f"{r.reference}: {hours:g} h = £{est.cost:,.2f}, {over}")


@foi_app.command("clock")
def clock_cmd(
    ctx: typer.Context,
    reference: str,
    action: Annotated[str, typer.Argument(help="clarify, fee or resume")],
    on: Annotated[str | None, typer.Option(help="date (default today)")] = None,
    note: Annotated[str | None, typer.Option(help="clarification received (resume)")] = None,
) -> None:
    """Stop the clock for clarification (s1(3): restarts on reply) or a fee (s10(2): paused),
    or resume it."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        day = _date(on, "--on")
        if action in ("clarify", "fee"):
            kind = "clarification" if action == "clarify" else "fee"
            r = service.stop_clock(s, actor, reference=reference, kind=kind, on=day, note=note)
        elif action == "resume":
            r = service.restart_clock(s, actor, reference=reference, on=day, clarification=note)
        else:
            raise InputError("the clock action is clarify, fee or resume")
        due = f"due {r.due_on:%d/%m/%Y}" if r.due_on else "clock stopped"
        console.print(f"{r.reference}: {r.status}, {due} ({r.due_explanation})", markup=False)


@foi_app.command("answer")
def answer_cmd(
    ctx: typer.Context,
    reference: str,
    number: int,
    statistic: Annotated[
        list[str] | None,
        typer.Option(help="a named statistic; repeat it for several tables in one answer"),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            help="statistic parameter k=v (from_period=2018/19 …), for every table; "
            "N:k=v for the N-th --statistic only (2:roles=staff)"
        ),
    ] = None,
    chart: Annotated[bool, typer.Option(help="add a chart of the statistic")] = False,
    exempt: Annotated[list[str] | None, typer.Option(help="FOIA section, e.g. 30(3)")] = None,
    ncnd: Annotated[bool, typer.Option(help="neither confirm nor deny")] = False,
    text: Annotated[str | None, typer.Option(help="free text")] = None,
    disclose_small_counts: Annotated[
        str | None,
        typer.Option(help="publish small counts unsuppressed; give the reason (recorded)"),
    ] = None,
) -> None:
    """Answer a question with a statistic, an exemption (or NCND) and/or text."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        names = statistic or []
        shared: dict[str, object] = {}
        own: dict[int, dict[str, object]] = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"--param {item!r}: write it as key=value or N:key=value")
            index, colon, key = key.partition(":") if ":" in key else ("", "", key)
            if colon:
                if not index.strip().isdigit() or not 1 <= int(index) <= len(names):
                    raise InputError(
                        f"--param {item!r}: N must be 1 to {len(names)} (one per --statistic)"
                    )
                own.setdefault(int(index), {})[key.strip()] = value.strip()
            else:
                shared[key.strip()] = value.strip()
        stats = [
            service.StatisticAnswer(name, {**shared, **own.get(i, {})}, chart)
            for i, name in enumerate(names, 1)
        ]
        answer = service.answer_question(
            s,
            actor_from(ctx, s),
            reference=reference,
            number=number,
            statistics=stats,
            exemptions=exempt or [],
            ncnd=ncnd,
            text=text,
            authority=settings.authority_name,
            disclose_small_counts_reason=disclose_small_counts,
            s12_limit=settings.s12_limit_pounds,
            s12_rate=settings.s12_hourly_rate,
        )
        for d in answer.disclosure:
            console.print(
                f"disclosure control: {len(d['primary'])} small count(s) shown as 'fewer than "
                f"{d['threshold']}', {len(d['secondary'])} more withheld"
            )
        console.print(f"question {number} answered")


@foi_app.command("letter")
def letter_cmd(
    ctx: typer.Context,
    reference: str,
    out: Annotated[Path, typer.Option(help="folder for the letter files")] = Path("."),
    fmt: Annotated[str, typer.Option("--format", help="html,pdf,docx")] = "html,pdf,docx",
    addressed: Annotated[bool, typer.Option(help="name the requester (the copy sent)")] = False,
) -> None:
    """Render the response letter (HTML, PDF, DOCX)."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        letter = letters.build_letter(
            s, actor_from(ctx, s), reference, authority=settings.authority_name,
            addressed=addressed, s12_limit=settings.s12_limit_pounds,
            s12_rate=settings.s12_hourly_rate,
        )  # fmt: skip
        for path in letters.write_letter(
            letter, out, [f.strip() for f in fmt.split(",") if f.strip()]
        ):
            console.print(f"wrote {path}")


@foi_app.command("send")
def send_cmd(
    ctx: typer.Context,
    reference: str,
    on: Annotated[str | None, typer.Option(help="date sent (default today)")] = None,
) -> None:
    """Mark the response sent; it joins the disclosure log."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        r = service.send_response(
            s, actor_from(ctx, s), reference=reference, on=_date(on, "--on"),
            s12_limit=settings.s12_limit_pounds, s12_rate=settings.s12_hourly_rate,
        )  # fmt: skip
        late = r.due_on is not None and r.sent_on is not None and r.sent_on > r.due_on
        console.print(f"{r.reference} sent {r.sent_on:%d/%m/%Y}" + (" (LATE)" if late else ""))


@foi_app.command("log")
def log_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="folder for the disclosure log")] = Path("foi-log"),
) -> None:
    """Write the disclosure log: CSV, an HTML index and each response (no requester)."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        paths = log.write_disclosure_log(
            s, actor_from(ctx, s), out, authority=settings.authority_name
        )
        console.print(f"wrote {len(paths)} files to {out}")


@foi_app.command("exemptions")
def exemptions_cmd() -> None:
    """The catalogue of FOIA sections: kind, NCND subsection, wording."""
    table = Table("section", "title", "kind", "NCND", "reason")
    for e in catalogue_.catalogue().values():
        table.add_row(e.section, e.title, e.kind, ", ".join(e.ncnd_forms) or "-", e.reason)
    console.print(table)


@foi_app.command("due")
def due_cmd(received: str) -> None:
    """The statutory due date for a request received on RECEIVED (YYYY-MM-DD)."""
    with handled_errors():
        d = deadlines.due_date(_date(received, "RECEIVED"))
        console.print(f"due {d.due_on:%d/%m/%Y} ({d.explanation})")


@foi_app.command("seed")
def seed_cmd(
    ctx: typer.Context,
    received: Annotated[str | None, typer.Option(help="date received (default today)")] = None,
    as_of: Annotated[str | None, typer.Option(help="figures as at (default today)")] = None,
    out: Annotated[Path | None, typer.Option(help="also write the letter here")] = None,
    disclose_small_counts: Annotated[
        str | None,
        typer.Option(help="publish question 3's small counts as they are; give the reason"),
    ] = None,
) -> None:
    """Answer the seed request (the reference FOI response) from this register and wash."""
    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        ref = seed.build_seed_response(
            s,
            actor,
            authority=settings.authority_name,
            received_on=_date(received, "--received"),
            as_of=_date(as_of, "--as-of"),
            disclose_small_counts_reason=disclose_small_counts,
        )
        letter = None
        if out is not None:
            s.flush()
            letter = letters.build_letter(
                s, actor, ref, authority=settings.authority_name,
                s12_limit=settings.s12_limit_pounds, s12_rate=settings.s12_hourly_rate,
            )  # fmt: skip
    # Files only once the answers have committed (a failed run leaves nothing behind).
    console.print(f"{ref}: the seed request, answered")
    if letter is not None and out is not None:
        with handled_errors():
            for path in letters.write_letter(letter, out, ["html", "pdf", "docx"]):
                console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(foi_app, name="foi")
