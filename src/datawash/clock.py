"""The one clock: UTC instants for timestamps, the UK local date (Europe/London) for days.

Every service asks this module for "now" and "today", so a test (or a replay) can set the
time in one place with :func:`frozen_at`, and a decision made at 00:30 BST on 1 April is
counted in the financial year that a person in England would say it was made in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _source().astimezone(UTC)


def today() -> date:
    """Today's date in the UK (Europe/London), whatever the machine's timezone."""
    return now().astimezone(UK).date()


def uk_date(instant: datetime) -> date:
    """The UK calendar date of an instant."""
    return instant.astimezone(UK).date()


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Run a block as if it were ``instant`` (timezone-aware), then restore the clock."""
    global _source
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    previous = _source
    _source = lambda: instant  # noqa: E731
    try:
        yield
    finally:
        _source = previous
