"""Disclosure control across everything published together: a letter's tables and the
tables already in the disclosure log.

Each table is safe on its own (disclosure.py), but two tables over linked populations can
give a hidden count away: a breakdown by category beside the same statistic without it
(8 - 6 = 2), by role beside all roles, financial years beside calendar years, a narrower
table beside a total, the same table answered again a month later. So every count cell is
read as the number of register records in a population - categories x roles x outcomes x a
span of dates - and all published cells of one kind become one system of linear relations
over the smallest pieces ("atoms") those populations cut the register into. For each hidden
cell, a linear programme finds the least and the most it can be, given everything
published; a "fewer than N" cell must still be anything from 1 to N-1. Where one is
given away, more cells of the new table are withheld
(smallest first, among those that overlap it) until none is; if that is not enough, the
table is refused, saying why.

Counting people, one person can be in two categories, months or outcomes, so a total can
be less than the sum of its parts; the relations are first taken as sums (what a reader
would assume: the strictest test), and only where the published figures contradict that is
every figure read as "at most the sum of its pieces". If even that cannot be reconciled,
nothing is taken as safe: more is withheld, or the table refused.

Written here: no maintained Python package audits linked count tables (tau-argus is a Java
tool); the linear programmes are solved by SciPy's HiGHS.

Covered: ``register_count`` (any filters, broken down by any of its dimensions) and the
named statistics that are presets of it (``outcomes_by_year``, ``live_investigations``,
``completed_case_review``): a cell's population is a set of values on each of the register's
dimensions (category, role, rank, offence group, outcome, severity, source, stage, criminal
proceedings, leaving reason, left while under investigation, gender, ethnic group, live) and a
span of the date that places it; cells counting the same thing are linked whatever date
places them (a count by the date recorded and one by the date of outcome share the records
with both dates in their spans; what the importer enforces of the dates is known to every
reader, and so to the system: NEVER_AFTER), and live or completed
is as at a day: such tables are linked with those of the same day, and with those that do
not use it. Only what reading tables together adds
is judged here; what one table says of its own hidden cells is disclosure.py's to judge.
Wash progress and FOI timeliness tables are not register populations: each is checked within
its own table and against its own earlier answers, figure by figure (_published_again).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

from datawash import clock
from datawash.cases.workflow import LEGACY_OUTCOMES, LEGACY_UNTIL, OFFICER_ONLY, OFFICER_ROLES
from datawash.errors import InputError
from datawash.foi.disclosure import WITHHELD, fewer_than, measures_follow, withhold_more
from datawash.ingest.schema import CATEGORIES, REGISTER_EARLIEST, ROLES
from datawash.stats.query import (
    DATED_NEEDS,
    DATED_WITH,
    FILTERED_BY,
    NOT_RECORDED,
    SPELLS,
    dimension_names,
    dimensions,
    duration_counted,
    periods_of,
)
from datawash.stats.registry import (
    StatParams,
    completed_cases_preset,
    completed_span,
    live_investigations_preset,
    outcomes_by_year_preset,
)
from datawash.stats.tables import StatTable

LINKED_STATISTICS = frozenset(
    {"outcomes_by_year", "register_count", "live_investigations", "completed_case_review",
     "register_duration"}
)  # fmt: skip

# The register's dimensions a population is cut by (stats/query.py ``dimensions``).
DIMENSIONS = dimension_names()


@dataclass(frozen=True)
class Scope:
    """The population a count cell counts: for each dimension the values it takes (None:
    every value), and a span of dates of the date that places a record."""

    kind: str  # what is counted
    dims: tuple[frozenset[str] | None, ...]  # one per DIMENSIONS
    start: date
    end: date  # exclusive
    field: str = "outcome"  # the register's date (stats/query.py DATES) the span is of
    # Live or completed at a day, as a condition on the date the case closed: (from, to
    # exclusive, None = unbounded, whether "not closed" is in). Live at d: closed from d+1 or
    # not closed; completed at d: closed before d+1. So live tables of different days, and
    # tables placed by the dates recorded and closed, are one system (stats/query.py _live).
    closed: tuple[date | None, date | None, bool] | None = None
    # The date that condition is on: closed for live or completed, or the end of a spell
    # for a count of spells in force in a period (stats/query.py SPELLS): begun by the
    # period's end (the span, of the spell's first date) and not ended by its start.
    closed_field: str = "closed"
    # Only cases recorded before this day (a table as at a past day counts no case recorded
    # after it): set where the date that places the cell may come before the case is
    # recorded and the table's day is past (_recorded_by).
    recorded_by: date | None = None


def _kind(p: StatParams) -> str:
    """Cells of one kind count the same thing (people, cases or allegations), placed by any of
    the register's dates: only those are linked."""
    return f"register:{p.count}"


def _closed_condition(
    p: StatParams, live: str | None
) -> tuple[date | None, date | None, bool] | None:
    """Live or completed at the table's day as a condition on the date closed (Scope.closed)."""
    if live is None or live == "any":
        return None
    after = p.today() + timedelta(days=1)
    return (after, None, True) if live == "live" else (None, after, False)


def _dims(p: StatParams, picked: dict[str, str]) -> tuple[frozenset[str] | None, ...]:
    """Each dimension's values: the row's own value, else the table's filter, else all."""
    out: list[frozenset[str] | None] = []
    for dim in DIMENSIONS:
        if picked.get(dim, "all") != "all":
            out.append(frozenset([picked[dim]]))
        elif dim == "category":
            out.append(frozenset(p.categories) if set(p.categories) < set(CATEGORIES) else None)
        elif dim == "role":
            out.append(frozenset(p.roles) if set(p.roles) < set(ROLES) else None)
        elif dim == "outcome":
            out.append(None if "any" in p.outcomes else frozenset(p.outcomes))
        elif dim == "live":
            out.append(None)  # as Scope.closed
        else:
            wanted = getattr(p, FILTERED_BY[dim])
            out.append(frozenset(wanted) if wanted else None)
    return tuple(out)


def _register_count_scopes(table: StatTable, p: StatParams) -> dict[tuple[int, int], Scope]:
    by = [b for b in p.by if b != "none"]
    spans = {q.label: q for q in periods_of(p)}
    kind = _kind(p)
    out: dict[tuple[int, int], Scope] = {}
    count_col = len(by) + 1
    for r, row in enumerate(table.rows):
        q = spans.get(str(row[0]))
        if q is None:
            continue
        picked = dict(zip(by, (str(v) for v in row[1:count_col]), strict=True))
        live = picked.get("live", "all")
        # A date after the table's day is not counted (stats/query.py): the span ends there.
        end = min(q.end, p.today()) + timedelta(days=1)
        if p.date_field in SPELLS:  # begun by the period's end, not ended before its start
            begins, ends, _words = SPELLS[p.date_field]
            last = end if q.start <= p.today() else EARLIEST  # none, after the table's day
            out[(r, count_col)] = Scope(
                kind, _dims(p, picked), EARLIEST, last, begins,
                (q.start, None, True), ends, _recorded_by(p, begins),
            )  # fmt: skip
            continue
        out[(r, count_col)] = Scope(
            kind, _dims(p, picked), min(q.start, end), end, p.date_field,
            _closed_condition(p, p.live if live == "all" else live),
            recorded_by=_recorded_by(p, p.date_field),
        )  # fmt: skip
    return out


