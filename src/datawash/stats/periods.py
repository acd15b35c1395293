"""Reporting periods: financial years (1 April - 31 March, labelled ``2022/23``) and, on
request, calendar years (``2022``). Not the tax year, which starts on 6 April.

Written by hand: no maintained library labels UK public-sector financial years, and the
rule is three lines; what matters is that one function does it everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from datawash.errors import InputError


class PeriodKind(StrEnum):
    FINANCIAL = "financial"
    CALENDAR = "calendar"


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period, both ends inclusive."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def financial_year_start(day: date) -> int:
    """The calendar year in which the financial year holding ``day`` starts."""
    return day.year if day >= date(day.year, 4, 1) else day.year - 1


def financial_year_of(day: date) -> str:
    """``date(2023, 3, 31)`` -> ``"2022/23"``; ``date(2023, 4, 1)`` -> ``"2023/24"``."""
    return financial_year(financial_year_start(day)).label


def financial_year(start_year: int) -> Period:
    return Period(
        start=date(start_year, 4, 1),
        end=date(start_year + 1, 3, 31),
        label=f"{start_year}/{(start_year + 1) % 100:02d}",
    )


def calendar_year(year: int) -> Period:
    return Period(start=date(year, 1, 1), end=date(year, 12, 31), label=str(year))


_FY = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_CY = re.compile(r"^\s*(\d{4})\s*$")


def parse_period(text: str, kind: PeriodKind = PeriodKind.FINANCIAL) -> Period:
    """``2022/23``, ``2022-23`` or ``2022/2023`` as a financial year; ``2022`` as a calendar
    year when ``kind`` is calendar. A bare year is refused for financial years because it
    is ambiguous (the seed response's own table mixes ``2018`` with ``2022/23``)."""
    if kind is PeriodKind.CALENDAR:
        m = _CY.match(text)
        if not m:
            raise InputError(f"{text!r} is not a calendar year (write it as 2022)")
        return calendar_year(int(m.group(1)))
    m = _FY.match(text)
    if not m:
        hint = " (a bare year is ambiguous: say 2022/23, or ask for calendar years)"
        hint = hint if _CY.match(text) else ""
        raise InputError(f"{text!r} is not a financial year; write it as 2022/23{hint}")
    first, second = int(m.group(1)), m.group(2)
    expected = first + 1
    got = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
    if len(second) == 2 and got < first:
        got += 100  # 1999/00
    if got != expected:
        raise InputError(
            f"{text!r} is not a financial year: {first} must be followed by {expected}"
        )
    return financial_year(first)


def periods_between(first: Period, last: Period, kind: PeriodKind) -> list[Period]:
    """Every period from ``first`` to ``last`` inclusive, oldest first."""
    if last.start < first.start:
        raise InputError(f"the period {first.label} comes after {last.label}")
    make = financial_year if kind is PeriodKind.FINANCIAL else calendar_year
    return [make(y) for y in range(first.start.year, last.start.year + 1)]


def period_of(day: date, kind: PeriodKind) -> Period:
    if kind is PeriodKind.FINANCIAL:
        return financial_year(financial_year_start(day))
    return calendar_year(day.year)


def recent_periods(today: date, count: int, kind: PeriodKind) -> list[Period]:
    """The ``count`` periods up to and including the current one (the default range)."""
    current = period_of(today, kind)
    make = financial_year if kind is PeriodKind.FINANCIAL else calendar_year
    return [make(current.start.year - k) for k in range(count - 1, -1, -1)]


def unfinished(periods: Sequence[Period], today: date) -> list[str]:
    """Notes for a table's periods that are not over on ``today``: a requester reading
    "the last five years" should see that the current one holds only part of a year."""
    notes = []
    for q in periods:
        if q.start <= today < q.end:
            notes.append(f"{q.label} is not over: its figures are to {today:%d/%m/%Y}.")
        elif today < q.start:
            notes.append(f"{q.label} had not begun on {today:%d/%m/%Y}: nothing is counted in it.")
    return notes
