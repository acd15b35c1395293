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

Covered: ``outcomes_by_year`` (the statistic FOI requests about dismissals ask for) and
``register_count`` broken down by category, role or outcome, linked with each other where
they count the same thing by the same date. Other statistics and breakdowns are checked
within their own table only, as docs/foi.md says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise, product
from typing import Any

import numpy as np

from datawash.errors import InputError
from datawash.foi.disclosure import WITHHELD, fewer_than
from datawash.ingest.schema import OUTCOMES
from datawash.stats.query import NOT_RECORDED
from datawash.stats.registry import StatParams
from datawash.stats.tables import StatTable

LINKED_STATISTICS = frozenset({"outcomes_by_year", "register_count"})


@dataclass(frozen=True)
class Scope:
    """The population a count cell counts."""

    kind: str  # what is counted ("people" or "cases", of one statistic)
    categories: frozenset[str]
    roles: frozenset[str]
    outcomes: frozenset[str]
    start: date
    end: date  # exclusive


def _kind(p: StatParams, date_field: str) -> str:
    """Cells of the same kind count the same thing placed by the same date, under the same
    filters beyond category, role and outcome: only those are linked."""
    extra = [p.live, *(",".join(getattr(p, k)) for k in ("severities", "sources", "stages",
                                                           "proceedings", "leaving"))]  # fmt: skip
    return ":".join(["register", p.count, date_field, *extra])


ANY_OUTCOME = frozenset([*OUTCOMES, NOT_RECORDED])


def _outcomes(p: StatParams) -> frozenset[str]:
    return ANY_OUTCOME if "any" in p.outcomes else frozenset(p.outcomes)


def _register_count_scopes(table: StatTable, p: StatParams) -> dict[tuple[int, int], Scope]:
    from datawash.stats.query import periods_of

    by = [b for b in p.by if b != "none"]
    if any(b not in ("category", "role", "outcome") for b in by):
        return {}  # other breakdowns are checked within their own table only
    spans = {q.label: q for q in periods_of(p)}
    out: dict[tuple[int, int], Scope] = {}
    count_col = len(by) + 1
    for r, row in enumerate(table.rows):
        q = spans.get(str(row[0]))
        if q is None:
            continue
        chosen = dict(zip(by, (str(v) for v in row[1:count_col]), strict=True))
        pick = {k: v for k, v in chosen.items() if v != "all"}
        out[(r, count_col)] = Scope(
            kind=_kind(p, p.date_field),
            categories=frozenset([pick["category"]]) if "category" in pick
            else frozenset(p.categories),
            roles=frozenset([pick["role"]]) if "role" in pick else frozenset(p.roles),
            outcomes=frozenset([pick["outcome"]]) if "outcome" in pick else _outcomes(p),
            start=q.start,
            end=q.end + timedelta(days=1),
        )  # fmt: skip
    return out


def scopes(table: StatTable) -> dict[tuple[int, int], Scope]:
    """Each count cell's population; empty for a statistic not covered here."""
    if table.name not in LINKED_STATISTICS:
        return {}
    p = StatParams.from_dict(table.parameters)
    if table.name == "register_count":
        return _register_count_scopes(table, p)
    by = p.by[0] if p.by else "category"
    out: dict[tuple[int, int], Scope] = {}
    periods = p.periods()
    for r, period in enumerate(periods):
        if r >= len(table.rows) or str(table.rows[r][0]) != period.label:
            continue
        for c, column in enumerate(table.columns[1:], start=1):
            cats = frozenset([column]) if by == "category" else frozenset(p.categories)
            roles = frozenset([column]) if by == "role" else frozenset(p.roles)
            out[(r, c)] = Scope(
                kind=_kind(p, "outcome"),
                categories=cats,
                roles=roles,
                outcomes=_outcomes(p),
                start=period.start,
                end=period.end + timedelta(days=1),
            )
    return out


@dataclass
class _Cell:
    scope: Scope
    value: Any  # an int, "fewer than N" or WITHHELD
    new: bool  # a cell of the table being published
    position: tuple[int, int] | None = None


