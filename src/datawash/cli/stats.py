"""`datawash stats NAME|list`: named statistics as a table, CSV, JSON or Markdown."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from datawash.cli.common import actor_from, console, handled_errors, settings_from
from datawash.cli.lazy import lazy_module
from datawash.errors import InputError
from datawash.foi.disclosure import apply_disclosure_control
from datawash.stats.periods import PeriodKind

if TYPE_CHECKING:
    from datawash import db
    from datawash.stats import registry, service
else:
    db = lazy_module("datawash.db")
    registry = lazy_module("datawash.stats.registry")
    service = lazy_module("datawash.stats.service")
from datawash.stats.tables import StatTable


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MD = "md"


# The options as the command line names them, for messages from the service's checks.
FLAGS = {
    "from_period": "--from",
    "to_period": "--to",
    "count": "--count",
    "as_of": "--as-of",
    "by": "--by",
    "categories": "--category",
    "roles": "--role",
    "outcomes": "--outcome",
    "param": "--param",
    "date_field": "--date-field",
    "span_from": "--span-from",
    "span_to": "--span-to",
    "live": "--live",
    "severities": "--severity",
    "sources": "--source",
    "stages": "--stage",
    "ranks": "--rank",
    "offences": "--offence",
    "genders": "--gender",
    "ethnicities": "--ethnicity",
    "measure": "--measure",
    "period": "--period",
    "run_id": "--run",
}


def params_from_options(**options: Any) -> registry.StatParams:
    """The service checks each option (one rule for CLI and web); the message here names
    the command-line option that is wrong."""
    try:
        return service.params_from(**options)
    except InputError as exc:
        raise _flagged(exc) from None


def _flagged(exc: InputError) -> InputError:
    """The service's message, led by the command-line option it is about."""
    flag = FLAGS.get(exc.field or "")
    return exc if flag is None else InputError(f"{flag}: {exc}", field=exc.field)


def print_table(table: StatTable, fmt: Format) -> None:
    if fmt is Format.CSV:
        print(table.to_csv(), end="")
    elif fmt is Format.JSON:
        print(table.to_json())
    elif fmt is Format.MD:
        print(table.to_markdown(), end="")
    else:
        out = Table(*table.display_columns, title=table.title)
        for row in table.display_rows:
            out.add_row(
                *("" if c is None else f"{c:,}" if isinstance(c, int) else str(c) for c in row)
            )
        console.print(out)
        for note in table.shown_notes:
            console.print(note, style="dim", markup=False)


