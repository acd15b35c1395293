"""Named statistics: each is documented, takes the same parameters, and is built from pure
SQL builders (statements with bound parameters) kept apart from the one runner that
executes them. Register a new statistic by adding a ``Statistic`` to ``STATISTICS``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, TypeAlias

from sqlalchemy import Date, Select, String, and_, case, func, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from datawash import clock
from datawash.errors import DatawashError, InputError
from datawash.ingest.schema import (
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
from datawash.review.models import ReviewDeadline
from datawash.review.service import compute_progress, end_of, review_histories
from datawash.review.workflow import DONE
from datawash.stats import query
from datawash.stats.periods import (
    Period,
    PeriodKind,
    parse_period,
    periods_between,
    recent_periods,
    unfinished,
)
from datawash.stats.tables import Cell, StatTable
from datawash.vocabulary import ReviewState
from datawash.wash.models import WashRun

log = logging.getLogger(__name__)

# A statement of any columns (Select is generic over its row's column types).
Query: TypeAlias = Select[*tuple[Any, ...]]

# The dismissal outcomes: "would have been dismissed" is how a former officer is dismissed.
DISMISSAL = ("dismissed", "would_have_been_dismissed")
CATEGORY_LABELS = {
    "sexual": "sexual offence related",
    "domestic_abuse": "domestic abuse related",
    "other_vawg": "other violence against women and girls",
    "violence": "violence",
    "dishonesty": "dishonesty",
    "drugs": "drugs",
    "other": "other",
}
ROLE_LABELS = {
    "officer": "police officers",
    "staff": "police staff",
    "special": "special constables",
    "volunteer": "volunteers",
}


# The parameters of a count by year of the register: which years, of which kind, and which
# categories, roles and outcomes.
YEARS_AND_SCOPE = ("from_period", "to_period", "period", "categories", "roles", "outcomes")
FILTERS: dict[str, tuple[str, ...]] = {
    "ranks": RANKS,
    "offences": query.OFFENCE_GROUPS,
    "severities": SEVERITIES,
    "sources": SOURCES,
    "stages": STAGES,
    "proceedings": CRIMINAL_PROCEEDINGS,
    "leaving": LEAVING_REASONS,
    "left_under_investigation": query.YES_NO,
    "genders": GENDERS,
    "ethnicities": ETHNIC_GROUPS,
}


@dataclass(frozen=True)
class StatParams:
    """The parameters every statistic understands (each uses the ones it documents).
    Stored with an FOI answer so the same table can be explained later."""

    from_period: str | None = None
    to_period: str | None = None
    period: PeriodKind = PeriodKind.FINANCIAL
    by: tuple[str, ...] = ()
    categories: tuple[str, ...] = ("sexual", "domestic_abuse")
    roles: tuple[str, ...] = ROLES
    outcomes: tuple[str, ...] = DISMISSAL
    count: str = "people"
    as_of: date | None = None
    run_id: int | None = None
    # The general register count (register_count, stats/query.py): which date places a
    # record in a year or span, a span of dates instead of whole years, and filters on the
    # register's other dimensions (empty: all).
    date_field: str = "outcome"
    span_from: date | None = None
    span_to: date | None = None
    ranks: tuple[str, ...] = ()  # the rank at the time (police officers)
    offences: tuple[str, ...] = ()  # offence groups of the Home Office code (stats/query.py)
    severities: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    proceedings: tuple[str, ...] = ()
    leaving: tuple[str, ...] = ()
    # Left the force while under investigation (yes: before the outcome) or not (no).
    left_under_investigation: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()  # the subject's gender: M, F, X
    ethnicities: tuple[str, ...] = ()  # the subject's ethnic group (vocabulary.EthnicGroup)
    live: str = "any"  # any | live | completed (the case, at as_of)
    # One day of each year instead of the whole year ("03-31": on 31 March each year), for a
    # spell in force (stats/query.py periods_of).
    on_day: str | None = None
    # What register_duration measures (stats/query.py DURATIONS): case, outcome,
    # investigation, suspension, restriction.
    measure: str = "case"
    # register_count: beside each row's count, its share of the row "all" of its period (yes).
    shares: str = "no"

    def __post_init__(self) -> None:
        # Accept the plain string forms too ("calendar", a list of categories).
        object.__setattr__(self, "period", PeriodKind(self.period))
        for k in ("by", "categories", "roles", "outcomes", *FILTERS):
            object.__setattr__(self, k, tuple(getattr(self, k)))
        # Genders are written as HR writes them (M, F, X); "f" asks the same.
        object.__setattr__(self, "genders", tuple(str(g).upper() for g in self.genders))

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["period"] = self.period.value
        out["as_of"] = self.as_of.isoformat() if self.as_of else None
        for k in ("span_from", "span_to"):
            out[k] = out[k].isoformat() if out[k] else None
        for k in ("by", "categories", "roles", "outcomes", *FILTERS):
            out[k] = list(out[k])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatParams:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise InputError(f"unknown statistic parameter(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        if "period" in values:
            values["period"] = PeriodKind(values["period"])
        for k in ("as_of", "span_from", "span_to"):
            if values.get(k):
                try:
                    values[k] = date.fromisoformat(str(values[k]))
                except ValueError:
                    raise InputError(f"{k} is a date (YYYY-MM-DD)") from None
        for k in ("by", "categories", "roles", "outcomes", *FILTERS):
            if k in values and values[k] is not None:
                v = values[k]
                values[k] = (
                    tuple(x.strip() for x in v.split(",")) if isinstance(v, str) else tuple(v)
                )
        if "run_id" in values and values["run_id"] is not None:
            values["run_id"] = int(values["run_id"])
        params = cls(**values)
        params.check()
        return params

    def check(self) -> None:
        for k, one, allowed in (
            ("categories", "category", CATEGORIES),
            ("roles", "role", ROLES),
            ("outcomes", "outcome", (*OUTCOMES, "any")),
        ):
            bad = [v for v in getattr(self, k) if v not in allowed]
            if bad:
                raise InputError(f"unknown {one} {bad[0]!r}; one of {', '.join(allowed)}")
        if self.count not in ("people", "cases", "allegations"):
            raise InputError(f"count must be people, cases or allegations, not {self.count!r}")
        for k, allowed in FILTERS.items():
            bad = [v for v in getattr(self, k) if v not in allowed]
            if bad:
                raise InputError(f"unknown {k} value {bad[0]!r}; one of {', '.join(allowed)}")
        if self.live not in ("any", "live", "completed"):
            raise InputError("live is any, live or completed")
        if self.shares not in ("yes", "no"):
            raise InputError(f"shares is yes or no, not {self.shares!r}", field="shares")
        if self.on_day is not None:
            try:
                month, day = (int(x) for x in self.on_day.split("-"))
                date(2001, month, day)  # not 29 February: not in every year
            except ValueError:
                raise InputError(
                    f"on_day is a month and day, MM-DD (03-31), not {self.on_day!r}",
                    field="on_day",
                ) from None
            if self.span_from:
                raise InputError("on_day is a day of each year: not with a span", field="on_day")
        if self.measure not in query.DURATIONS:
            raise InputError(
                f"measure is one of {', '.join(query.DURATIONS)}, not {self.measure!r}",
                field="measure",
            )
        if (self.span_from is None) != (self.span_to is None):
            raise InputError("a span needs both span_from and span_to")
        if self.span_from and self.span_to and self.span_to < self.span_from:
            raise InputError("span_to is before span_from")

    def today(self) -> date:
        return self.as_of or clock.today()

    def periods(self, default_count: int = 5) -> list[Period]:
        """The periods asked for, by default the last five up to the current one."""
        if self.from_period is None and self.to_period is None:
            return recent_periods(self.today(), default_count, self.period)
        recent = recent_periods(self.today(), default_count, self.period)
        first = parse_period(self.from_period, self.period) if self.from_period else recent[0]
        last = parse_period(self.to_period, self.period) if self.to_period else recent[-1]
        return periods_between(first, last, self.period)


@dataclass(frozen=True)
class Statistic:
    name: str
    title: str
    description: str
    uses: tuple[str, ...]
    by_options: tuple[str, ...]
    compute: Callable[[Session, StatParams], StatTable]
    defaults: dict[str, Any] = field(default_factory=dict)
    # Without --from/--to it counts the last five years (so an answer writes them in).
    default_periods: bool = False


def params_for(statistic: Statistic, data: dict[str, Any]) -> StatParams:
    """The parameters ``data`` asks of ``statistic``, its own defaults filling the rest."""
    return StatParams.from_dict({**statistic.defaults, **data})


def check_given(statistic: Statistic, params: StatParams) -> None:
    """What a person asked of ``statistic`` that it would not do, refused rather than
    ignored: a parameter it does not use, set to anything but its default (the table would
    be the same without it, yet the answer would record it as applied), and years beside a
    span of dates (the span would win)."""
    default = params_for(statistic, {})
    for name in StatParams.__dataclass_fields__:
        if name not in statistic.uses and getattr(params, name) != getattr(default, name):
            raise InputError(f"{statistic.name} does not take {name}", field=name)
    # Asked of what is asked now, not of stored answers (an answer stored before this rule
    # must still be read by disclosure control).
    if params.ranks and not {"officer", "special"} & set(params.roles):
        raise InputError(
            "ranks are those of police officers and special constables: with roles "
            f"{', '.join(params.roles)} nothing could be counted",
            field="ranks",
        )
    if params.span_from and (params.from_period or params.to_period):
        raise InputError(
            "years (from/to) and a span of dates (span_from/span_to) cannot both be given: "
            "a table counts either years or one span",
            field="span_from",
        )


def execute(session: Session, stmt: Query) -> list[Any]:
    """The one runner: log the SQL at DEBUG (never the rows), re-raise with the SQL."""
    log.debug("statistic SQL: %s", stmt)
    try:
        return list(session.execute(stmt).all())
    except SQLAlchemyError as exc:  # pragma: no cover - a builder bug, not bad input
        raise DatawashError(f"statistic query failed: {exc}\nSQL: {stmt}") from exc


# --- SQL builders (pure) -------------------------------------------------------------


# The named statistics of the misconduct register are presets of the one general count
# (stats/query.py ``register_count_sql``): each fixes the date that places a record, the
# span and the live/completed filter, keeps the parameters it documents and resets the rest,
# and lays the counts out as its table. So a named statistic and a register_count table
# asking the same thing give the same numbers, and disclosure control (foi/linked.py) reads
# both as the same populations.
EVER = date(1900, 1, 1)  # "since records began": the start of an open span


def _preset(p: StatParams, **fixed: Any) -> StatParams:
    """The register_count parameters of a named statistic: its documented parameters from
    ``p``, everything else at register_count's defaults, then ``fixed``."""
    kept = {k: getattr(p, k) for k in ("categories", "roles", "as_of", "period", "count")}
    return StatParams(**{**kept, "outcomes": ("any",), **fixed})