def _recorded_by(p: StatParams, field: str) -> date | None:
    """Scope.recorded_by of a table placed by ``field``: the day after the table's day, where
    that day is past and ``field`` may come before the case is recorded (a date never before
    it, by its day, says the case was recorded by then: RECORDED_FIRST)."""
    if field in RECORDED_FIRST or p.today() >= _today():
        return None
    return p.today() + timedelta(days=1)


def _case_table_scopes(table: StatTable, p: StatParams) -> dict[tuple[int, int], Scope]:
    """live_investigations and completed_case_review: presets of register_count, one row per
    category and/or role (and a total), a column of cases and one of people."""
    if table.name == "live_investigations":
        q = live_investigations_preset(p)
    else:
        q = completed_cases_preset(p, completed_span(p))
    assert q.span_from is not None and q.span_to is not None  # a preset always has its span
    by = [b for b in p.by if b != "none"]
    out: dict[tuple[int, int], Scope] = {}
    width = max(len(by), 1)
    for r, row in enumerate(table.rows):
        labels = [str(v) for v in row[:width]]
        picked = (
            {} if labels[0] in ("Total", "all in scope") else dict(zip(by, labels, strict=False))
        )
        for c, count in ((width, "cases"), (width + 1, "people")):
            counted = replace(q, count=count)
            out[(r, c)] = Scope(
                _kind(counted),
                _dims(counted, picked),
                q.span_from,
                q.span_to + timedelta(days=1),
                q.date_field,
                _closed_condition(q, q.live),
            )
    return out


def _outcomes_by_year_scopes(table: StatTable, p: StatParams) -> dict[tuple[int, int], Scope]:
    by = p.by[0] if p.by else "category"
    q = outcomes_by_year_preset(p)
    out: dict[tuple[int, int], Scope] = {}
    for r, period in enumerate(p.periods()):
        if r >= len(table.rows) or str(table.rows[r][0]) != period.label:
            continue
        for c, column in enumerate(table.columns[1:], start=1):
            picked = {by: str(column)} if by in ("category", "role") else {}
            # An outcome after the table's day is not counted (stats/query.py).
            end = min(period.end, q.today()) + timedelta(days=1)
            out[(r, c)] = Scope(_kind(q), _dims(q, picked), min(period.start, end), end, "outcome")
    return out


def scopes(table: StatTable) -> dict[tuple[int, int], Scope]:
    """Each count cell's population; empty for a statistic not covered here."""
    if table.name not in LINKED_STATISTICS:
        return {}
    p = StatParams.from_dict(table.parameters)
    if table.name == "register_count":
        return _register_count_scopes(table, p)
    if table.name == "register_duration":  # its counts are the general count's
        return _register_count_scopes(table, duration_counted(p))
    if table.name == "outcomes_by_year":
        return _outcomes_by_year_scopes(table, p)
    return _case_table_scopes(table, p)


@dataclass
class _Cell:
    scope: Scope
    value: Any  # an int, "fewer than N" or WITHHELD
    new: bool  # a cell of the table being published
    position: tuple[int, int] | None = None
    table: int = -1  # which published table it is from (-1: the new one)


def _has(values: frozenset[str] | None, value: str) -> bool:
    return values is None or value in values


# Every value each dimension can take (stats/query.py ``dimensions``: the count's own
# filters and "not recorded" rows). "All values" (None) is exactly these: an "all roles"
# total is the sum of the four roles, never room for a fifth a reader could hide a count in.
UNIVERSE: dict[str, tuple[str, ...]] = {
    dim: values for dim, (_column, values) in dimensions(date(2000, 1, 1)).items()
}


# The most atoms one system may have. Each is a variable of every linear programme and a
# column of every cell's mask; tables broken down by many dimensions multiply them (six
# dimensions broken down in full: 47,040 atoms, 3 s a pass; nine: 3.7 million, hours). Past
# this the new table is refused, saying why - never published unchecked, never left to hang.
# Atoms that every cell treats alike are one variable (see _system): MAX_ATOMS bounds those,
# MAX_BUILD_STATES the atoms still told apart by a date a rule will check while they are
# built, and MAX_RAW_ATOMS the whole grid, which only the tests write out (_atoms).
MAX_ATOMS = 50_000
MAX_RAW_ATOMS = 2_000_000
MAX_BUILD_STATES = 4 * MAX_ATOMS  # atoms still told apart by a date a rule will check


class _TooLarge(Exception):
    """A system with more than MAX_ATOMS atoms."""

    def __init__(self, n_atoms: int, limit: int) -> None:
        super().__init__(n_atoms)
        self.n_atoms = n_atoms
        self.limit = limit


# What every reader may take as known of the register's dates, because the importer and the
# case service refuse anything else (cases/service.py, ingest/schema.py): the first of each
# pair is never after the second; every case has the date it was recorded; an allegation has
# an outcome exactly when it has the date of its outcome (and so on: DATED_WITH, DATED_NEEDS,
# NEEDS_DATE); no date is before REGISTER_EARLIEST or in the future; a case is live at a day
# exactly when it was not closed by then.
IMPORTER_NEVER_AFTER = (
    ("recorded", "closed"), ("recorded", "assessed"), ("recorded", "investigation_started"),
    ("recorded", "hearing"), ("recorded", "appeal"), ("recorded", "outcome"),
    ("investigation_started", "investigation_ended"), ("outcome", "appeal"),
    ("outcome", "closed"), ("charged", "criminal_outcome"), ("suspended", "suspension_ended"),
    ("restricted", "restriction_ended"), ("recorded", "iopc_referred"),
)  # fmt: skip
ALWAYS_DATED = frozenset({"recorded"})
# The second date is given only with the first (an investigation ended had started, a
# suspension ended had begun; a closed case has its outcomes, and so their dates).
NEEDS_DATE = (
    ("investigation_started", "investigation_ended"), ("suspended", "suspension_ended"),
    ("restricted", "restriction_ended"), ("outcome", "closed"),
)  # fmt: skip