def stats_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="a statistic's name, or 'list' to describe them")],
    from_: Annotated[
        str | None, typer.Option("--from", help="first year, e.g. 2018/19 (or 2018)")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="last year, e.g. 2022/23")] = None,
    period: Annotated[
        PeriodKind, typer.Option(help="financial (1 April - 31 March) or calendar years")
    ] = PeriodKind.FINANCIAL,
    by: Annotated[list[str] | None, typer.Option(help="break down by category, role")] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="categories in scope (default sexual,domestic_abuse)")
    ] = None,
    role: Annotated[list[str] | None, typer.Option(help="roles in scope (default all)")] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(help="outcomes counted (default: dismissals; for query, any outcome)"),
    ] = None,
    count: Annotated[
        str | None, typer.Option(help="people, cases or allegations (default people)")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="the day to count at (default today)")] = None,
    run: Annotated[int | None, typer.Option(help="wash run (default the latest)")] = None,
    disclosure_control: Annotated[
        bool,
        typer.Option(help="show small counts as 'fewer than N', as they would be published"),
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", help="output format")] = Format.TABLE,
    param: Annotated[
        list[str] | None,
        typer.Option(help="another parameter, key=value (date_field=recorded, span_from=…)"),
    ] = None,
    date_field: Annotated[
        str | None,
        typer.Option(
            help="the date that places a record: recorded, outcome, suspended, left, charged …;"
            " or a spell in force: open, investigation, suspension, restriction"
        ),
    ] = None,
    span_from: Annotated[
        str | None, typer.Option(help="one span of dates instead of years: first day")
    ] = None,
    span_to: Annotated[str | None, typer.Option(help="… and last day (YYYY-MM-DD)")] = None,
    severity: Annotated[list[str] | None, typer.Option(help="severities in scope")] = None,
    source: Annotated[list[str] | None, typer.Option(help="sources in scope")] = None,
    stage: Annotated[list[str] | None, typer.Option(help="stages in scope")] = None,
    rank: Annotated[list[str] | None, typer.Option(help="ranks in scope (officers)")] = None,
    offence: Annotated[
        list[str] | None,
        typer.Option(help="offence groups in scope: rape, sexual_assault, coercive_control …"),
    ] = None,
    gender: Annotated[
        list[str] | None, typer.Option(help="the subject's gender in scope: M, F, X")
    ] = None,
    ethnicity: Annotated[
        list[str] | None,
        typer.Option(help="ethnic groups in scope: asian, black, mixed, white, other, not_stated"),
    ] = None,
    live: Annotated[
        str | None, typer.Option(help="live or completed cases only (at --as-of)")
    ] = None,
    measure: Annotated[
        str | None,
        typer.Option(help="for duration: case, outcome, investigation, suspension, restriction"),
    ] = None,
) -> None:
    """Named statistics (`datawash stats list` describes them); `datawash stats query` is
    the general count of the register (register_count), with each of its parameters as an
    option; `datawash stats duration` the days things took (register_duration)."""
    settings = settings_from(ctx)
    # The general count's parameters by name; the service checks them like --param.
    named = {"date_field": date_field, "span_from": span_from, "span_to": span_to,
             "live": live, "severities": severity, "sources": source, "stages": stage,
             "ranks": rank, "offences": offence, "genders": gender, "ethnicities": ethnicity,
             "measure": measure}  # fmt: skip
    name = {"query": "register_count", "duration": "register_duration"}.get(name, name)
    if name != "list" and name not in registry.STATISTICS:
        with handled_errors():
            raise InputError(
                f"no statistic called {name!r}; one of query (the general count), duration, "
                f"{', '.join(sorted(registry.STATISTICS))}; `datawash stats list` describes them"
            )
    if count is not None and name == "register_duration":
        with handled_errors():
            raise InputError(
                "--count: duration counts what --measure measures (cases or allegations)"
            )
    extra = [*(param or [])]
    given = {item.partition("=")[0].strip() for item in extra}
    for key, value in named.items():
        if not value:
            continue
        with handled_errors():
            if key in given:
                raise InputError(f"{FLAGS[key]} and --param {key}=... are the same parameter")
        extra.append(f"{key}={value if isinstance(value, str) else ','.join(value)}")
    with handled_errors(), db.session_scope(settings) as s:
        actor = actor_from(ctx, s)
        if name == "list":
            out = Table("name", "what it gives", "parameters", "--by")
            for st in service.list_statistics(actor):
                out.add_row(
                    st.name,
                    f"{st.title}. {st.description}",
                    ", ".join(st.uses),
                    ", ".join(st.by_options),
                )
            console.print(out)
            return
        params = params_from_options(
            from_=from_,
            to=to,
            period=period,
            by=by,
            category=category,
            role=role,
            outcome=outcome,
            count=count or "people",
            as_of=as_of,
            run=run,
            extra=extra,
            statistic=name,
        )
        try:
            table = service.run_statistic(s, actor, name, params)
        except InputError as exc:
            raise _flagged(exc) from None
        if disclosure_control:
            from datawash.safeguards.service import disclosure_threshold

            table, _decision = apply_disclosure_control(table, disclosure_threshold(s))
        print_table(table, fmt)


def register(app: typer.Typer) -> None:
    app.command("stats")(stats_cmd)
