"""Blocking: which (person, record) pairs are compared at all, guarded against explosions.

Every rule is an equality of precomputed feature columns. Before anything is scored the
number of comparisons of each rule is counted exactly from key frequencies (the workforce
grouped by key, each record looked up in it, no pairs materialised), so a rule that would
explode (the "John Smith" problem, Splink #1946) is re-planned by adding a refining key, or
refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from datawash.errors import BlockingExplosion


@dataclass(frozen=True)
class BlockingRule:
    name: str
    # (workforce column, records column) pairs that must be equal
    keys: tuple[tuple[str, str], ...]
    # array columns unnested on both sides before the equality (same name both sides)
    explode: tuple[str, ...] = field(default=())
    # A column missing on either side: the pairs a refinement by it would lose.
    missing: str | None = None

    def splink_rule(self) -> Any:
        """The rule in Splink's terms (an SQL string, or block_on for exploded arrays)."""
        if self.explode:
            from splink import block_on

            return block_on(*[a for a, _ in self.keys], arrays_to_explode=list(self.explode))
        return " AND ".join([f'l."{a}" = r."{b}"' for a, b in self.keys] + self._missing_sql())

    def _missing_sql(self) -> list[str]:
        c = self.missing
        return [f'(l."{c}" IS NULL OR r."{c}" IS NULL)'] if c else []

    def refined(self, column: str) -> BlockingRule:
        return replace(self, name=f"{self.name} + {column}", keys=(*self.keys, (column, column)))

    def where_missing(self, column: str) -> BlockingRule:
        """The pairs ``refined(column)`` loses: the same keys, the column missing on a side
        (a refinement by birth year must not drop every record without a date of birth)."""
        return replace(self, name=f"{self.name}, {column} missing", missing=column)

    def uses(self, column: str) -> bool:
        """Whether the rule already fixes this column (dob fixes dob_year, pc fixes the
        district, so refining by them would change nothing)."""
        fixed = {c for pair in self.keys for c in pair}
        if self.missing:  # a rule asking for a date missing fixes its year too
            fixed.add(self.missing)
        fixed |= {implied for c in set(fixed) for implied in _IMPLIES.get(c, ())}
        return column in fixed


def _name_and_birth_year(name: str, column: str) -> tuple[BlockingRule, ...]:
    """A name with the birth year and month, the birth year and day, or the 1 January
    placeholder in the birth year (see DEFAULT_RULES)."""
    key = (column, column)
    return (
        BlockingRule(f"same {name}, birth year and month", (key, ("dob_ym", "dob_ym"))),
        BlockingRule(f"same {name}, birth year and day", (key, ("dob_yd", "dob_yd"))),
        BlockingRule(
            f"same {name}, 1 January placeholder in the birth year",
            (key, ("dob_year", "dob_jan1_year")),
        ),
    )


DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("same date of birth", (("dob", "dob"),)),
    BlockingRule("same forename and surname", (("fn1", "fn1"), ("sn", "sn"))),
    BlockingRule("date of birth with day and month swapped", (("dob_swap", "dob"),)),
    # A name with the birth year alone was the plan's largest block (at 10,000,000 records
    # 6.0 and 5.6 million of the 26 million pairs scored, so large that at 1,000,000 it was
    # refined by postcode district, losing the people who moved). A true record in the same
    # year keeps its month or its day unless both were keyed wrongly (then the date weighs
    # against it and it is not found anyway), or it holds the 1 January placeholder: those
    # three rules keep the same pairs in the review band at a tenth of the comparisons.
    *_name_and_birth_year("surname", "sn"),
    BlockingRule(
        "names sound the same, same birth year",
        (("fn_ph", "fn_ph"), ("sn_ph", "sn_ph"), ("dob_year", "dob_year")),
    ),
    BlockingRule("same forename and postcode", (("fn1", "fn1"), ("pc", "pc"))),
    BlockingRule("same surname and postcode", (("sn", "sn"), ("pc", "pc"))),
    BlockingRule("forename and surname swapped", (("fn1", "sn"), ("sn", "fn1"))),
    BlockingRule(
        "surname keyed as forename, same birth year", (("sn", "fn1"), ("dob_year", "dob_year"))
    ),
    # The whole address and nothing else: names swapped and misspelt, no date of birth
    # (FEBRL4 keys records so), where each name rule needs a name intact. Few records share
    # a person's exact address (240,000 pairs at 10,000,000 records).
    BlockingRule("same address", (("addr", "addr"),)),
    BlockingRule("same forename and house", (("fn1", "fn1"), ("addr_key", "addr_key"))),
    BlockingRule("same surname and house", (("sn", "sn"), ("addr_key", "addr_key"))),
    BlockingRule("same forename and locality", (("fn1", "fn1"), ("addr_tail", "addr_tail"))),
    BlockingRule("same surname and locality", (("sn", "sn"), ("addr_tail", "addr_tail"))),
    BlockingRule(
        "forename sounds the same, same locality", (("fn_ph", "fn_ph"), ("addr_tail", "addr_tail"))
    ),
    BlockingRule(
        "surname sounds the same, same locality", (("sn_ph", "sn_ph"), ("addr_tail", "addr_tail"))
    ),
    # Maiden name (or another surname change) together with a date of birth keyed wrongly.
    *_name_and_birth_year("forename", "fn1"),
    # A year keyed wrongly (1977 as 1970) with a name misspelt and the person moved: the
    # rules above need the year, or the whole date, or the address.
    BlockingRule(
        "names sound the same, same day and month of birth",
        (("fn_ph", "fn_ph"), ("sn_ph", "sn_ph"), ("dob_md", "dob_md")),
    ),
    # A record with no date of birth and an old address has only its name to go on.
    BlockingRule("same surname, no date of birth", (("sn", "sn"),), missing="dob"),
    BlockingRule("same forename, no date of birth", (("fn1", "fn1"),), missing="dob"),
)

_IMPLIES = {
    "dob": ("dob_year", "dob_md", "dob_ym", "dob_yd", "dob_jan1_year"),
    "dob_jan1_year": ("dob_year",),
    "dob_ym": ("dob_year",),
    "dob_yd": ("dob_year",),
    "dob_swap": ("dob_year",),
    # Refining a day-and-month rule by the year would make it the date-of-birth rule and
    # lose the wrong years it is there for.
    "dob_md": ("dob_year",),
    "pc": ("pc_sector", "pc_district"),
    "pc_sector": ("pc_district",),
}

# Keys added, in order, to a rule that would generate too many comparisons.
REFINEMENTS: tuple[str, ...] = ("dob_year", "pc_district", "fn1", "gender")


def _side_sql(table: str, rule: BlockingRule, side: int, *, grouped: bool = True) -> str:
    if rule.explode:
        src = f"(SELECT {_keys_select(rule, side)} FROM {table})"
        keys = [f"k{i}" for i in range(len(rule.keys))]
    else:
        src = table
        keys = [f'"{pair[side]}"' for pair in rule.keys]
    aliased = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
    miss = f', ("{rule.missing}" IS NULL) AS miss' if rule.missing else ", false AS miss"
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    if not grouped:
        return f"SELECT {aliased}{miss} FROM {src} WHERE {not_null}"
    return f"SELECT {aliased}{miss}, count(*) AS n FROM {src} WHERE {not_null} GROUP BY ALL"


def count_sql(left: str, right: str, rule: BlockingRule) -> str:
    """Exact number of pairs the rule generates (before de-duplication across rules).

    The left side (the workforce) is counted by key; each row of the right side (the
    extract) is then looked up in those counts, so the extract is scanned once and never
    grouped: at 10,000,000 records grouping it by every rule's keys took most of the plan.
    """
    on = " AND ".join(f"l.k{i} = r.k{i}" for i in range(len(rule.keys)))
    where = " WHERE l.miss OR r.miss" if rule.missing else ""
    return (
        f"SELECT coalesce(sum(l.n), 0) FROM ({_side_sql(left, rule, 0)}) l "
        f"JOIN ({_side_sql(right, rule, 1, grouped=False)}) r ON {on}{where}"
    )