def _never_after() -> tuple[tuple[str, str], ...]:
    """The importer's pairs and every pair they imply: a <= b <= c gives a <= c wherever b
    is given whenever c is (NEEDS_DATE, ALWAYS_DATED), as recorded <= investigation started
    <= ended. The rules are read a pair of dates at a time, on spans of days: with every
    pair of such a chain read, that is exact (three spans that each pair allows always hold
    one a <= b <= c), and a pair no table's date links (the start of the investigation)
    still binds the two it chains."""
    out = set(IMPORTER_NEVER_AFTER)
    grew = True
    while grew:
        grew = False
        for a, b in sorted(out):
            for b2, c in sorted(out):
                given = b in ALWAYS_DATED or (b, c) in NEEDS_DATE
                if b2 == b and a != c and given and (a, c) not in out:
                    out.add((a, c))
                    grew = True
    return tuple(sorted(out))


NEVER_AFTER = _never_after()
# The dates never before the case was recorded ("recorded" is always given).
RECORDED_FIRST = frozenset({"recorded", *(b for a, b in NEVER_AFTER if a == "recorded")})
EARLIEST = date.fromisoformat(REGISTER_EARLIEST)


def _today() -> date:
    """The day the check runs (in the UK, as the register's dates are): no date of the
    register is after it."""
    return clock.today()


# Dimensions recorded with a date: DATED_WITH, DATED_NEEDS (stats/query.py).
# Whether someone left while under investigation follows from three dates (stats/query.py):
# "yes", they left on or after the day the case was recorded and before its outcome (or
# there is none); "no", they left before the case was recorded or on or after the outcome.
# So it ties the dates recorded, left and of outcome together (_ties), and is "not recorded"
# exactly when the leaving reason is (_rules).
LEFT_UNDER = "left_under_investigation"
TIED = ("recorded", "left", "outcome")  # the dates it follows from
# The order the dates are taken in when the atoms are built: those the rules link, together.
DATE_ORDER = {f: i for i, f in enumerate(("recorded", "outcome", "appeal", "closed", "assessed",
              "hearing", "investigation_started", "investigation_ended", "left", "charged",
              "criminal_outcome", "suspended", "suspension_ended", "restricted",
              "restriction_ended"))}  # fmt: skip

# A bucket of one date field: a span [start, end) of the cells' boundaries, or the records
# with no such date ("none"), or dated before the first boundary or from the last on.
Bucket = tuple[str, date | None, date | None]


def _buckets(cells: list[_Cell]) -> list[tuple[str, list[Bucket]]]:
    """The register's dates the cells are placed by, each cut at the cells' boundaries.
    A table placed by one date counts every record whatever its other dates: where some
    cell is placed by another date, the records outside this date's spans (no such date,
    before, after) are buckets too."""
    # Leaving while under investigation ties the dates recorded, left and of outcome
    # (_ties), which the other dates bound (an outcome is not after the case closed; a
    # legacy outcome's case was recorded before February 2020): where a cell is cut by it,
    # the three are axes, cut at every date's boundaries, so the rules of each pair and the
    # tie are read on the same days.
    tied = set(TIED) if _cut_by_leaving(cells) else set()
    fields = sorted({cell.scope.field for cell in cells}
                    | {c.scope.closed_field for c in cells if c.scope.closed}
                    | {"recorded" for c in cells if c.scope.recorded_by} | tied)  # fmt: skip
    own: dict[str, set[date]] = {f: set() for f in fields}
    for c in cells:
        own[c.scope.field] |= {c.scope.start, c.scope.end}
        if c.scope.closed:
            own[c.scope.closed_field] |= {d for d in c.scope.closed[:2] if d is not None}
        if c.scope.recorded_by:
            own["recorded"].add(c.scope.recorded_by)
    if "recorded" in own:
        own["recorded"].add(LEGACY_UNTIL)  # a rule's day (_rules)
    every = set().union(*own.values())
    out = []
    for f in fields:
        bounds = sorted(every if f in tied else own[f])
        buckets: list[Bucket] = [("span", a, b) for a, b in pairwise(bounds)]
        if len(fields) > 1:
            buckets = [("before", None, bounds[0]), *buckets, ("after", bounds[-1], None)]
            if f not in ALWAYS_DATED:
                buckets.append(("none", None, None))
        out.append((f, buckets))
    return out


def _system(cells: list[_Cell], *, rules: bool = True) -> tuple[int, list[np.ndarray], np.ndarray]:
    """The system the linear programmes read: the atoms of _atoms, with those no record can
    be in left out, those in no cell left out (no figure says anything of them), and those
    every cell treats alike taken as one (their sum is all any figure says of them). How
    many there are, each cell's as a 0/1 vector, and which can hold records (all of them).
    It depends on the cells' populations only, not on their values: one is built per set of
    populations, however often the values change while more is withheld."""
    n_atoms, masks, possible = _system_of(tuple(cell.scope for cell in cells), _today(), rules)
    if n_atoms > MAX_ATOMS:
        raise _TooLarge(n_atoms, MAX_ATOMS)
    return n_atoms, masks, possible


@lru_cache(maxsize=8)
def _system_of(
    scopes: tuple[Scope, ...], today: date, with_rules: bool
) -> tuple[int, list[np.ndarray], np.ndarray]:
    """_system of the cells with these populations, checked on ``today`` (``with_rules``:
    what every reader knows of the dates, or nothing).

    Tables placed by several dates cut the register into many atoms (each date's buckets
    multiply: a response of thirty questions made 4 million), most of them told apart by no
    cell, so the grid is never written out. The atoms are built one date or dimension at a
    time as the set of cells holding them (a bitset), merging those no cell tells apart; a
    bucket is remembered only while a rule of the dates (NEVER_AFTER, DATED_WITH) still has
    to be checked against it, so the axes a rule links are taken one after the other."""
    cells = [_Cell(sc, 0, new=False) for sc in scopes]
    axes, classes = _axes(cells, today if with_rules else date.max)
    values: dict[str, list[int]] = {}  # per axis, each value's bitset
    for f, buckets in axes:
        values[f"date:{f}"] = [_bits(_covers(sc, f, bk) for sc in scopes) for bk in buckets]
    for d, dim in enumerate(DIMENSIONS):
        values[dim] = [_bits(_has(sc.dims[d], v) for sc in scopes) for v in classes[d]]
    dates = sorted((f for f, _b in axes), key=lambda f: (DATE_ORDER.get(f, len(DATE_ORDER)), f))
    names: list[str] = []
    for f in dates:
        names.append(f"date:{f}")
        names += [dim for field, dim in _dated() if field == f and dim not in names]
        names += ["live"] if f == "closed" and "live" not in names else []
    names += [dim for dim in DIMENSIONS if dim not in names]
    rules = _rules(classes, axes) if with_rules else {}
    triples = _ties(classes, axes, today) if with_rules else {}
    order = {name: i for i, name in enumerate(names)}
    needed = {name: max((order[x] for key in (*rules, *triples) for x in key if name in key),
                        default=-1)
              for name in names}  # fmt: skip
    states: set[tuple[int, tuple[tuple[str, int], ...]]] = {((1 << len(scopes)) - 1, ())}
    for i, name in enumerate(names):
        checks = [(x if y == name else y, ok, x == name) for (x, y), ok in rules.items()
                  if name in (x, y) and order[x if y == name else y] < i]  # fmt: skip
        ties = [(key, ok) for key, ok in triples.items()
                if name in key and max(order[x] for x in key) == i]  # fmt: skip
        remember = needed[name] > i
        grown: set[tuple[int, tuple[tuple[str, int], ...]]] = set()
        for held, context in states:
            known = dict(context)
            kept = tuple((k, x) for k, x in context if needed[k] > i)
            for v, member in enumerate(values[name]):
                now = member & held
                if not now:
                    continue  # in no cell: nothing published bears on it
                if checks and not all(ok[v][known[other]] if first else ok[known[other]][v]
                                      for other, ok, first in checks):  # fmt: skip
                    continue
                if ties and not all(_holds(ok, key, name, v, known) for key, ok in ties):
                    continue
                grown.add((now, (*kept, (name, v)) if remember else kept))
            if len(grown) > MAX_BUILD_STATES:
                raise _TooLarge(len(grown), MAX_BUILD_STATES)
        states = grown
    atoms = sorted({held for held, _context in states})
    width = (len(scopes) + 7) // 8
    packed = np.frombuffer(b"".join(h.to_bytes(width, "little") for h in atoms), dtype=np.uint8)
    bits = np.unpackbits(packed.reshape(len(atoms), width), axis=1, bitorder="little")
    masks = bits[:, : len(scopes)].T.astype(float)  # cell k: bit k of each atom
    masks.flags.writeable = False  # cached: shared by every caller
    return len(atoms), list(masks), np.ones(len(atoms))


