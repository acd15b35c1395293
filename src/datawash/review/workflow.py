"""The review workflow in one table: the states, the decisions allowed from each, who may
make them, and what the per-record identity marks must say for each identity decision.

Under dual control every change a person makes (a reviewer's decision or a supervisor's
reopening) waits, pending, for a different person's countersignature before it takes
effect; a later wash that finds new evidence reopens an item at once (kind rewash).
"""

from __future__ import annotations

from collections.abc import Iterable

from datawash.errors import ForbiddenTransition, InputError
from datawash.vocabulary import RecordIdentity, Referral, ReviewState, parse

State = ReviewState
S = State
I = RecordIdentity  # noqa: E741

__all__ = [
    "ALLOWED",
    "DONE",
    "IDENTITY_DECISIONS",
    "PERMISSION",
    "Referral",
    "State",
    "check_marks",
    "check_transition",
    "parse_referral",
    "parse_state",
]

# (from, to) -> the permission needed to make that change.
PERMISSION: dict[tuple[State, State], str] = {
    (S.NEW, S.IDENTITY_CONFIRMED): "review.decide",  # it is our person
    (S.NEW, S.NOT_THE_PERSON): "review.decide",  # a namesake or relative
    (S.NEW, S.NEEDS_INFORMATION): "review.decide",  # unsure: needs more information
    (S.NEEDS_INFORMATION, S.IDENTITY_CONFIRMED): "review.decide",
    (S.NEEDS_INFORMATION, S.NOT_THE_PERSON): "review.decide",
    (S.IDENTITY_CONFIRMED, S.NOT_THE_PERSON): "review.decide",  # second look
    (S.IDENTITY_CONFIRMED, S.ASSESSED): "review.decide",  # events read, outcome to follow
    (S.IDENTITY_CONFIRMED, S.REFERRED): "review.decide",
    (S.IDENTITY_CONFIRMED, S.NO_FURTHER_ACTION): "review.decide",
    (S.ASSESSED, S.REFERRED): "review.decide",  # criminal, misconduct, vetting, …
    (S.ASSESSED, S.NO_FURTHER_ACTION): "review.decide",
    (S.NOT_THE_PERSON, S.CLOSED): "review.decide",
    (S.REFERRED, S.CLOSED): "review.decide",
    (S.NO_FURTHER_ACTION, S.CLOSED): "review.decide",
}
# A supervisor may send any decided item back to NEW (countersigned like any decision).
for _state in State:
    if _state is not S.NEW:
        PERMISSION[(_state, S.NEW)] = "review.reopen"
ALLOWED: frozenset[tuple[State, State]] = frozenset(PERMISSION)

# The person's review is finished in these states (done for progress, out of the default
# queue view).
DONE: frozenset[State] = frozenset({S.NOT_THE_PERSON, S.REFERRED, S.NO_FURTHER_ACTION, S.CLOSED})

# Decisions about identity: they carry a mark for every live candidate record, and the
# marks decide which of them is allowed.
IDENTITY_DECISIONS: frozenset[State] = frozenset(
    {S.IDENTITY_CONFIRMED, S.NOT_THE_PERSON, S.NEEDS_INFORMATION}
)


def check_transition(current: State, target: State) -> str:
    """The permission the change needs, or ForbiddenTransition naming what is allowed."""
    permission = PERMISSION.get((current, target))
    if permission is None:
        allowed = sorted(t.value for c, t in ALLOWED if c == current) or ["none"]
        raise ForbiddenTransition(
            f"cannot go from {current.value} to {target.value}; allowed: {', '.join(allowed)}"
        )
    return permission


def identity_of(marks: Iterable[RecordIdentity]) -> State | None:
    """What the records' marks say about the person: confirmed if any record is this
    person, not the person if every record is not, unsure if any is unsure; None while a
    record is unmarked."""
    marks = list(marks)
    if not marks:  # every candidate record disappeared in later washes
        return S.NOT_THE_PERSON
    if I.UNMARKED in marks:
        return None
    if I.THIS_PERSON in marks:
        return S.IDENTITY_CONFIRMED
    if I.UNSURE in marks:
        return S.NEEDS_INFORMATION
    return S.NOT_THE_PERSON


def check_marks(target: State, marks: dict[str, RecordIdentity]) -> None:
    """An identity decision must agree with the marks on every live record."""
    unmarked = sorted(r for r, m in marks.items() if m is I.UNMARKED)
    if unmarked:
        raise InputError(
            "mark every candidate record before deciding identity; unmarked: "
            + ", ".join(unmarked),
            field="records",
        )
    implied = identity_of(marks.values())
    if implied is not target:
        said = implied.value if implied else "nothing yet"
        raise InputError(
            f"the record marks say {said}, not {target.value}: a person is confirmed when "
            "any record is this_person, not the person when every record is not_this_person, "
            "and needs_information when a record is unsure and none is this_person",
            field="records",
        )


def parse_state(value: str) -> State:
    return parse(State, value, what="decision", field="decision")


def parse_identity(value: str) -> RecordIdentity:
    mark = parse(RecordIdentity, value, what="record mark", field="records")
    if mark is I.UNMARKED:
        raise InputError(
            "a record is marked this_person, not_this_person or unsure", field="records"
        )
    return mark


def parse_referral(value: str | None, target: State) -> Referral | None:
    if target is not S.REFERRED:
        if value:
            raise InputError(
                "a referral type is only given with the decision 'referred'", field="referral"
            )
        return None
    if not value or not value.strip():
        options = ", ".join(r.value for r in Referral)
        raise InputError(f"say where the person is referred: one of {options}", field="referral")
    return parse(Referral, value, what="referral", field="referral")


# Referrals that open a case in the misconduct register.
CASE_REFERRALS = frozenset(
    {Referral.CRIMINAL_INVESTIGATION, Referral.MISCONDUCT_INVESTIGATION, Referral.VETTING_REVIEW}
)