def live_investigations_preset(p: StatParams) -> StatParams:
    """Cases recorded by ``as_of`` and not closed then (live), with an allegation in scope."""
    return _preset(p, date_field="recorded", span_from=EVER, span_to=p.today(), live="live")


def completed_cases_preset(p: StatParams, within: Period | None) -> StatParams:
    """Cases closed by ``as_of`` (within a span, if asked), with an allegation in scope."""
    start, end = (within.start, within.end) if within else (EVER, p.today())
    return _preset(p, date_field="closed", span_from=start, span_to=min(end, p.today()))


def outcomes_by_year_preset(p: StatParams) -> StatParams:
    """People (cases, allegations) given one of ``outcomes``, by year of the outcome date."""
    # "any outcome" here means an outcome was recorded (register_count's "any" is no filter).
    outcomes = OUTCOMES if "any" in p.outcomes else p.outcomes
    return _preset(
        p,
        date_field="outcome",
        outcomes=outcomes,
        from_period=p.from_period,
        to_period=p.to_period,
    )


def _counts(
    session: Session, q: StatParams, periods: Sequence[Period], by: Sequence[str]
) -> dict[tuple[str, ...], int]:
    """The one builder, run by the one runner: {(period, *values of by): count}."""
    return {
        tuple(str(v) for v in r[:-1]): int(r[-1])
        for r in execute(session, query.register_count_sql(q, periods, by))
    }


