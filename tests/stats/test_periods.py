"""Financial years (1 April - 31 March, labelled 2022/23) and calendar years."""

from __future__ import annotations

from datetime import date

import pytest

from datawash.errors import InputError
from datawash.stats.periods import (
    PeriodKind,
    financial_year_of,
    parse_period,
    period_of,
    periods_between,
    recent_periods,
)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2023, 3, 31), "2022/23"),
        (date(2023, 4, 1), "2023/24"),
        (date(2023, 4, 5), "2023/24"),  # the tax year would still say 2022/23 until 6 April
        (date(2019, 1, 1), "2018/19"),
        (date(2000, 3, 31), "1999/00"),
        (date(2000, 4, 1), "2000/01"),
    ],
)
def test_financial_year_boundaries(day: date, label: str) -> None:
    assert financial_year_of(day) == label
    fy = period_of(day, PeriodKind.FINANCIAL)
    assert day in fy and fy.label == label


def test_calendar_year_on_request() -> None:
    assert period_of(date(2023, 3, 31), PeriodKind.CALENDAR).label == "2023"
    assert parse_period("2021", PeriodKind.CALENDAR).end == date(2021, 12, 31)


@pytest.mark.parametrize("text", ["2022/23", "2022-23", "2022/2023", "FY2022/23", " 2022 / 23 "])
def test_parse_financial_year_forms(text: str) -> None:
    p = parse_period(text)
    assert (p.start, p.end, p.label) == (date(2022, 4, 1), date(2023, 3, 31), "2022/23")


def test_parse_refuses_ambiguous_and_impossible_years() -> None:
    with pytest.raises(InputError, match="ambiguous"):
        parse_period("2022")
    with pytest.raises(InputError, match="2022 must be followed by 2023"):
        parse_period("2022/24")
    with pytest.raises(InputError, match="not a calendar year"):
        parse_period("2022/23", PeriodKind.CALENDAR)
    assert parse_period("1999/00").label == "1999/00"


def test_ranges_are_inclusive_and_ordered() -> None:
    years = periods_between(parse_period("2018/19"), parse_period("2022/23"), PeriodKind.FINANCIAL)
    assert [p.label for p in years] == ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
    with pytest.raises(InputError, match="comes after"):
        periods_between(parse_period("2022/23"), parse_period("2018/19"), PeriodKind.FINANCIAL)
    recent = recent_periods(date(2023, 1, 20), 5, PeriodKind.FINANCIAL)
    assert [p.label for p in recent][-1] == "2022/23" and len(recent) == 5
