"""FOIA s10 time for compliance: the 20th working day following the date of receipt.

Working days exclude Saturdays, Sundays, Christmas Day, Good Friday and any day that is a
bank holiday under the Banking and Financial Dealings Act 1971 in any part of the UK
(s10(6)), so the holidays of England, Wales, Scotland and Northern Ireland are all taken,
from the maintained ``holidays`` package rather than a hand-typed list.

Two ways the clock is affected, as the Act has them:
- clarification (s1(3)): the request is not received until the clarification is, so the
  20 working days start again from the day after it arrives (s10(6), "the later of");
- a fees notice (s9, s10(2)): the working days from the day the notice is given to the day
  the fee is received, both included, are not counted: a pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

RESPONSE_WORKING_DAYS = 20
UK_NATIONS = ("ENG", "WLS", "SCT", "NIR")
NAMED_IN_S10 = ("Christmas Day", "Good Friday")


@cache
def _uk_holidays(year: int) -> frozenset[date]:
    days: set[date] = set()
    for nation in UK_NATIONS:
        days.update(holidays.country_holidays("GB", subdiv=nation, years=year).keys())
    # Christmas Day and Good Friday are named in s10(6) whether or not a bank holiday.
    days.update(
        d for d, name in holidays.country_holidays("GB", years=year).items() if name in NAMED_IN_S10
    )
    return frozenset(days)


def non_working_reason(day: date) -> str | None:
    """Why ``day`` is not a working day, or None if it is one."""
    if day.weekday() >= 5:
        return day.strftime("%A")
    if day not in _uk_holidays(day.year):
        return None
    names = set()
    for nation in UK_NATIONS:
        name = holidays.country_holidays("GB", subdiv=nation, years=day.year).get(day)
        if name:
            names.add(f"{name} ({nation})")
    return "; ".join(sorted(names)) or "bank holiday"


def is_working_day(day: date) -> bool:
    return non_working_reason(day) is None


def add_working_days(start: date, n: int, *, skip: Iterable[date] = ()) -> date:
    """The ``n``th working day after ``start`` (``start`` itself is not counted), not
    counting any day in ``skip`` either."""
    skipped = set(skip)
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day) and day not in skipped:
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        n += is_working_day(day)
    return n


@dataclass(frozen=True)
class ClockStop:
    """A span when the clock was affected: ``kind`` is clarification or fee. ``ended_on``
    is the day the clarification or fee arrived (None while still waiting)."""

    kind: str
    started_on: date
    ended_on: date | None


@dataclass(frozen=True)
class DueDate:
    due_on: date | None  # None while waiting for clarification or a fee
    clock_starts: date
    paused_days: int
    explanation: str


def due_date(received_on: date, stops: Sequence[ClockStop] = ()) -> DueDate:
    """The statutory due date given the clock's stops (see the module docstring)."""
    if not date(1990, 1, 1) <= received_on <= date(2200, 12, 31):
        from datawash.errors import InputError

        raise InputError("a request's date of receipt is between 1990 and 2200")
    start = received_on
    for stop in stops:
        if stop.kind == "clarification":
            if stop.ended_on is None:
                return DueDate(
                    None, start, 0, "waiting for clarification: the clock has not started"
                )
            start = max(start, stop.ended_on)
    paused: set[date] = set()
    for stop in stops:
        if stop.kind != "fee" or stop.started_on < start:
            continue
        if stop.ended_on is None:
            return DueDate(None, start, 0, "waiting for the fee: the clock is paused")
        # s10(2): from the day the notice is given to the day the fee arrives, both in.
        day = stop.started_on
        while day <= stop.ended_on:
            if is_working_day(day):
                paused.add(day)
            day += timedelta(days=1)
    due = add_working_days(start, RESPONSE_WORKING_DAYS, skip=paused)
    why = f"20th working day after {start:%d/%m/%Y}"
    if start != received_on:
        why += f" (clarification received; request received {received_on:%d/%m/%Y})"
    if paused:
        why += f", {len(paused)} working day(s) paused for a fees notice"
    return DueDate(due, start, len(paused), why)