def _holds(table: Any, key: tuple[str, ...], name: str, v: int, known: dict[str, int]) -> bool:
    """Whether a rule of several axes (_ties) lets value ``v`` of ``name`` go with the
    values already taken of the others."""
    for x in key:
        table = table[v if x == name else known[x]]
    return bool(table)


def _bits(flags: Any) -> int:
    """The cells a value is in, as a bitset (cell k: bit k)."""
    return sum(1 << k for k, flag in enumerate(flags) if flag)


def _rules(
    classes: list[list[str]], axes: list[tuple[str, list[Bucket]]]
) -> dict[tuple[str, str], list[list[bool]]]:
    """The rules of the dates as tables of which value pairs of two axes can hold records
    (axis names as in _system: a dimension, or "date:" and the field)."""
    where = dict(axes)
    out: dict[tuple[str, str], list[list[bool]]] = {}

    def add(x: str, y: str, table: list[list[bool]]) -> None:
        old = out.get((x, y))
        both = zip(old or table, table, strict=True)
        out[(x, y)] = [[p and q for p, q in zip(r1, r2, strict=True)] for r1, r2 in both]

    for first, then in NEVER_AFTER:
        if first in where and then in where:
            # Empty where `then`'s bucket ends (exclusive) at or before `first`'s begins.
            add(f"date:{first}", f"date:{then}", [
                [not (t[2] is not None and f[1] is not None and t[2] <= f[1]) for t in where[then]]
                for f in where[first]
            ])  # fmt: skip
    for first, then in NEEDS_DATE:
        if first in where and then in where:
            add(f"date:{first}", f"date:{then}", [
                [not (t[0] != "none" and f[0] == "none") for t in where[then]] for f in where[first]
            ])  # fmt: skip
    for f, dim in DATED_WITH:
        if f in where:  # with no "none" bucket, every record of the system has the date
            d = DIMENSIONS.index(dim)
            add(dim, f"date:{f}", [
                [(k == "none") == (v == NOT_RECORDED) for k, _a, _b in where[f]] for v in classes[d]
            ])  # fmt: skip
    for f, (dim, allowed) in DATED_NEEDS.items():
        if f in where:
            d = DIMENSIONS.index(dim)
            add(dim, f"date:{f}", [
                [k == "none" or v in allowed for k, _a, _b in where[f]] for v in classes[d]
            ])  # fmt: skip
    o, r = DIMENSIONS.index("outcome"), DIMENSIONS.index("role")
    if len(classes[o]) > 1 and len(classes[r]) > 1:  # kept apart by _axes
        add("outcome", "role", [
            [not (v in OFFICER_ONLY and u not in OFFICER_ROLES) for u in classes[r]]
            for v in classes[o]
        ])  # fmt: skip
    if len(classes[o]) > 1 and "recorded" in where:  # LEGACY_UNTIL is a bound (_buckets)
        add("outcome", "date:recorded", [
            [not (v in LEGACY_OUTCOMES and a is not None and a >= LEGACY_UNTIL)
             for _k, a, _b in where["recorded"]]
            for v in classes[o]
        ])  # fmt: skip
    if _told_apart(classes):  # both say "not recorded" exactly when no one has left
        add("leaving_reason", LEFT_UNDER, [
            [(v == NOT_RECORDED) == (u == NOT_RECORDED)
             for u in classes[DIMENSIONS.index(LEFT_UNDER)]]
            for v in classes[DIMENSIONS.index("leaving_reason")]
        ])  # fmt: skip
    return out


def _dated() -> list[tuple[str, str]]:
    """Each date and a dimension a rule of the dates ties to it (DATED_WITH, DATED_NEEDS)."""
    return [*DATED_WITH, *((f, dim) for f, (dim, _allowed) in DATED_NEEDS.items())]


def _told_apart(classes: list[list[str]]) -> bool:
    """Whether some cell cuts by leaving while under investigation (its values are then
    each a class of their own, and its rules are read)."""
    return sorted(classes[DIMENSIONS.index(LEFT_UNDER)]) == sorted(UNIVERSE[LEFT_UNDER])


def _cut_by_leaving(cells: list[_Cell]) -> bool:
    d = DIMENSIONS.index(LEFT_UNDER)
    return any(cell.scope.dims[d] is not None for cell in cells)


def _ties(
    classes: list[list[str]], axes: list[tuple[str, list[Bucket]]], today: date
) -> dict[tuple[str, ...], Any]:
    """The rule that ties several axes, as a table of which value combinations can hold
    records: leaving while under investigation and the dates recorded, left and of outcome
    that place the cells (a date no cell is placed by may be any day, and an outcome none).
    Each combination is decided exactly from the buckets' first and last days (_left_can)."""
    where = dict(axes)
    dates = [f for f in TIED if f in where]
    if not (_told_apart(classes) and dates):
        return {}
    values = classes[DIMENSIONS.index(LEFT_UNDER)]
    cube = np.zeros([len(values), *(len(where[f]) for f in dates)], dtype=bool)
    for index in np.ndindex(cube.shape):
        picked: dict[str, Bucket] = {f: where[f][i] for f, i in zip(dates, index[1:], strict=True)}
        cube[index] = _left_can(values[index[0]], picked, today)
    return {(LEFT_UNDER, *(f"date:{f}" for f in dates)): cube.tolist()}