def candidate_records_sql(left: str, right: str, rules: list[BlockingRule]) -> str:
    """Records that share at least one blocking key with someone in the workforce.

    One scan of the extract with a condition per rule (DuckDB runs each as a mark join
    against the workforce's keys), rather than one semi-join per rule, a UNION of their ids
    and the extract read again for the rows: the same records, at 10,000,000 records in
    about 13 s instead of 18 (28 rules; docs/benchmarks.md).
    """
    conditions = []
    for rule in rules:
        if rule.explode:
            lsel = _keys_select(rule, 0)
            rsel = _keys_select(rule, 1)
            on = " AND ".join(f"lk.k{i} = rk.k{i}" for i in range(len(rule.keys)))
            conditions.append(
                f"r.unique_id IN (SELECT rk.unique_id FROM (SELECT unique_id, {rsel} "
                f"FROM {right}) rk SEMI JOIN (SELECT {lsel} FROM {left}) lk ON {on})"
            )
            continue
        on = " AND ".join(f'l."{a}" = r."{b}"' for a, b in rule.keys)
        if rule.missing:
            # The column missing on either side: on the record's side a condition of the
            # record alone, on the person's side one of the workforce's keys.
            c = rule.missing
            conditions.append(f'(r."{c}" IS NULL AND EXISTS (SELECT 1 FROM {left} l WHERE {on}))')
            conditions.append(f'EXISTS (SELECT 1 FROM {left} l WHERE {on} AND l."{c}" IS NULL)')
        else:
            conditions.append(f"EXISTS (SELECT 1 FROM {left} l WHERE {on})")
    where = " OR ".join(conditions) or "false"
    return f"SELECT * FROM {right} r WHERE {where}"


def _keys_select(rule: BlockingRule, side: int) -> str:
    """A rule's key columns of one side as k0, k1 …, exploded arrays unnested."""
    return ", ".join(
        f'unnest("{pair[side]}") AS k{i}'
        if pair[side] in rule.explode
        else f'"{pair[side]}" AS k{i}'
        for i, pair in enumerate(rule.keys)
    )


@dataclass(frozen=True)
class PlannedRule:
    rule: BlockingRule
    comparisons: int
    replanned_from: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.rule.name,
            "comparisons": self.comparisons,
            "replanned_from": self.replanned_from,
        }


def plan(
    con: duckdb.DuckDBPyConnection,
    left: str,
    right: str,
    *,
    max_comparisons: int,
    rules: tuple[BlockingRule, ...] = DEFAULT_RULES,
) -> list[PlannedRule]:
    """Count each rule's comparisons; refine rules over the limit, refuse if none fits."""
    planned: list[PlannedRule] = []
    for rule in rules:
        count = _count(con, left, right, rule)
        candidate = rule
        companions: list[PlannedRule] = []
        for extra in REFINEMENTS:
            if count <= max_comparisons:
                break
            if candidate.uses(extra):
                continue
            # Refining by a column drops the pairs where it is missing on a side; they are
            # kept by a companion rule when that fits under the limit.
            # A rule that already asks for a column missing has no companion (it would need
            # two missing columns at once); its refinement keeps that condition.
            gap = candidate.where_missing(extra)
            gap_count = 0 if candidate.missing else _count(con, left, right, gap)
            if 0 < gap_count <= max_comparisons:
                companions.append(PlannedRule(gap, gap_count, replanned_from=rule.name))
            candidate = candidate.refined(extra)
            count = _count(con, left, right, candidate)
        if count > max_comparisons:
            raise BlockingExplosion(
                f"blocking rule {rule.name!r} would generate {count:,} comparisons "
                f"(limit {max_comparisons:,}) even after refining it; raise "
                "DATAWASH_MAX_COMPARISONS_PER_RULE only if the machine can take it"
            )
        planned.append(
            PlannedRule(candidate, count, replanned_from=rule.name if candidate != rule else None)
        )
        planned.extend(companions)
    return planned


def _count(con: duckdb.DuckDBPyConnection, left: str, right: str, rule: BlockingRule) -> int:
    rows = con.execute(count_sql(left, right, rule)).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0
