"""The review workflow in one table: states, the allowed transitions, and which decisions
need a second person's countersignature."""

from __future__ import annotations

from enum import StrEnum

from datawash.errors import ForbiddenTransition, InputError


class State(StrEnum):
    NEW = "new"
    IDENTITY_CONFIRMED = "identity_confirmed"
    NOT_THE_PERSON = "not_the_person"
    ASSESSED = "assessed"
    REFERRED = "referred"
    NO_FURTHER_ACTION = "no_further_action"
    CLOSED = "closed"


class Referral(StrEnum):
    CRIMINAL_INVESTIGATION = "criminal_investigation"
    MISCONDUCT_INVESTIGATION = "misconduct_investigation"
    VETTING_REVIEW = "vetting_review"
    MANAGEMENT_INTERVENTION = "management_intervention"
    WELFARE_SUPPORT = "welfare_support"


S = State
ALLOWED: frozenset[tuple[State, State]] = frozenset(
    {
        (S.NEW, S.IDENTITY_CONFIRMED),  # reviewer: it is our person
        (S.NEW, S.NOT_THE_PERSON),  # reviewer: a namesake or relative
        (S.IDENTITY_CONFIRMED, S.ASSESSED),  # the linked events have been assessed
        (S.IDENTITY_CONFIRMED, S.NOT_THE_PERSON),  # second look: not our person after all
        (S.ASSESSED, S.REFERRED),  # referred on (criminal, misconduct, vetting, …)
        (S.ASSESSED, S.NO_FURTHER_ACTION),
        (S.NOT_THE_PERSON, S.CLOSED),
        (S.REFERRED, S.CLOSED),
        (S.NO_FURTHER_ACTION, S.CLOSED),
    }
)

# Decisions that take effect only when a different reviewer countersigns (dual control).
NEEDS_COUNTERSIGN: frozenset[State] = frozenset({S.IDENTITY_CONFIRMED, S.REFERRED})

# States in which the person's review is decided (counted as done for progress).
DONE: frozenset[State] = frozenset({S.NOT_THE_PERSON, S.REFERRED, S.NO_FURTHER_ACTION, S.CLOSED})

# A re-wash with new or changed candidates sends an item back to NEW from any state.
REOPENABLE: frozenset[State] = frozenset(set(State) - {S.NEW})


def check_transition(current: State, target: State) -> None:
    if (current, target) not in ALLOWED:
        allowed = sorted(t.value for c, t in ALLOWED if c == current) or ["none"]
        raise ForbiddenTransition(
            f"cannot go from {current.value} to {target.value}; allowed: {', '.join(allowed)}"
        )


def parse_state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        options = ", ".join(s.value for s in State)
        raise InputError(f"unknown decision {value!r}; one of: {options}") from None


def parse_referral(value: str | None, target: State) -> Referral | None:
    if target is not S.REFERRED:
        if value:
            raise InputError("a referral type is only given with the decision 'referred'")
        return None
    if not value:
        options = ", ".join(r.value for r in Referral)
        raise InputError(f"say where the person is referred: one of {options}")
    try:
        return Referral(value)
    except ValueError:
        options = ", ".join(r.value for r in Referral)
        raise InputError(f"unknown referral {value!r}; one of: {options}") from None