def _left_can(v: str, picked: dict[str, Bucket], today: date) -> bool:
    """Whether some allegation with leaving value ``v`` has its dates recorded, left and of
    outcome in the ``picked`` buckets (those not picked: any day, or no outcome)."""
    if v == NOT_RECORDED or picked.get("left", ("span", None, None))[0] == "none":
        return True  # which go together is DATED_WITH's to say
    one = timedelta(days=1)

    def days(f: str) -> tuple[date, date] | None:  # first and last day, None: no date
        kind, a, b = picked.get(f, ("span", None, None))
        return None if kind == "none" else (a or EARLIEST, b - one if b else today)

    r, left = days("recorded"), days("left")
    assert r is not None and left is not None  # every case is recorded; "none" is above
    (ra, rb), (la, lb) = r, left
    outcomes = [days("outcome")] if "outcome" in picked else [None, (EARLIEST, today)]
    for o in outcomes:
        if v == "yes":  # recorded <= left < outcome (or none)
            first = max(la, ra)
            if first <= lb and (o is None or first + one <= o[1]):
                return True
        elif o is None:  # left before the case was recorded
            if la + one <= rb:
                return True
        else:  # left < recorded <= outcome, or recorded <= outcome <= left
            oa, ob = o
            if max(ra, la + one) <= min(rb, ob) or max(oa, ra) <= min(ob, lb):
                return True
    return False


def _axes(
    cells: list[_Cell], today: date
) -> tuple[list[tuple[str, list[Bucket]]], list[list[str]]]:
    """The dates' buckets (those a date can fall in: from REGISTER_EARLIEST, not in the
    future) and each dimension's value classes."""
    axes = [(f, [bk for bk in b if _may_hold(bk, today)]) for f, b in _buckets(cells)]
    fields = {f for f, _b in axes}
    # A dimension a rule reads keeps apart the values the rule tells apart: "not recorded"
    # (an outcome goes with its date), the values a date allows (proceedings that follow a
    # charge, with the charge date), live or completed (with the closed date).
    ruled: dict[str, list[tuple[str, ...]]] = {}
    for f, dim in DATED_WITH:
        if f in fields:
            ruled.setdefault(dim, []).append((NOT_RECORDED,))
    for f, (dim, allowed) in DATED_NEEDS.items():
        if f in fields:
            ruled.setdefault(dim, []).append(allowed)
    cut = _cut_by_leaving(cells)
    if cut:  # "not recorded" exactly when the leaving reason is: kept apart there too
        ruled.setdefault("leaving_reason", []).append((NOT_RECORDED,))

    def classes_of(d: int, dim: str, more: list[tuple[str, ...]]) -> list[str]:
        named = sorted({*UNIVERSE[dim], *(v for cell in cells for v in cell.scope.dims[d] or ())})
        seen: dict[tuple[object, ...], str] = {}
        for v in named:
            key = tuple(_has(cell.scope.dims[d], v) for cell in cells)
            told = (
                v
                if dim == LEFT_UNDER and cut
                else tuple(v in s for s in (*ruled.get(dim, ()), *more))
            )
            seen.setdefault((*key, told), v)
        return list(seen.values())

    classes = [classes_of(d, dim, []) for d, dim in enumerate(DIMENSIONS)]
    # The outcome rules (cases/workflow.py check_outcome), kept apart only where outcomes are
    # told apart at all (_rules reads them then): a legacy outcome only in a case recorded
    # before February 2020, reduction in rank only for officers and specials.
    o, r = DIMENSIONS.index("outcome"), DIMENSIONS.index("role")
    if len(classes[o]) > 1:
        classes[o] = classes_of(o, "outcome", [tuple(LEGACY_OUTCOMES), tuple(OFFICER_ONLY)])
        if len(classes[r]) > 1:
            classes[r] = classes_of(r, "role", [OFFICER_ROLES])
    return axes, classes


def _may_hold(bucket: Bucket, today: date) -> bool:
    """Every date of the register is from REGISTER_EARLIEST on, and none is in the future
    (ingest/schema.py): a table "since records began" covers them all."""
    _kind, a, b = bucket
    if today == date.max:  # no rules
        return True
    return not ((b is not None and b <= EARLIEST) or (a is not None and a > today))


def _atoms(cells: list[_Cell]) -> tuple[int, list[np.ndarray], np.ndarray]:
    """The definition _system is built to equal, written out as the whole grid: the tests
    check _system against it (the check itself never builds the grid).

    How many atoms the cells' populations cut the register into, each cell's atoms as a
    0/1 vector, and which atoms can hold records at all. Per dimension, values that every
    cell treats alike are one atom (so a dimension no table cuts adds nothing). An atom is a
    value class of each dimension and a bucket of each date the cells are placed by, in that
    order (the last varying fastest), so a cell's vector is the Kronecker product of its
    per-dimension and per-date memberships. Tables placed by different dates share their
    records: a count by the date recorded and one by the date of outcome are one system."""
    axes, classes = _axes(cells, _today())
    n_atoms = math.prod(len(c) for c in classes) * math.prod(len(b) for _f, b in axes)
    if n_atoms > MAX_RAW_ATOMS:
        raise _TooLarge(n_atoms, MAX_RAW_ATOMS)
    masks = []
    for cell in cells:
        sc = cell.scope
        mask: np.ndarray = np.ones(1)
        for f, buckets in reversed(axes):
            mask = np.kron(np.array([float(_covers(sc, f, bk)) for bk in buckets]), mask)
        for d in reversed(range(len(DIMENSIONS))):
            member = np.array([_has(sc.dims[d], v) for v in classes[d]], dtype=float)
            mask = np.kron(member, mask)
        masks.append(mask)
    return n_atoms, masks, _possible(classes, axes)


def _covers(scope: Scope, field: str, bucket: Bucket) -> bool:
    """Whether a cell counts the records of a bucket of ``field``: all of them, if the cell is
    placed by another date; the spans within its own, if by this one; and, of the date
    closed (or the end of a spell), only those its condition lets in (Scope.closed); of the
    date recorded, only those recorded by the table's day where that bounds it
    (Scope.recorded_by)."""
    kind, a, b = bucket
    if (
        field == "recorded"
        and scope.recorded_by is not None
        and (b is None or b > scope.recorded_by)
    ):
        return False
    if scope.closed is not None and field == scope.closed_field:
        start, end, open_cases = scope.closed
        if kind == "none":
            if not open_cases:
                return False
        elif not ((start is None or (a is not None and start <= a))
                  and (end is None or (b is not None and b <= end))):  # fmt: skip
            return False
    if field != scope.field:
        return True
    return (
        kind == "span" and a is not None and b is not None and scope.start <= a and b <= scope.end
    )