def _system(cells: list[_Cell]) -> tuple[list[tuple[Any, ...]], list[np.ndarray]]:
    """The atoms the cells' populations cut the register into, and each cell's atoms."""
    cats = sorted({c for cell in cells for c in cell.scope.categories})
    roles = sorted({r for cell in cells for r in cell.scope.roles})
    outs = sorted({o for cell in cells for o in cell.scope.outcomes})
    bounds = sorted({d for cell in cells for d in (cell.scope.start, cell.scope.end)})
    spans = list(pairwise(bounds))
    atoms = list(product(cats, roles, outs, spans))
    masks = []
    for cell in cells:
        s = cell.scope
        masks.append(
            np.array(
                [
                    a[0] in s.categories
                    and a[1] in s.roles
                    and a[2] in s.outcomes
                    and s.start <= a[3][0]
                    and a[3][1] <= s.end
                    for a in atoms
                ],
                dtype=float,
            )
        )
    return atoms, masks


def _threshold_of(text: str, default: int) -> int:
    """N of a published "fewer than N" (a table published under an earlier threshold says
    its own)."""
    tail = text.removeprefix("fewer than").strip()
    return int(tail) if tail.isdigit() else default


def _range(
    target: np.ndarray, cells: list[_Cell], masks: list[np.ndarray], threshold: int,
    as_sums: bool,
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
            bounds=(0, None), method="highs",
        )  # fmt: skip
        if res.status == 2:  # infeasible
            return None
        found.append(sign * res.fun if res.status == 0 else (np.inf if sign < 0 else 0.0))
    return found[0], found[1]


def _given_away(cells: list[_Cell], masks: list[np.ndarray], threshold: int) -> list[int]:
    """The hidden cells whose value the published figures narrow down."""
    exposed = []
    as_sums = True
    for i, cell in enumerate(cells):
        # Only the small counts need protecting: a withheld figure is withheld to protect
        # them, and is itself safe to narrow down as long as they stay hidden.
        if not (isinstance(cell.value, str) and cell.value.startswith("fewer than")):
            continue
        got = _range(masks[i], cells, masks, threshold, as_sums)
        if got is None and as_sums:
            as_sums = False
            got = _range(masks[i], cells, masks, threshold, as_sums)
        if got is None:
            # The published figures cannot be reconciled even as "at most the sum": nothing
            # can be proved about this cell, so it is not taken as safe (fail closed).
            exposed.append(i)
            continue
        low, high = got
        limit = _threshold_of(str(cell.value), threshold)
        if low > 1 + 1e-6 or high < limit - 1 - 1e-6:
            exposed.append(i)
    return exposed


def _meets(a: Scope, b: Scope) -> bool:
    """Whether two populations share any records."""
    return bool(
        a.categories & b.categories
        and a.roles & b.roles
        and a.outcomes & b.outcomes
        and a.start < b.end
        and b.start < a.end
    )


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
        return safe, []
    rows = [list(r) for r in safe.rows]
    cells: list[_Cell] = []
    for table in published:
        for pos, scope in scopes(table).items():
            if scope.kind == next(iter(mine.values())).kind:
                cells.append(_Cell(scope, table.rows[pos[0]][pos[1]], new=False))
    if not cells:
        return safe, []
    # The same population published again: a change of fewer than N is itself a count.
    latest: dict[Scope, _Cell] = {}
    for cell in cells:
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
        latest.pop(scope, None)
    cells = _connected(list(latest.values()), list(mine.values()))
    # A narrower population beside a wider one (a table of sexual offences beside one of
    # all categories): the difference is itself a count, of the people in the one and not
    # the other, and must not be a small one.
    if cells:
        system = cells + [_Cell(sc, rows[p[0]][p[1]], True, p) for p, sc in mine.items()]
        _atoms, masks = _system(system)
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
    added: list[str] = []
    for _ in range(len(mine) + 1):
        system = cells + [
            _Cell(scope, rows[pos[0]][pos[1]], new=True, position=pos)
            for pos, scope in mine.items()
        ]
        atoms, masks = _system(system)
        if not atoms:
            break
        exposed = _given_away(system, masks, threshold)
        if not exposed:
            break
        # What gives it away runs through the cells that overlap it: withhold, in the new
        # table, the smallest visible count that overlaps any of those.
        exposed_atoms = np.clip(sum(masks[i] for i in exposed), 0, 1)
        linked = [m for m in masks if float(m @ exposed_atoms) > 0]
        overlap = np.clip(sum(linked), 0, 1)
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
        added.append(f"{rows[row][0]}: {safe.display_columns[col]}")
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
    return replace(safe, rows=rows, notes=[*safe.notes, note]), changed
