"""The FOI request workflow in one table: statuses and the allowed moves between them."""

from __future__ import annotations

from enum import StrEnum

from datawash.errors import ForbiddenTransition


class Status(StrEnum):
    OPEN = "open"  # the clock is running
    AWAITING_CLARIFICATION = "awaiting_clarification"  # s1(3): clock restarts on reply
    AWAITING_FEE = "awaiting_fee"  # s9 fees notice: clock paused
    SENT = "sent"  # response sent
    WITHDRAWN = "withdrawn"  # withdrawn, or no clarification came


S = Status
ALLOWED: frozenset[tuple[Status, Status]] = frozenset(
    {
        (S.OPEN, S.AWAITING_CLARIFICATION),
        (S.AWAITING_CLARIFICATION, S.OPEN),
        (S.OPEN, S.AWAITING_FEE),
        (S.AWAITING_FEE, S.OPEN),
        (S.OPEN, S.SENT),
        (S.OPEN, S.WITHDRAWN),
        (S.AWAITING_CLARIFICATION, S.WITHDRAWN),
        (S.AWAITING_FEE, S.WITHDRAWN),
    }
)

# Questions can be edited and answered only while the request is open.
EDITABLE: frozenset[Status] = frozenset({S.OPEN, S.AWAITING_CLARIFICATION})


def check_transition(current: Status, target: Status) -> None:
    if (current, target) not in ALLOWED:
        allowed = sorted(t.value for c, t in ALLOWED if c == current) or ["none"]
        raise ForbiddenTransition(
            f"an FOI request cannot go from {current.value} to {target.value}; "
            f"allowed: {', '.join(allowed)}"
        )