def _possible(classes: list[list[str]], axes: list[tuple[str, list[Bucket]]]) -> np.ndarray:
    """Which atoms of the grid can hold records, by the rules of the dates (_rules)."""
    names = [*DIMENSIONS, *(f"date:{f}" for f, _b in axes)]
    shape = [len(c) for c in classes] + [len(b) for _f, b in axes]
    ok = np.ones(shape, dtype=bool)
    ties = _ties(classes, axes, _today())
    for key, table in (*_rules(classes, axes).items(), *ties.items()):
        at = [names.index(x) for x in key]
        allowed = np.array(table, dtype=bool).reshape([shape[i] for i in at])
        view = [1] * len(shape)
        for i in at:
            view[i] = shape[i]
        ok &= np.transpose(allowed, np.argsort(at)).reshape(view)
    return ok.ravel().astype(float)


def _threshold_of(text: str, default: int) -> int:
    """N of a published "fewer than N" (a table published under an earlier threshold says
    its own)."""
    tail = text.removeprefix("fewer than").strip()
    return int(tail) if tail.isdigit() else default


def _range(
    target: np.ndarray, cells: list[_Cell], masks: list[np.ndarray], threshold: int,
    as_sums: bool, possible: np.ndarray,
) -> tuple[float, float] | None:  # fmt: skip
    """The least and the most the target's atoms can hold, given the published cells; None
    when the figures contradict the relations as stated (see the module's docstring)."""
    from scipy.optimize import linprog

    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for cell, mask in zip(cells, masks, strict=True):
        if isinstance(cell.value, int):
            if as_sums:
                a_eq.append(mask)
                b_eq.append(float(cell.value))
            else:  # distinct people or cases: a figure is at most the sum of its pieces
                a_ub.append(-mask)
                b_ub.append(-float(cell.value))
        elif isinstance(cell.value, str) and cell.value.startswith("fewer than"):
            a_ub += [-mask, mask]
            b_ub += [-1.0, float(_threshold_of(cell.value, threshold) - 1)]
    found = []
    for sign in (1.0, -1.0):
        res = linprog(
            sign * target,
            A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
            A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
            bounds=[(0, None) if ok else (0, 0) for ok in possible], method="highs",
        )  # fmt: skip
        if res.status == 2:  # infeasible
            return None
        found.append(sign * res.fun if res.status == 0 else (np.inf if sign < 0 else 0.0))
    return found[0], found[1]


def _feasible(cells: list[_Cell], masks: list[np.ndarray], threshold: int) -> bool:
    """Whether the published figures can all hold at once, read as sums."""
    if not masks or not len(masks[0]):  # no record can be in any cell: every figure is 0
        return all(not isinstance(c.value, (int, str)) or c.value in (0, WITHHELD) for c in cells)
    nothing = np.zeros(len(masks[0]))
    return _range(nothing, cells, masks, threshold, True, np.ones(len(nothing))) is not None


def _given_away(
    cells: list[_Cell], masks: list[np.ndarray], threshold: int, possible: np.ndarray
) -> list[int]:
    """The hidden cells whose value the published figures narrow down."""
    exposed = []
    as_sums = True
    for i, cell in enumerate(cells):
        # Only the small counts need protecting: a withheld figure is withheld to protect
        # them, and is itself safe to narrow down as long as they stay hidden.
        if not (isinstance(cell.value, str) and cell.value.startswith("fewer than")):
            continue
        got = _range(masks[i], cells, masks, threshold, as_sums, possible)
        if got is None and as_sums:
            as_sums = False
            got = _range(masks[i], cells, masks, threshold, as_sums, possible)
        if got is None:
            # The published figures cannot be reconciled even as "at most the sum": nothing
            # can be proved about this cell, so it is not taken as safe (fail closed).
            exposed.append(i)
            continue
        low, high = got
        limit = _threshold_of(str(cell.value), threshold)
        if low > 1 + 1e-6 or high < limit - 1 - 1e-6:
            # Narrower than 1 to N-1; but what its own table already says (two hidden
            # parts of a hidden total make it at least 2) is that table's own control's
            # to judge (disclosure.py): here only what reading tables together adds counts.
            own = [k for k, c in enumerate(cells) if c.table == cell.table]
            alone = _range(
                masks[i], [cells[k] for k in own], [masks[k] for k in own], threshold, as_sums,
                possible,
            )  # fmt: skip
            if alone is None or low > alone[0] + 1e-6 or high < alone[1] - 1e-6:
                exposed.append(i)
    return exposed


# The most pieces _small_population reads one at a time (two linear programmes each), the
# pieces of the new table's smallest figures first.
MAX_PIECES_READ = 400


def _pinned_small(got: tuple[float, float] | None, threshold: int) -> bool:
    return (
        got is not None
        and got[0] >= 1 - 1e-6
        and got[1] - got[0] < 1e-6
        and got[1] <= threshold - 1 + 1e-6
    )


def _small_population(
    cells: list[_Cell], masks: list[np.ndarray], threshold: int, possible: np.ndarray
) -> np.ndarray | None:
    """A population the figures pin to a count from 1 to N-1 that the new table's figures
    shown help pin (pinned without them, it was out before): a small count out though no
    table shows it. Read: each piece of the register the figures tell apart (atoms), and
    what each published figure leaves once the figures inside it are taken out (a total of
    55 beside misconduct 25 and gross misconduct 27: 3 with no severity, spread over
    pieces). The nested-pair rule sees two figures at a time; this, any number. Its mask, or
    None."""
    shown = [i for i, c in enumerate(cells)
             if c.new and isinstance(c.value, int) and c.value > 0]  # fmt: skip
    if not shown:
        return None
    n = len(possible)
    candidates: list[np.ndarray] = []
    exact = [m for c, m in zip(cells, masks, strict=True)
             if isinstance(c.value, int) and c.value > 0]  # fmt: skip
    for m in exact:
        inner = sorted((x for x in exact if np.all(x <= m) and x.sum() < m.sum()),
                       key=lambda x: -float(x.sum()))  # fmt: skip
        taken = np.zeros(n)
        for x in inner:
            if not float(x @ taken):
                taken = taken + x
        if taken.any() and (m - taken).any():
            candidates.append(m - taken)
    order: list[int] = []
    for i in sorted(shown, key=lambda k: cells[k].value):
        order += [int(a) for a in np.flatnonzero(masks[i]) if int(a) not in order]
    order += [a for a in range(n) if a not in set(order)]
    for a in order[:MAX_PIECES_READ]:
        piece = np.zeros(n)
        piece[a] = 1.0
        candidates.append(piece)
    before = [_Cell(c.scope, WITHHELD, True, c.position) if i in shown else c
              for i, c in enumerate(cells)]  # fmt: skip
    seen: set[bytes] = set()
    for target in candidates:
        key = target.tobytes()
        if key in seen:
            continue
        seen.add(key)
        if not _pinned_small(_range(target, cells, masks, threshold, True, possible), threshold):
            continue
        if _pinned_small(_range(target, before, masks, threshold, True, possible), threshold):
            continue  # out before this table: nothing in it can take it back
        return target
    return None


