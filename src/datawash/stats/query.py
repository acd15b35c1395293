"""The general register count: what a real FOI request asks of the misconduct register.

Count distinct people, cases or allegations; placed by any of the register's dates
(recorded, assessed, investigation started or ended, hearing, appeal, outcome, closed,
suspended or its end, restricted or its end, left the force, charged, criminal outcome,
referred to the IOPC), or by a spell in force (a case open, an investigation under way, a
suspension, restricted duties: SPELLS), into financial or calendar years, or into one span
of dates; filtered on any dimension; broken down by up to two of category, role, rank,
offence group, outcome, severity, source, stage, criminal proceedings, leaving reason,
whether the person left while under investigation, the subject's gender or ethnic group, or
live/completed; with a total for each year. One SQL builder (``register_count_sql``), run by
the one runner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from itertools import product
from statistics import mean, median
from typing import Any

from sqlalchemy import String, case, cast, distinct, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from datawash.cases.models import Allegation, Case
from datawash.errors import InputError
from datawash.ingest.schema import (
    AFTER_CHARGE,
    CATEGORIES,
    CRIMINAL_PROCEEDINGS,
    ETHNIC_GROUPS,
    GENDERS,
    LEAVING_REASONS,
    OUTCOMES,
    RANKS,
    ROLES,
    SEVERITIES,
    SOURCES,
    STAGES,
)
from datawash.stats.periods import Period, unfinished
from datawash.stats.tables import Cell, StatTable
from datawash.triage.classify import offence_groups
from datawash.vocabulary import OffenceGroup, label_of, values

# How each date reads in a title: "by financial year of the date recorded".
DATE_WORDS = {
    "recorded": "the date recorded",
    "closed": "the date the case closed",
    "assessed": "the severity assessment",
    "investigation_started": "the start of the investigation",
    "investigation_ended": "the end of the investigation",
    "hearing": "the misconduct meeting or hearing",
    "appeal": "the appeal",
    "outcome": "the outcome",
    "suspended": "suspension",
    "suspension_ended": "the end of suspension",
    "restricted": "restriction of duties",
    "restriction_ended": "the end of restricted duties",
    "left": "leaving the force",
    "charged": "the criminal charge",
    "criminal_outcome": "the outcome of criminal proceedings",
    "iopc_referred": "the referral to the IOPC",
}
DATES: dict[str, Any] = {
    "recorded": Case.recorded_on,
    "closed": Case.closed_on,
    "assessed": Allegation.severity_assessed_on,
    "investigation_started": Allegation.investigation_started_on,
    "investigation_ended": Allegation.investigation_ended_on,
    "hearing": Allegation.hearing_held_on,
    "appeal": Allegation.appeal_on,
    "outcome": Allegation.outcome_on,
    "suspended": Allegation.suspended_on,
    "suspension_ended": Allegation.suspension_ended_on,
    "restricted": Allegation.restricted_on,
    "restriction_ended": Allegation.restriction_ended_on,
    "left": Allegation.left_force_on,
    "charged": Allegation.charged_on,
    "criminal_outcome": Allegation.criminal_outcome_on,
    "iopc_referred": Allegation.iopc_referred_on,
}


# How a filter on leaving while under investigation reads in a title.
LEFT_WORDS = {
    "yes": "left the force while under investigation",
    "no": "left the force when not under investigation",
}


# A date, and a dimension recorded exactly when the date is (an outcome and its date; leaving
# the force, its date, and whether it was while under investigation) ...
DATED_WITH = (
    ("outcome", "outcome"), ("left", "leaving_reason"), ("left", "left_under_investigation"),
)  # fmt: skip
# ... or recorded, with one of some values, whenever the date is: a closed case has its
# outcomes; a criminal outcome date has its proceedings; a charge date has proceedings that
# follow a charge (no further action: discontinued after it). The importer refuses anything
# else (docs/formats.md): a table placed by the date has no rows for the other values, and
# foi/linked.py reads both as rules every reader knows.
DATED_NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "closed": ("outcome", OUTCOMES),
    "criminal_outcome": ("criminal_proceedings", CRIMINAL_PROCEEDINGS),
    "charged": ("criminal_proceedings", AFTER_CHARGE),
}


def can_be(date_field: str, dim: str, value: str) -> bool:
    """Whether a record a table placed by ``date_field`` counts can have ``value`` of ``dim``."""
    if (date_field, dim) in DATED_WITH:
        return value != NOT_RECORDED
    needs = DATED_NEEDS.get(date_field)
    return needs is None or needs[0] != dim or value in needs[1]


def _live(day: date) -> Any:
    return case((Case.closed_on.is_(None) | (Case.closed_on > day), "live"), else_="completed")


NOT_RECORDED = "not recorded"
YES_NO = ("yes", "no")


def _left_under_investigation() -> Any:
    """Whether the person left the force while the allegation was under investigation:
    "yes" when they left on or after the day the case was recorded and before its outcome
    (or it has none yet); "no" when they left before the case was recorded (a former
    officer's conduct came to light later) or on the day of the outcome or after it
    (dismissed at the hearing, retired years later); "not recorded" when they have not
    left. It follows from the dates (docs/formats.md)."""
    left, outcome = Allegation.left_force_on, Allegation.outcome_on
    return case(
        (left.is_(None), NOT_RECORDED),
        ((left >= Case.recorded_on) & (outcome.is_(None) | (outcome > left)), "yes"),
        else_="no",
    )


def _or_not_recorded(column: Any) -> Any:
    # A record without the value still counts in the total: it gets a row of its own, so
    # disclosure control sees it (a total beside rows that do not add up would give it away).
    return func.coalesce(column, NOT_RECORDED)


OFFENCE_GROUPS = values(OffenceGroup)


def _offence_group() -> Any:
    """The offence group of an allegation's Home Office code, as triage/classify.py's
    offence_group_of gives it (a test holds the two together): the codes the table lists,
    then a code it does not list by its class where the class is all one group (`19A` is
    rape), else any other offence; no code, not recorded. Plain SQL comparisons, so SQLite
    and PostgreSQL read it alike (codes are stored normalised: `19C`, `8U`, `4.1`)."""
    codes, classes = offence_groups()
    code = Allegation.offence_code
    listed = [(code.in_(sorted(c for c, g in codes.items() if g == group)), group)
              for group in OFFENCE_GROUPS if group in codes.values()]  # fmt: skip

    def of_class(cls: str) -> Any:
        after = func.substr(code, len(cls) + 1, 1)
        lettered = (func.length(code) == len(cls) + 1) & (func.substr(code, 1, len(cls)) == cls)
        return or_(code == cls, lettered & after.notin_(list("0123456789")),
                   code.like(f"{cls}.%"))  # fmt: skip

    by_class = [
        (or_(*(of_class(c) for c in sorted(classes) if classes[c] == group)), group)
        for group in OFFENCE_GROUPS
        if group in classes.values()
    ]
    return case((code.is_(None), NOT_RECORDED), *listed, *by_class,
                else_=OffenceGroup.OTHER_OFFENCE.value)  # fmt: skip


# The dimensions a count can be filtered on beyond category, role and outcome, and the
# parameter of each (StatParams): one list for the SQL, the titles and foi/linked.py.
FILTERED_BY: dict[str, str] = {
    "rank": "ranks",
    "offence": "offences",
    "severity": "severities",
    "source": "sources",
    "stage": "stages",
    "criminal_proceedings": "proceedings",
    "leaving_reason": "leaving",
    "left_under_investigation": "left_under_investigation",
    "gender": "genders",
    "ethnicity": "ethnicities",
}


def dimension_names() -> tuple[str, ...]:
    """The dimensions a count can be broken down by or filtered on, in one order."""
    return tuple(dimensions(date(2000, 1, 1)))


def dimensions(day: date) -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Each dimension a table can be broken down by: its column and its values."""
    nr = (NOT_RECORDED,)
    return {
        "category": (Allegation.category, CATEGORIES),
        "role": (Allegation.role_at_time, ROLES),
        "rank": (_or_not_recorded(Allegation.rank_at_time), (*RANKS, *nr)),
        "offence": (_offence_group(), (*OFFENCE_GROUPS, *nr)),
        "outcome": (_or_not_recorded(Allegation.outcome), (*OUTCOMES, *nr)),
        "severity": (
            _or_not_recorded(func.coalesce(Allegation.severity, Case.severity)),
            (*SEVERITIES, *nr),
        ),
        "source": (func.coalesce(Allegation.source, Case.source), SOURCES),
        "stage": (_or_not_recorded(Allegation.stage), (*STAGES, *nr)),
        "criminal_proceedings": (
            _or_not_recorded(Allegation.criminal_proceedings),
            (*CRIMINAL_PROCEEDINGS, *nr),
        ),
        "leaving_reason": (_or_not_recorded(Allegation.leaving_reason), (*LEAVING_REASONS, *nr)),
        "left_under_investigation": (_left_under_investigation(), (*YES_NO, *nr)),
        "gender": (_or_not_recorded(Allegation.gender), (*GENDERS, *nr)),
        "ethnicity": (_or_not_recorded(Allegation.ethnicity), (*ETHNIC_GROUPS, *nr)),
        "live": (_live(day), ("live", "completed")),
    }


def _values_in_scope(p: Any, dim: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """The values a breakdown shows: those the filters let through, never a filtered-out
    value as a false 0."""
    allowed = {
        "category": p.categories,
        "role": p.roles,
        "outcome": () if "any" in p.outcomes else p.outcomes,
        "live": () if p.live == "any" else (p.live,),
        **{d: getattr(p, name) for d, name in FILTERED_BY.items()},
    }.get(dim, ())
    return tuple(v for v in values if v in allowed) if allowed else values


COUNTED = {
    "people": Allegation.person_id,
    "cases": Allegation.case_id,
    "allegations": Allegation.allegation_id,
}


# Placed by a spell rather than by one date: a record counts in every period in which its
# spell was in force at some time - begun by the period's last day (and by the day counted
# at) and not ended before its first. A spell is in force from the day it begins to the day
# it ends, both included: a case closed on 1 April was open that day, so in the year that
# starts then (and a suspension begun and ended on one day counts on that day). "Under
# investigation in 2021/22" or "suspended at 31 March" asks this; "investigations started
# in 2021/22" asks for the date the investigation started. Each spell: the date it begins,
# the date it ends (none: still in force), and its words.
SPELLS: dict[str, tuple[str, str, str]] = {
    "open": ("recorded", "closed", "the case was open"),
    "investigation": ("investigation_started", "investigation_ended",
                      "an investigation was under way"),
    "suspension": ("suspended", "suspension_ended", "the person was suspended"),
    "restriction": ("restricted", "restriction_ended", "the person was on restricted duties"),
}  # fmt: skip


def in_force(spell: str, q: Period, day: date) -> Any:
    """The condition of a record whose spell was in force at some time in ``q`` (as known
    on ``day``: nothing in a period that begins after it)."""
    begins, ends, _words = SPELLS[spell]
    if q.start > day:
        return false()
    start, end = DATES[begins], DATES[ends]
    return (start <= min(q.end, day)) & (end.is_(None) | (end >= q.start))


def in_scope(p: Any, dims: dict[str, tuple[Any, tuple[str, ...]]]) -> list[Any]:
    """The conditions of a record the parameters count (recorded by the day counted at;
    its category, role, outcome and every other filter; live or completed)."""
    day = p.today()
    conds = [
        Case.recorded_on <= day,
        Allegation.category.in_(p.categories),
        Allegation.role_at_time.in_(p.roles),
    ]
    if "any" not in p.outcomes:
        conds.append(Allegation.outcome.in_(p.outcomes))
    for key, name in FILTERED_BY.items():
        wanted = getattr(p, name)
        if wanted:
            conds.append(dims[key][0].in_(wanted))
    if p.live != "any":
        conds.append(_live(day) == p.live)
    return conds


def register_count_sql(p: Any, periods: Sequence[Period], by: Sequence[str]) -> Any:
    """Distinct people, cases or allegations in scope, by period of ``date_field`` (a date, or
    a spell in force: SPELLS) and by the ``by`` dimensions (none: the period's total)."""
    day = p.today()
    dims = dimensions(day)
    conds = in_scope(p, dims)
    columns = [dims[b][0].label(b) for b in by]

    def counted(period: Any, groups: list[Any], *where: Any) -> Any:
        return (
            select(period.label("period"), *columns,
                   func.count(distinct(COUNTED[p.count])).label("n"))
            .select_from(Allegation)
            .join(Case, Case.case_id == Allegation.case_id)
            .where(*conds, *where)
            .group_by(*groups)
        )  # fmt: skip

    if p.date_field in SPELLS:  # the periods overlap in what they count: one select each
        return union_all(*(
            counted(cast(literal(q.label), String), columns, in_force(p.date_field, q, day))
            for q in periods
        ))  # fmt: skip
    when = DATES[p.date_field]
    spans = [((when >= q.start) & (when <= q.end), q.label) for q in periods]
    period = case(*spans, else_=None)
    # A date after the day counted at is not yet known then.
    limits = (when >= periods[0].start, when <= periods[-1].end, when <= day)
    return counted(period, [period, *columns], *limits)


def periods_of(p: Any) -> list[Period]:
    """One span of dates, or the years asked for."""
    if p.span_from and p.span_to:
        label = f"{p.span_from:%d/%m/%Y}" + (
            "" if p.span_to == p.span_from else f" to {p.span_to:%d/%m/%Y}"
        )  # one day ("suspended on 31/03/2024") or a span
        return [Period(p.span_from, p.span_to, label)]
    result: list[Period] = p.periods()
    if p.on_day:  # one day in each year: "on 31 March each year"
        return [Period(d, d, f"{d:%d/%m/%Y}") for d in (day_in(q, p.on_day) for q in result)]
    return result


def day_in(q: Period, month_day: str) -> date:
    """The day ``month_day`` ("03-31") within the year ``q`` (a financial year holds one
    31 March and one 1 April: 31/03/2024 in 2023/24, 01/04/2023 in 2023/24)."""
    month, day = (int(x) for x in month_day.split("-"))
    for year in (q.start.year, q.end.year):
        d = date(year, month, day)
        if q.start <= d <= q.end:
            return d
    raise InputError(f"on_day {month_day} is not in {q.label}")  # pragma: no cover


def scope_words(p: Any, scope: Callable[[Any], str]) -> str:
    """Everything that limits the count, for the table's title (``scope``: the categories
    and roles, worded as every statistic words them)."""
    parts = [scope(p)]
    if "any" not in p.outcomes:
        parts.append("outcome " + " or ".join(o.replace("_", " ") for o in p.outcomes))
    for dim, name in FILTERED_BY.items():
        wanted = getattr(p, name)
        if wanted and dim != "left_under_investigation":
            what = {"offence": "offence", "gender": "gender", "ethnicity": "ethnic group"}.get(
                dim, name
            )
            parts.append(f"{what} " + " or ".join(label_of(v) for v in wanted))
    if p.left_under_investigation:
        parts.append(" or ".join(LEFT_WORDS[v] for v in p.left_under_investigation))
    if p.live != "any":
        parts.append(f"{p.live} cases at {p.today():%d/%m/%Y}")
    return "; ".join(parts)


def _day_words(month_day: str) -> str:
    month, day = (int(x) for x in month_day.split("-"))
    return f"{date(2001, month, day):%-d %B}"


def placed_by(p: Any, field: str) -> str:
    """How a table's periods place its records, for its title: one span of dates (the
    period column says which), or years and their kind; by a date or a spell in force."""
    year = "financial year" if p.period.value == "financial" else "calendar year"
    if field in SPELLS:
        words = SPELLS[field][2]
        if p.on_day:
            return f"whether {words} on the day, {_day_words(p.on_day)} of each {year}"
        return (f"whether {words} at some time in the span" if p.span_from
                else f"{year} in which {words} at some time")  # fmt: skip
    return DATE_WORDS[field] if p.span_from else f"{year} of {DATE_WORDS[field]}"


def register_count(
    session: Session,
    p: Any,
    *,
    execute: Callable[[Session, Any], list[Any]],
    scope: Callable[[Any], str],
) -> StatTable:
    """The table (the registry passes its one runner and its wording of scope)."""
    by = [b for b in p.by if b != "none"]
    dims = dimensions(p.today())
    if len(by) > 2 or any(b not in dims for b in by):
        raise InputError(
            f"register_count is broken down by up to two of {', '.join(dims)}, not {by}"
        )
    if p.date_field not in DATES and p.date_field not in SPELLS:
        raise InputError(
            f"date_field is one of {', '.join(DATES)}, or a spell in force: "
            f"{', '.join(SPELLS)}; not {p.date_field!r}"
        )
    if p.on_day and p.date_field not in SPELLS:
        raise InputError(
            f"on_day counts what was in force on a day of each year: it goes with a spell "
            f"({', '.join(SPELLS)}), not date_field={p.date_field}"
        )
    if p.date_field in SPELLS and (p.live != "any" or "live" in by):
        raise InputError(
            f"date_field={p.date_field} counts the records in each period {SPELLS[p.date_field][2]}"
            " in: it takes no live filter or breakdown (for cases open, it is what live asks)"
        )
    if p.shares == "yes" and not by:
        raise InputError(
            "shares are each row's part of its period's 'all' row: give a breakdown (--by)",
            field="shares",
        )
    periods = periods_of(p)
    found = {
        tuple(r[:-1]): int(r[-1]) for r in execute(session, register_count_sql(p, periods, by))
    }
    totals = {r[0]: int(r[-1]) for r in execute(session, register_count_sql(p, periods, []))}
    seen = [{k[1 + j] for k in found} for j in range(len(by))]
    shown = [
        tuple(v for v in _values_in_scope(p, b, dims[b][1])
              if can_be(p.date_field, b, v) or v in seen[j])
        for j, b in enumerate(by)
    ]  # fmt: skip
    combos = list(product(*shown)) if by else []
    rows: list[list[Cell]] = []
    lines: list[list[tuple[int, int]]] = []
    width = 1 + len(by)
    for q in periods:
        first = len(rows)
        for combo in combos:
            rows.append([q.label, *combo, found.get((q.label, *combo), 0)])
        rows.append([q.label, *(["all"] * len(by)), totals.get(q.label, 0)])
        if combos:
            lines.append(
                [(len(rows) - 1, width)] + [(r, width) for r in range(first, len(rows) - 1)]
            )
    what = {"people": "People", "cases": "Cases", "allegations": "Allegations"}[p.count]
    placed = placed_by(p, p.date_field)
    table = StatTable(
        name="register_count",
        title=f"{what} in the misconduct register by "
        + placed
        + (f" and {' and '.join(b.replace('_', ' ') for b in by)}" if by else "")
        + f" ({scope_words(p, scope)})",
        columns=["period", *by, p.count],
        rows=rows,
        label_columns=width,
        lines=lines,
        parameters=p.as_dict(),
        notes=[
            f"{what} are counted once in each row; a row 'all' counts each once however many "
            "of the rows above it they are in, so it can be less than their sum.",
            *unfinished(periods, p.today()),
        ],
    )
    return with_shares(table, what.lower()) if p.shares == "yes" else table


def with_shares(table: StatTable, what: str) -> StatTable:
    """``table`` with each row's share of its line's total ("all" row) beside its count, as a
    percentage to one decimal place: "what proportion of allegations were upheld" is a
    share of a count the table gives, derived from two figures it publishes (never from
    figures it does not: disclosure control shows a share only where both are shown)."""
    count = table.label_columns
    total_of = table.line_totals
    rows: list[list[Cell]] = []
    for k, row in enumerate(table.rows):
        part, whole = row[count], table.rows[total_of[k]][count] if k in total_of else None
        share = (
            round(100 * part / whole, 1)
            if isinstance(part, int) and isinstance(whole, int) and whole
            else None
        )
        rows.append([*row, share])
    note = (
        f"The share is each row's {what} as a percentage of the {what} in its period's 'all' "
        "row, to one decimal place; none where that row is 0."
        + (f" Shares of {what} can add up to more than 100%: one can be in several rows."
           if what != "allegations" else "")
    )  # fmt: skip
    return replace(
        table,
        columns=[*table.columns, "share_pct"],
        headings=[*table.display_columns, "% of all"],
        rows=rows,
        measures=[(count + 1, count)],
        shares=[count + 1],
        notes=[*table.notes, note],
    )


# How long things took, for "the average time to conclude an investigation": from a date to
# a later one that the importer records only with it (foi/linked.py NEEDS_DATE; a case always
# has the date it was recorded), for the records whose later date falls in the period. Each
# measure: (first date, last date, what is counted, words).
DURATIONS: dict[str, tuple[str, str, str, str]] = {
    "case": ("recorded", "closed", "cases", "from the case being recorded to its closing"),
    "outcome": ("recorded", "outcome", "allegations",
                "from the case being recorded to the allegation's outcome"),
    "investigation": ("investigation_started", "investigation_ended", "allegations",
                      "from the start of the investigation to its end"),
    "suspension": ("suspended", "suspension_ended", "allegations", "suspended"),
    "restriction": ("restricted", "restriction_ended", "allegations", "on restricted duties"),
}  # fmt: skip


def duration_counted(p: Any) -> Any:
    """The general count whose cells are a duration table's counts: the records placed by
    the measure's last date (so foi/linked.py reads them as the same populations)."""
    if p.measure not in DURATIONS:
        raise InputError(f"measure is one of {', '.join(DURATIONS)}; not {p.measure!r}")
    _first, last, unit, _words = DURATIONS[p.measure]
    return replace(p, date_field=last, count=unit, by=(), live="any")


def register_duration(
    session: Session,
    p: Any,
    *,
    execute: Callable[[Session, Any], list[Any]],
    scope: Callable[[Any], str],
) -> StatTable:
    """Days taken (the measure's first date to its last), by period of the last: how many
    records, and their mean and median days (whole days, halves up)."""
    q = duration_counted(p)
    first, last, unit, words = DURATIONS[p.measure]
    periods = periods_of(q)
    day = q.today()
    when, start = DATES[last], DATES[first]
    period = case(*[((when >= x.start) & (when <= x.end), x.label) for x in periods], else_=None)
    stmt = (
        select(period.label("period"), COUNTED[unit], start, when)
        .select_from(Allegation)
        .join(Case, Case.case_id == Allegation.case_id)
        .where(*in_scope(q, dimensions(day)), when >= periods[0].start,
               when <= periods[-1].end, when <= day)
        .distinct()
    )  # fmt: skip
    days: dict[str, dict[str, int]] = {}
    for label, ident, began, ended in execute(session, stmt):
        days.setdefault(str(label), {})[str(ident)] = (ended - began).days
    rows: list[list[Cell]] = []
    for x in periods:
        taken = sorted(days.get(x.label, {}).values())
        rows.append([x.label, len(taken), _whole(mean(taken)) if taken else None,
                     _whole(median(taken)) if taken else None])  # fmt: skip
    what = {"cases": "Cases", "allegations": "Allegations"}[unit]
    placed = placed_by(q, last)
    return StatTable(
        name="register_duration",
        title=f"Days {words}: {what.lower()} by {placed}, with the mean and median days "
        f"({scope_words(q, scope)})",
        columns=["period", unit, "mean_days", "median_days"],
        headings=["Period", what, "Mean days", "Median days"],
        rows=rows,
        parameters=p.as_dict(),
        measures=[(2, 1), (3, 1)],
        notes=[
            f"Days from {DATE_WORDS[first]} to {DATE_WORDS[last]}, for each of the "
            f"{what.lower()} placed in the period by {DATE_WORDS[last]}; whole days, halves "
            "rounded up. A mean or median is not given where its count is not shown.",
            *unfinished(periods, day),
        ],
    )


def _whole(days: float) -> int:
    return int(days + 0.5)  # halves up (days are never negative: the importer's order)
