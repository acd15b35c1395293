"""Classify events from Home Office offence codes, the domestic abuse flag and, failing
those, the description; rank each person by priority rules kept as data.

Codes are read as ingest/offences.py reads them (`19C`, `088/05`, `004/01` ...). The table of
codes (data/offence_codes.csv) follows the categories in docs (reference domain facts).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from datawash.ingest.offences import normalise_offence_code
from datawash.vocabulary import Category, OffenceGroup, values

CATEGORIES = values(Category)
INTEGRITY_ROLES = frozenset({"suspect", "offender", "accused", "arrested", "charged", "convicted"})
WELFARE_ROLES = frozenset({"victim", "witness"})

# Description keywords for events with no usable code, most specific first.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"\brape|sexual|indecent|voyeur|exposure|grooming|upskirt", "sexual"),
    (r"coercive|controlling behaviour|domestic", "domestic_abuse"),
    (r"stalk|harass|prostitut|modern slavery|trafficking of (women|girls)", "other_vawg"),
    (
        r"murder|manslaughter|assault|wounding|gbh|abh|threats? to kill|kidnap|abduct|violence",
        "violence",
    ),
    (
        r"burglar|robbery|theft|steal|stole|fraud|forgery|shoplift|handling stolen|blackmail",
        "dishonesty",
    ),
    (r"drug|cannabis|cocaine|heroin|controlled substance", "drugs"),
)


@cache
def _offence_rows() -> list[dict[str, str]]:
    text = files("datawash.triage").joinpath("data", "offence_codes.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def offence_class(code: str) -> str:
    """A normalised code's class: `19C` -> `19`, `4.1` -> `4`, `21` -> `21`."""
    return re.sub(r"[A-Z]$|\.\d+$", "", code)


@cache
def offence_groups() -> tuple[dict[str, str], dict[str, str]]:
    """The offence group of each known code, and of each class whose known codes all share
    one (a code the table does not list, `19A` say, takes its class's group; one of a class
    that mixes groups, such as 8 (harassment, assault, coercive control), is "other")."""
    codes = {r["code"]: r["offence_group"] for r in _offence_rows()}
    by_class: dict[str, set[str]] = {}
    for code, group in codes.items():
        by_class.setdefault(offence_class(code), set()).add(group)
    classes = {c: next(iter(g)) for c, g in by_class.items() if len(g) == 1}
    return codes, classes


def offence_group_of(code: str | None) -> str | None:
    """The offence group of a normalised code (None: no code)."""
    if code is None:
        return None
    codes, classes = offence_groups()
    return codes.get(code) or classes.get(offence_class(code)) or OffenceGroup.OTHER_OFFENCE.value


@cache
def offence_table() -> dict[str, tuple[str, str]]:
    return {r["code"]: (r["category"], r["description"]) for r in _offence_rows()}


@dataclass(frozen=True)
class EventTriage:
    categories: frozenset[str]
    role_kind: str  # integrity | welfare | other
    basis: str  # code | description | flag | none
    code: str | None

    @property
    def is_integrity(self) -> bool:
        return self.role_kind == "integrity"


def role_kind(role: str | None) -> str:
    r = (role or "").strip().lower()
    if r in INTEGRITY_ROLES:
        return "integrity"
    if r in WELFARE_ROLES:
        return "welfare"
    return "other"


def classify_event(
    *,
    offence_code: str | None,
    offence_description: str | None,
    domestic_abuse: str | None,
    role: str | None,
) -> EventTriage:
    """Multi-label: a domestic-abuse-flagged assault is both violence and domestic abuse."""
    code = normalise_offence_code(offence_code)
    table = offence_table()
    cats: set[str] = set()
    basis = "none"
    if code is not None:
        entry = table.get(code) or table.get(offence_class(code))
        if entry:
            cats.add(entry[0])
            basis = "code"
    if not cats and offence_description:
        text = offence_description.lower()
        for pattern, category in _KEYWORDS:
            if re.search(pattern, text):
                cats.add(category)
                basis = "description"
                break
    if (domestic_abuse or "").strip().upper() == "Y":
        cats.add("domestic_abuse")
        basis = basis if basis != "none" else "flag"
    if not cats and (code or offence_description):
        cats.add("other")
        basis = basis if basis != "none" else "code" if code else "description"
    return EventTriage(frozenset(cats), role_kind(role), basis, code)


@dataclass(frozen=True)
class PriorityRule:
    priority: int
    name: str
    categories: frozenset[str] | None
    role_kind: str
    within_years: int | None

    def matches(self, triage: EventTriage, event_date: date | None, as_of: date) -> bool:
        if triage.role_kind != self.role_kind:
            return False
        if self.categories is not None and not (triage.categories & self.categories):
            return False
        if self.within_years is not None:
            if event_date is None:
                return False
            cutoff = date(as_of.year - self.within_years, as_of.month, min(as_of.day, 28))
            if event_date < cutoff:
                return False
        return True


@cache
def priority_rules() -> tuple[PriorityRule, ...]:
    text = files("datawash.triage").joinpath("data", "priority_rules.json").read_text("utf-8")
    rules: list[dict[str, Any]] = json.loads(text)
    return tuple(
        sorted(
            (
                PriorityRule(
                    priority=int(r["priority"]),
                    name=str(r["name"]),
                    categories=frozenset(r["categories"]) if r["categories"] else None,
                    role_kind=str(r["role_kind"]),
                    within_years=r["within_years"],
                )
                for r in rules
            ),
            key=lambda r: r.priority,
        )
    )


LOWEST_PRIORITY = 9


def person_priority(
    events: Iterable[tuple[EventTriage, date | None]], *, as_of: date
) -> tuple[int, str]:
    """The highest-priority rule any of a person's events meets (1 is most urgent)."""
    best = (LOWEST_PRIORITY, "no integrity or welfare matter")
    rules = priority_rules()
    for triage, when in events:
        for rule in rules:
            if rule.priority >= best[0]:
                break
            if rule.matches(triage, when, as_of):
                best = (rule.priority, rule.name)
                break
    return best