def _unpinning(
    cells: list[_Cell], masks: list[np.ndarray], threshold: int, possible: np.ndarray,
    target: np.ndarray,
) -> tuple[int, int] | None:  # fmt: skip
    """The smallest figure shown in the new table whose withholding leaves ``target`` no
    longer pinned to a small count, or None if no one figure does."""
    shown = sorted((c.value, i) for i, c in enumerate(cells)
                   if c.new and c.position and isinstance(c.value, int))  # fmt: skip
    for _value, i in shown:
        trial = [_Cell(c.scope, WITHHELD, True, c.position) if k == i else c
                 for k, c in enumerate(cells)]  # fmt: skip
        if not _pinned_small(_range(target, trial, masks, threshold, True, possible), threshold):
            return cells[i].position
    return None


def _meets(a: Scope, b: Scope) -> bool:
    """Whether two populations may share records (placed by different dates, they may)."""
    return all(
        x is None or y is None or bool(x & y) for x, y in zip(a.dims, b.dims, strict=True)
    ) and (a.field != b.field or (a.start < b.end and b.start < a.end))


def _connected(published: list[_Cell], new: list[Scope]) -> list[_Cell]:
    """The published cells linked to the new table through a chain of shared records: the
    others cannot bear on it, and leaving them out keeps the programme small however long
    the disclosure log grows."""
    reached = list(new)
    left = list(published)
    keep: list[_Cell] = []
    grew = True
    while grew:
        grew = False
        for cell in list(left):
            if any(_meets(cell.scope, r) for r in reached):
                keep.append(cell)
                reached.append(cell.scope)
                left.remove(cell)
                grew = True
    return keep


def protect_linked(
    safe: StatTable, published: list[StatTable], threshold: int
) -> tuple[StatTable, list[str]]:
    """``safe`` with more cells withheld where, beside ``published``, it would give a hidden
    count away; the names of the cells withheld for that reason."""
    mine = scopes(safe)
    if not mine:
        return _published_again(safe, published, threshold)
    rows = [list(r) for r in safe.rows]
    old = [
        _Cell(scope, table.rows[pos[0]][pos[1]], new=False, table=n)
        for n, table in enumerate(published)
        for pos, scope in scopes(table).items()
    ]
    try:
        for group_mine, group_old in _systems(mine, old):
            try:
                _protect(safe, rows, group_mine, group_old, threshold)
            except _TooLarge:
                # Read with every date at once the system is too large: the new table is read
                # with the tables of its own date and of each other date in turn, which
                # catches every attack through two dates (docs/foi.md says what is not).
                for pair_mine, pair_old in _date_pairs(group_mine, group_old):
                    _protect(safe, rows, pair_mine, pair_old, threshold)
    except _TooLarge as too_large:
        raise InputError(
            f"'{safe.title}' cannot be checked against what has already been published (in "
            "this response or the disclosure log): together those tables cut the register "
            f"into {too_large.n_atoms:,} pieces, more than the {too_large.limit:,} that can be "
            "checked. Answer with fewer breakdowns or periods, or leave this table out"
        ) from None
    changed = [
        f"{rows[p[0]][0]}: {safe.display_columns[p[1]]}"
        for p in mine
        if rows[p[0]][p[1]] != safe.rows[p[0]][p[1]]
    ]
    if not changed:
        return safe, []
    note = (
        "Some figures are withheld so that, read beside figures already published, they "
        "do not give away a count withheld."
    )
    return replace(safe, rows=measures_follow(safe, rows), notes=[*safe.notes, note]), changed


# Statistics whose cells are not register populations: each is checked within its own table
# (disclosure.py) and against its own earlier answers, cell by cell (_published_again).
REPEATED_STATISTICS = frozenset({"wash_progress", "foi_timeliness"})


def _published_again(
    safe: StatTable, published: list[StatTable], threshold: int
) -> tuple[StatTable, list[str]]:
    """The wash's progress (of one run) or FOI timeliness (by one kind of year) answered
    again at a later day: a figure that moved by 1 to N-1 since any earlier answer gives
    that change away (two more people referred to PSD, one more review finished late), so it
    is withheld, with what its table's sums then need (disclosure.withhold_more)."""
    if safe.name not in REPEATED_STATISTICS:
        return safe, []

    def key(t: StatTable) -> tuple[str, object]:
        # What makes two answers the same table: the run for progress, the kind of year
        # for timeliness (rows are matched by their labels: years, measures).
        what = "run_id" if t.name == "wash_progress" else "period"
        return (t.name, t.parameters.get(what))

    earlier = [t for t in published if key(t) == key(safe)]
    before: dict[tuple[str, str], list[int]] = {}
    for table in earlier:
        for row in table.rows:
            for c in table.count_columns:
                if isinstance(v := row[c], int) and not isinstance(v, bool):
                    before.setdefault((str(row[0]), table.columns[c]), []).append(v)
    moved = [
        (r, c)
        for r, row in enumerate(safe.rows)
        for c in safe.count_columns
        if isinstance(now := row[c], int)
        and any(0 < abs(now - v) < threshold
                for v in before.get((str(row[0]), safe.columns[c]), []))
    ]  # fmt: skip
    result, names = withhold_more(safe, moved, threshold) if moved else (safe, [])
    # The table's sums hold for the changes too: the change of a total less the changes of
    # the parts shown is the change of the parts withheld (30 -> 40 beside 10 -> 18: the
    # other two grew by 2 together). Withhold more until no change is given away.
    for _ in range(sum(len(r) for r in safe.rows) + 1):
        more = _change_given_away(result, earlier, threshold)
        if more is None:
            break
        result, named = withhold_more(result, [more], threshold)
        names += named
    return result, names


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _change_given_away(
    table: StatTable, earlier: list[StatTable], threshold: int
) -> tuple[int, int] | None:
    """A cell of ``table`` to withhold because, read beside an earlier answer, a line's
    changes pin a withheld figure (one part hidden, its old or new value shown) or sum the
    withheld parts' changes to 1 to N-1; None when nothing is given away."""
    for old in earlier:
        then = {
            (str(row[0]), old.columns[c]): row[c] for row in old.rows for c in old.count_columns
        }

        def now(cell: tuple[int, int]) -> int | None:
            return _count(table.rows[cell[0]][cell[1]])

        def was(cell: tuple[int, int], seen: Mapping[tuple[str, str], object] = then) -> int | None:
            return _count(seen.get((str(table.rows[cell[0]][0]), table.columns[cell[1]])))

        def change(cell: tuple[int, int]) -> int | None:
            a, b = now(cell), was(cell)
            return a - b if a is not None and b is not None else None

        for total, *parts in table.all_lines():
            whole = change(total)
            hidden = [p for p in parts if change(p) is None]
            if whole is None or not hidden:
                continue
            shown = [p for p in parts if p not in hidden]
            rest = whole - sum(change(p) or 0 for p in shown)
            one_known = len(hidden) == 1 and (
                now(hidden[0]) is not None or was(hidden[0]) is not None
            )
            if one_known or 0 < abs(rest) < threshold:
                visible = [(v, p) for p in shown if (v := now(p)) is not None]
                return min(visible)[1] if visible else total
    return None