def _period_of(day: Any, periods: Sequence[Period]) -> Any:
    """The label of the period ``day`` falls in (NULL outside them all), as a column."""
    spans = [(and_(day >= q.start, day <= q.end), q.label) for q in periods]
    return case(*spans, else_=None).label("period")


# The FOI register's request table as the statistics read it: a plain table construct,
# not the FOI domain's ORM model, so statistics (below FOI in the layers) do not import FOI.
FOI = sa_table(
    "foi_requests",
    sa_column("received_on", Date),
    sa_column("due_on", Date),
    sa_column("sent_on", Date),
    sa_column("status", String),
).c


def foi_timeliness_sql(p: StatParams, periods: Sequence[Period]) -> Query:
    """FOI requests by the period they were received in, as they stood at ``as_of``: sent
    on time, sent late, still open and overdue, still open in time, withdrawn (the
    register keeps no date of withdrawal, so a withdrawal counts whenever it happened)."""
    day = p.today()
    period = _period_of(FOI.received_on, periods)
    sent = and_(
        FOI.status == "sent",
        FOI.sent_on.is_not(None),
        FOI.sent_on <= day,
    )
    on_time = and_(sent, FOI.due_on.is_not(None), FOI.sent_on <= FOI.due_on)
    withdrawn = FOI.status == "withdrawn"
    still_open = and_(~sent, ~withdrawn)
    overdue = and_(still_open, FOI.due_on.is_not(None), FOI.due_on < day)

    def n(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    return (
        select(
            period,
            func.count().label("received"),
            n(on_time).label("on_time"),
            n(and_(sent, ~on_time)).label("late"),
            n(overdue).label("open_overdue"),
            n(and_(still_open, ~overdue)).label("open_in_time"),
            n(withdrawn).label("withdrawn"),
        )
        .where(
            FOI.received_on >= periods[0].start,
            FOI.received_on <= min(periods[-1].end, day),
        )
        .group_by(period)
    )


# --- shaping -------------------------------------------------------------------------


def scope(p: StatParams) -> str:
    """What a table counts, for its title: which categories and which roles (a table that
    silently counted only sexual and domestic abuse cases read as all cases)."""
    cats = (
        "all categories"
        if set(p.categories) >= set(CATEGORIES)
        else " or ".join(CATEGORY_LABELS.get(c, c) for c in p.categories)
    )
    roles = (
        "all roles"
        if set(p.roles) >= set(ROLES)
        else ", ".join(ROLE_LABELS.get(r, r) for r in p.roles)
    )
    return f"{cats}; {roles}"


def _labels(dim: str, p: StatParams) -> list[str]:
    return list(p.categories) if dim == "category" else list(p.roles)


def _grouped_table(
    session: Session,
    p: StatParams,
    name: str,
    title: str,
    q: StatParams,
) -> StatTable:
    """Cases and distinct people of the preset ``q`` (one span), by category and/or role."""
    by = [b for b in p.by if b != "none"]
    for b in by:
        if b not in ("category", "role"):
            raise InputError(f"{name} can be broken down by category or role, not {b!r}")
    periods = query.periods_of(q)
    cases = _counts(session, replace(q, count="cases"), periods, by)
    people = _counts(session, replace(q, count="people"), periods, by)
    cases_t = _counts(session, replace(q, count="cases"), periods, []).get((periods[0].label,), 0)
    people_t = _counts(session, replace(q, count="people"), periods, []).get((periods[0].label,), 0)
    rows: list[list[Cell]] = []
    if by:
        combos: list[tuple[str, ...]] = [()]
        for dim in by:
            combos = [(*c, v) for c in combos for v in _labels(dim, p)]
        for combo in combos:
            key = (periods[0].label, *combo)
            rows.append([*combo, cases.get(key, 0), people.get(key, 0)])
    rows.append(["Total"] + [""] * (len(by) - 1) + [cases_t, people_t])
    notes = [
        "Cases and people are counted separately: one case can concern several people and "
        "one person can be in several cases. Totals are of distinct cases and distinct "
        "people, so they can be less than the sum of the rows above them."
    ]
    return StatTable(
        name=name,
        title=title,
        columns=[*(by or ["scope"]), "cases", "people"],
        headings=[*(b.capitalize() for b in by or ["scope"]), "Cases", "People (distinct)"],
        rows=rows if by else [["all in scope", cases_t, people_t]],
        label_columns=max(len(by), 1),
        total_row=bool(by),
        parameters=p.as_dict(),
        notes=notes,
    )


def live_investigations(session: Session, p: StatParams) -> StatTable:
    return _grouped_table(
        session,
        p,
        "live_investigations",
        f"Live investigations at {p.today():%d/%m/%Y} ({scope(p)})",
        live_investigations_preset(p),
    )


def completed_span(p: StatParams) -> Period | None:
    """The years a completed-case review is restricted to (--from/--to), if any."""
    if not (p.from_period or p.to_period):
        return None
    spans = p.periods()
    return Period(spans[0].start, spans[-1].end, f"{spans[0].label}-{spans[-1].label}")


def completed_case_review(session: Session, p: StatParams) -> StatTable:
    within = completed_span(p)
    span = f", closed {within.label}" if within else ""
    return _grouped_table(
        session,
        p,
        "completed_case_review",
        f"Completed cases in scope of review ({scope(p)}{span})",
        completed_cases_preset(p, within),
    )


def outcomes_by_year(session: Session, p: StatParams) -> StatTable:
    by = p.by[0] if p.by else "category"
    if len(p.by) > 1 or by not in ("category", "role", "none"):
        raise InputError("outcomes_by_year can be broken down by one of category, role or none")
    periods = p.periods()
    preset = outcomes_by_year_preset(p)
    found: dict[tuple[str, str], int] = {}
    for key, n in _counts(session, preset, periods, [by] if by != "none" else []).items():
        found[(key[0], key[1] if by != "none" else "all")] = n
    labels = _labels(by, p) if by != "none" else ["all"]
    rows: list[list[Cell]] = [
        [q.label, *[found.get((q.label, v), 0) for v in labels]] for q in periods
    ]
    outcomes = (
        "any outcome" if "any" in p.outcomes
        else "the outcome " + " or ".join(o.replace("_", " ") for o in p.outcomes)
    )  # fmt: skip
    label_of = CATEGORY_LABELS if by == "category" else ROLE_LABELS if by == "role" else {}
    return StatTable(
        name="outcomes_by_year",
        title=f"{p.count.capitalize()} with {outcomes}, by {_kind(p)} of the outcome ({scope(p)})",
        columns=["year", *labels],
        headings=[
            _year_heading(p),
            *[label_of.get(v, "all in scope").capitalize() for v in labels],
        ],
        rows=rows,
        parameters=p.as_dict(),
        notes=[
            "A year with none is shown as 0. People are counted once per year and column "
            "(Home Office statistics count individuals)."
            if p.count == "people"
            else "A year with none is shown as 0.",
            *unfinished(periods, p.today()),
        ],
    )


def wash_progress(session: Session, p: StatParams) -> StatTable:
    prog = compute_progress(session, run_id=p.run_id, as_of=p.today())
    run = session.get(WashRun, prog.run_id) if prog.run_id is not None else None
    checked = run.n_people if run else 0
    rows: list[list[Cell]] = [
        ["people checked", checked],
        ["people with records to review", prog.total],
        # A derived figure, declared as a sum (lines, below) so that disclosure control
        # treats it as one: checked = with records to review + nothing to review. (Review
        # items outlive runs: if more people have records to review than this run checked,
        # the difference is no count of anyone, and the row is left out.)
        ["people checked with nothing to review", checked - prog.total],
        ["reviews finished", prog.done],
        ["reviews remaining", prog.remaining],
        ["awaiting countersignature", prog.awaiting_countersignature],
    ]
    rows += [[f"state: {k.replace('_', ' ')}", v] for k, v in prog.by_state.items()]
    referral_rows = [(len(rows) + n, 1) for n in range(len(prog.by_referral))]
    rows += [[f"referred: {k.replace('_', ' ')}", v] for k, v in prog.by_referral.items()]
    count_notes = []
    if prog.due_on is not None:
        count_notes.append(
            f"Deadline {prog.due_on:%d/%m/%Y}: {prog.days_left} days left; "
            f"{prog.needed_per_day} reviews a day needed, {prog.achieved_per_day} a day achieved "
            f"in the last {prog.pace_days} days; "
            f"{'on track' if prog.on_track else 'not on track'}."
        )
    notes = []
    if prog.without_second_person:
        # Said whenever it happened, without the count (a count could be small).
        notes.append(
            "Some review decisions took effect without a second person's countersignature "
            "(dual control was switched off by an administrator for a time)."
        )
    params = replace(p, run_id=prog.run_id).as_dict()
    params["due_on"] = prog.due_on.isoformat() if prog.due_on else None
    state_row = {k: 6 + n for n, k in enumerate(prog.by_state)}
    done_states = {s.value for s in DONE}
    referred = ReviewState.REFERRED.value
    finished = [(r, 1) for k, r in state_row.items() if k in done_states]
    unfinished = [(r, 1) for k, r in state_row.items() if k not in done_states]
    derived = [(0, 1), (1, 1), (2, 1)]
    if checked < prog.total:
        rows[2] = ["people checked with nothing to review", "not applicable"]
        derived = []
    return StatTable(
        name="wash_progress",
        title=f"Data wash progress at {p.today():%d/%m/%Y}",
        columns=["measure", "number"],
        headings=["Measure", "Number"],
        rows=rows,
        parameters=params,
        notes=notes,
        # The pace gives remaining (needed a day x days left) away: shown only when
        # nothing is withheld.
        count_notes=count_notes,
        # Every sum a reader could use: checked = with records + nothing to review;
        # finished + remaining = all; the states add up to all, the finished states to
        # finished, the others to remaining. (Referrals are decisions, not states: an item
        # referred and then closed is in both.)
        lines=[
            *([derived] if derived else []),
            [(1, 1), (3, 1), (4, 1)],
            [(1, 1), *[(r, 1) for r in state_row.values()]],
            [(3, 1), *finished],
            [(4, 1), *unfinished],
        ],
        # Every item in the referred state was referred at least once: at most the sum of
        # the referral decisions.
        bounds=[[(state_row[referred], 1), *referral_rows]] if referred in state_row else [],
    )


def foi_timeliness(session: Session, p: StatParams) -> StatTable:
    periods = p.periods()
    found = {
        r[0]: [int(v or 0) for v in r[1:]] for r in execute(session, foi_timeliness_sql(p, periods))
    }
    columns = ["received", "on_time", "late", "open_overdue", "open_in_time", "withdrawn"]
    rows: list[list[Cell]] = [[q.label, *found.get(q.label, [0] * len(columns))] for q in periods]
    answered = sum(int(r[2] or 0) + int(r[3] or 0) for r in rows)
    in_time = sum(int(r[2] or 0) for r in rows)
    notes = [
        "A request is on time when the response was sent by the 20th working day after "
        "receipt (weekends and the bank holidays of every UK nation left out; the clock "
        "restarted on clarification and paused for a fees notice).",
        *unfinished(periods, p.today()),
    ]
    count_notes = []
    if answered:
        count_notes.append(f"{in_time / answered:.0%} of the responses sent were on time.")
    n_rows = len(rows)
    return StatTable(
        name="foi_timeliness",
        title=f"FOI requests by {_kind(p)} of receipt, as at {p.today():%d/%m/%Y}",
        columns=["year", *columns],
        headings=[
            _year_heading(p),
            "Received",
            "Sent on time",
            "Sent late",
            "Open, overdue",
            "Open, in time",
            "Withdrawn",
        ],
        rows=rows,
        parameters=p.as_dict(),
        notes=notes,
        count_notes=count_notes,
        # Each year's received = the five ways it can stand.
        lines=[[(r, 1), (r, 2), (r, 3), (r, 4), (r, 5), (r, 6)] for r in range(n_rows)],
    )


def _kind(p: StatParams) -> str:
    if p.period is PeriodKind.FINANCIAL:
        return "financial year (1 April - 31 March)"
    return "calendar year"


def _year_heading(p: StatParams) -> str:
    return "Financial year" if p.period is PeriodKind.FINANCIAL else "Calendar year"


def wash_burn_down(session: Session, p: StatParams) -> StatTable:
    run_id = p.run_id or session.scalar(select(func.max(WashRun.id)))
    run = session.get(WashRun, run_id) if run_id is not None else None
    deadline = (
        session.scalars(select(ReviewDeadline).where(ReviewDeadline.run_id == run_id)).first()
        if run_id is not None
        else None
    )
    # Each day's figure is the day's end, counted as compute_progress counts (reopened
    # items are remaining again), so the last point is the progress table's "remaining".
    histories = list(review_histories(session).values())
    done_states = {s.value for s in DONE}
    start = run.started_at.date() if run else p.today()
    rows: list[list[Cell]] = []
    day = start
    while day <= p.today():
        states = [h.state_before(end_of(day)) for h in histories]
        rows.append([day.isoformat(), sum(1 for s in states if s and s not in done_states)])
        day += timedelta(days=1)
    params = replace(p, run_id=run_id).as_dict()
    params["due_on"] = deadline.due_on.isoformat() if deadline else None
    return StatTable(
        name="wash_burn_down",
        title="Data wash reviews remaining, day by day",
        columns=["day", "remaining"],
        rows=rows,
        parameters=params,
    )


def _register_count(session: Session, p: StatParams) -> StatTable:
    return query.register_count(session, p, execute=execute, scope=scope)


def _register_duration(session: Session, p: StatParams) -> StatTable:
    return query.register_duration(session, p, execute=execute, scope=scope)


STATISTICS: dict[str, Statistic] = {
    s.name: s
    for s in (
        Statistic(
            name="live_investigations",
            title="Live investigations by category, as cases and as distinct people",
            description=(
                "Misconduct cases not closed at --as-of (default today) with an allegation in "
                "the chosen categories (default sexual and domestic abuse), counted as cases "
                "and as distinct people, optionally --by category and/or role. A preset of "
                "register_count: date_field=recorded, span from 1900-01-01 to --as-of, "
                "live=live, outcomes any."
            ),
            uses=("as_of", "categories", "roles", "by"),
            by_options=("category", "role"),
            compute=live_investigations,
        ),
        Statistic(
            name="register_count",
            title="The misconduct register counted as a question asks",
            description=(
                "Distinct --count people, cases or allegations, placed by --date-field "
                "(recorded, assessed, investigation_started, investigation_ended, hearing, "
                "appeal, outcome, closed, suspended, suspension_ended, restricted, "
                "restriction_ended, left, charged, criminal_outcome, iopc_referred; or a spell "
                "in force at "
                "some time in each period: open, investigation, suspension, restriction, or "
                "with on_day=MM-DD on that day of each year) into "
                "financial or calendar years (--from/--to) or one span (span_from, span_to), "
                "filtered on categories, roles, ranks, offences (offence groups of the "
                "allegation's Home Office code: rape, sexual_assault, other_sexual, "
                "coercive_control, stalking_harassment, other_violence, other_offence), outcomes "
                "(any for all: the default here), severities, "
                "sources, stages, proceedings, leaving, left_under_investigation (yes: left "
                "from the day the case was recorded to before its outcome; no: before the "
                "case or on or "
                "after the outcome), genders (M, F, X), ethnicities (asian, black, mixed, "
                "white, other, not_stated), live; --by up to two of category, role, rank, "
                "offence, outcome, severity, source, stage, criminal_proceedings, "
                "leaving_reason, left_under_investigation, gender, ethnicity, live; with an "
                "'all' row for each year; shares=yes adds each row's percentage of its "
                "year's 'all' row (\"what proportion were upheld\")."
            ),
            uses=(
                *YEARS_AND_SCOPE,
                "by",
                "count",
                "date_field",
                "span_from",
                "span_to",
                "on_day",
                *FILTERS,
                "live",
                "as_of",
                "shares",
            ),
            by_options=(*query.dimension_names(), "none"),
            compute=_register_count,
            default_periods=True,
            # The general count counts every outcome unless asked (a count of people
            # suspended today is not a count of dismissals); the presets keep theirs.
            defaults={"outcomes": ("any",)},
        ),
        Statistic(
            name="register_duration",
            title="How long cases, investigations, suspensions and restrictions took",
            description=(
                "Days from one of the register's dates to a later one, by period of the "
                "later (years, --from/--to, or one span): --measure case (recorded to "
                "closed, per case), outcome (recorded to the allegation's outcome), "
                "investigation (started to ended), suspension or restriction (begun to "
                "ended), each per allegation; the count, and the mean and median days. "
                "Filtered as register_count (every outcome by default). Disclosure control "
                "reads the counts as register_count's (placed by the later date) and gives "
                "no mean or median where the count is not shown."
            ),
            uses=(*YEARS_AND_SCOPE, "span_from", "span_to", *FILTERS, "as_of", "measure"),
            by_options=(),
            compute=_register_duration,
            default_periods=True,
            defaults={"outcomes": ("any",)},
        ),
        Statistic(
            name="outcomes_by_year",
            title="Outcomes by year of the outcome date (default: dismissals)",
            description=(
                "Distinct people (or --count cases) given an outcome (default dismissed or would "
                "have been dismissed) by financial year of the outcome date (or --period "
                "calendar), --from/--to (default the last five years), one column per category "
                "(or --by role / none). Years with none are shown as 0. A preset of "
                "register_count: date_field=outcome, one column per value of --by."
            ),
            uses=("as_of", *YEARS_AND_SCOPE, "by", "count"),
            by_options=("category", "role", "none"),
            compute=outcomes_by_year,
            default_periods=True,
        ),
        Statistic(
            name="completed_case_review",
            title="Completed cases in scope of a review, as cases and distinct people",
            description=(
                "Cases closed by --as-of with an allegation in the chosen categories (default "
                "sexual and domestic abuse): the cases and people a review of completed cases "
                "covers. --from/--to restrict to cases closed in those years. A preset of "
                "register_count: date_field=closed, span from 1900-01-01 (or --from) to --as-of "
                "(or the end of --to), outcomes any."
            ),
            uses=("as_of", "from_period", "to_period", "period", "categories", "roles", "by"),
            by_options=("category", "role"),
            compute=completed_case_review,
        ),
        Statistic(
            name="wash_progress",
            title="Data wash progress against its deadline",
            description=(
                "People checked, people with records to review, reviews finished and remaining, "
                "by state and by referral, and the pace against the run's deadline (--run, "
                "default the latest)."
            ),
            uses=("as_of", "run_id"),
            by_options=(),
            compute=wash_progress,
        ),
        Statistic(
            name="foi_timeliness",
            title="FOI requests answered within the statutory 20 working days, by year",
            description=(
                "FOI requests by financial (or --period calendar) year of receipt, --from/--to "
                "(default the last five years), as they stood at --as-of: received, sent on "
                "time, sent late, open and overdue, open in time, withdrawn."
            ),
            uses=("as_of", "from_period", "to_period", "period"),
            by_options=(),
            compute=foi_timeliness,
            default_periods=True,
        ),
        Statistic(
            name="wash_burn_down",
            title="Data wash reviews remaining, day by day (for the burn-down chart)",
            description="Reviews remaining at the end of each day from the run's start to --as-of.",
            uses=("as_of", "run_id"),
            by_options=(),
            compute=wash_burn_down,
        ),
    )
}


def get_statistic(name: str) -> Statistic:
    try:
        return STATISTICS[name]
    except KeyError:
        raise InputError(
            f"no statistic called {name!r}; known: {', '.join(sorted(STATISTICS))}"
        ) from None
