"""s10: the 20th working day after receipt, across UK-wide holidays and clock stops."""

from __future__ import annotations

from datetime import date

import pytest

from datawash.foi.deadlines import (
    ClockStop,
    add_working_days,
    due_date,
    is_working_day,
    non_working_reason,
    working_days_between,
)


def test_plain_four_weeks() -> None:
    # Received Monday 6 February 2023 (no holidays) -> Monday 6 March 2023.
    assert due_date(date(2023, 2, 6)).due_on == date(2023, 3, 6)
    # From 6 March, St Patrick's Day (17 March, Northern Ireland) moves it to 4 April.
    assert due_date(date(2023, 3, 6)).due_on == date(2023, 4, 4)


def test_easter_good_friday_and_easter_monday() -> None:
    # Received Mon 27 March 2023; Good Friday 7 April and Easter Monday 10 April excluded.
    assert due_date(date(2023, 3, 27)).due_on == date(2023, 4, 26)
    assert "Good Friday" in (non_working_reason(date(2023, 4, 7)) or "")


def test_christmas_and_boxing_day_and_scottish_new_year() -> None:
    # 2022: 25 Dec a Sunday (27 Dec substitute), 26 Dec Boxing Day; 2023: 2 Jan everywhere,
    # 3 Jan in Scotland only - it still counts, as a bank holiday in any part of the UK.
    assert not is_working_day(date(2022, 12, 26))
    assert not is_working_day(date(2022, 12, 27))
    assert not is_working_day(date(2023, 1, 2))
    assert not is_working_day(date(2023, 1, 3))
    assert "SCT" in (non_working_reason(date(2023, 1, 3)) or "")
    # Received Fri 16 Dec 2022: working days 19-23, 28-30 Dec, 4-6, 9-13, 16-17 Jan.
    assert due_date(date(2022, 12, 16)).due_on == date(2023, 1, 19)


def test_northern_ireland_and_scottish_holidays_count() -> None:
    assert "NIR" in (non_working_reason(date(2023, 3, 17)) or "")  # St Patrick's Day
    assert "NIR" in (non_working_reason(date(2023, 7, 12)) or "")  # Battle of the Boyne
    assert "SCT" in (non_working_reason(date(2023, 8, 7)) or "")  # Scottish summer holiday
    # Received Mon 3 July 2023: 12 July (NI) excluded -> 1 Aug (not 31 July).
    assert due_date(date(2023, 7, 3)).due_on == date(2023, 8, 1)
    # Received Mon 24 July 2023: 7 Aug (Scotland only) excluded -> 22 Aug.
    assert due_date(date(2023, 7, 24)).due_on == date(2023, 8, 22)


def test_weekend_receipt_counts_from_next_working_day() -> None:
    assert add_working_days(date(2023, 3, 4), 1) == date(2023, 3, 6)  # Saturday -> Monday
    assert working_days_between(date(2023, 2, 6), date(2023, 3, 6)) == 20


def test_clarification_restarts_the_clock() -> None:
    received = date(2023, 2, 6)
    waiting = due_date(received, [ClockStop("clarification", date(2023, 2, 8), None)])
    assert waiting.due_on is None
    answered = due_date(received, [ClockStop("clarification", date(2023, 2, 8), date(2023, 2, 13))])
    # 20 working days from 13 February (s10(6)), not from 6 February.
    assert answered.due_on == date(2023, 3, 13)
    assert "clarification" in answered.explanation


def test_fee_notice_pauses_the_clock() -> None:
    received = date(2023, 2, 6)
    # Fees notice Fri 10 Feb, paid Fri 17 Feb: 10 and 13-17 Feb (6 working days, both ends
    # included, s10(2)) are not counted: due 14 March instead of 6 March.
    d = due_date(received, [ClockStop("fee", date(2023, 2, 10), date(2023, 2, 17))])
    assert d.paused_days == 6
    assert d.due_on == date(2023, 3, 14)
    assert due_date(received, [ClockStop("fee", date(2023, 2, 10), None)]).due_on is None


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
def test_christmas_day_never_a_working_day(year: int) -> None:
    assert not is_working_day(date(year, 12, 25))