def _date_pairs(
    mine: dict[tuple[int, int], Scope], old: list[_Cell]
) -> list[tuple[dict[tuple[int, int], Scope], list[_Cell]]]:
    """The new table's cells with the published cells of its own dates, and of its own dates
    and one other, for each other date in turn."""
    own = {sc.field for sc in mine.values()}
    others = sorted({c.scope.field for c in old} - own)
    return [
        (mine, [c for c in old if c.scope.field in own or c.scope.field == other])
        for other in others or [""]
    ]


def _systems(
    mine: dict[tuple[int, int], Scope], old: list[_Cell]
) -> list[tuple[dict[tuple[int, int], Scope], list[_Cell]]]:
    """The systems the new table's cells are checked in: one per kind (people, cases or
    allegations), with the published cells of that kind - live or completed tables of every
    day among them (their day is a condition on the date closed: Scope.closed)."""
    out = []
    for kind in sorted({sc.kind for sc in mine.values()}):
        here = {pos: sc for pos, sc in mine.items() if sc.kind == kind}
        out.append((here, [c for c in old if c.scope.kind == kind]))
    return out


def _protect(
    safe: StatTable,
    rows: list[list[Any]],
    mine: dict[tuple[int, int], Scope],
    cells: list[_Cell],
    threshold: int,
) -> None:
    """Withhold more of ``rows`` (the new table's cells ``mine``) until, beside the
    published ``cells``, no hidden count is given away; refuse if that cannot be done."""
    if not cells:
        return
    # The same population published again: a change of fewer than N is itself a count.
    # A later figure for a population ("fewer than N" too) replaces an earlier one (the
    # register moved on), but a later "withheld" says nothing: the earlier figure is still in
    # the reader's hands, whatever order the tables come in.
    latest: dict[Scope, _Cell] = {}
    for cell in cells:
        if cell.scope not in latest or cell.value != WITHHELD:
            latest[cell.scope] = cell
    for pos, scope in mine.items():
        before = latest.get(scope)
        now = rows[pos[0]][pos[1]]
        changed_a_little = (
            before is not None
            and isinstance(before.value, int)
            and isinstance(now, int)
            and 0 < abs(now - before.value) < threshold
        )
        if changed_a_little:
            rows[pos[0]][pos[1]] = WITHHELD
    connected = _connected(list(latest.values()), list(mine.values()))

    def published_now() -> list[_Cell]:
        # A new figure shown replaces the earlier one for its population; a new figure
        # withheld - even one withheld late in the loop below - leaves the earlier one in the
        # reader's hands, and in the system.
        shown = {scope for pos, scope in mine.items() if isinstance(rows[pos[0]][pos[1]], int)}
        return [c for c in connected if c.scope not in shown]

    cells = published_now()
    # A narrower population beside a wider one (a table of sexual offences beside one of
    # all categories): the difference is itself a count, of the people in the one and not
    # the other, and must not be a small one.
    if cells:
        system = cells + [_Cell(sc, rows[p[0]][p[1]], True, p) for p, sc in mine.items()]
        _atoms, masks, _possible_atoms = _system(system)
        old_cells = [(c, m) for c, m in zip(system, masks, strict=True)
                     if not c.new and isinstance(c.value, int)]  # fmt: skip
        for cell, m in zip(system, masks, strict=True):
            if not (cell.new and cell.position and isinstance(cell.value, int)):
                continue
            for o, om in old_cells:
                nested = bool(np.all(m <= om) or np.all(om <= m))
                if nested and 0 < abs(o.value - cell.value) < threshold:
                    rows[cell.position[0]][cell.position[1]] = WITHHELD
                    break
    for _ in range(len(mine) + 1):
        system = published_now() + [
            _Cell(scope, rows[pos[0]][pos[1]], new=True, position=pos)
            for pos, scope in mine.items()
        ]
        n_atoms, masks, possible = _system(system)
        if not n_atoms:
            break
        exposed = _given_away(system, masks, threshold, possible)
        feasible = _feasible(system, masks, threshold)
        if not feasible:
            # The figures cannot all hold as sums with the rules of the dates (people in two
            # categories, or a register that changed between two answers): what is given
            # away is read both with the rules (sums, else "at most the sum", else nothing
            # taken as safe) and without them, as sums; either is a reader's reading.
            _n, bare, bare_possible = _system(system, rules=False)
            more = _given_away(system, bare, threshold, bare_possible) if _n else []
            exposed = sorted({*exposed, *more})
        if exposed:
            # What gives it away runs through the cells that overlap it: withhold, in the
            # new table, the smallest visible count that overlaps any of those.
            exposed_atoms = np.clip(sum(masks[i] for i in exposed), 0, 1)
            linked = [m for m in masks if float(m @ exposed_atoms) > 0]
            overlap = np.clip(sum(linked), 0, 1)
        else:
            target = _small_population(system, masks, threshold, possible) if feasible else None
            if target is None:
                break
            position = _unpinning(system, masks, threshold, possible, target)
            if position is not None:
                rows[position[0]][position[1]] = WITHHELD
                continue
            overlap = target
        candidates = [
            (c.value, c.position)
            for c, mask in zip(system, masks, strict=True)
            if c.new and c.position and isinstance(c.value, int) and float(mask @ overlap) > 0
        ]
        if not candidates:
            raise InputError(
                f"'{safe.title}' cannot be published beside what has already been published "
                "(in this response or the disclosure log): it would give away a count "
                f"withheld as {fewer_than(threshold)!r}. Answer with another breakdown or "
                "period, or leave this table out"
            )
        _value, (row, col) = min(candidates)
        rows[row][col] = WITHHELD
