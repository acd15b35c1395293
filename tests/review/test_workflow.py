import itertools

import pytest

from datawash.errors import ForbiddenTransition, InputError
from datawash.review.workflow import ALLOWED, Referral, State, check_transition, parse_referral


@pytest.mark.parametrize(("current", "target"), list(itertools.product(State, State)))
def test_every_edge(current: State, target: State) -> None:
    if (current, target) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(ForbiddenTransition, match=f"cannot go from {current.value}"):
            check_transition(current, target)


def test_referral_only_with_referred() -> None:
    assert parse_referral("vetting_review", State.REFERRED) is Referral.VETTING_REVIEW
    with pytest.raises(InputError, match="say where"):
        parse_referral(None, State.REFERRED)
    with pytest.raises(InputError, match="only given with"):
        parse_referral("vetting_review", State.ASSESSED)
    with pytest.raises(InputError, match="unknown referral"):
        parse_referral("prison", State.REFERRED)


def test_reopening_is_a_supervisors_edge_from_every_decided_state() -> None:
    from datawash.review.workflow import PERMISSION

    for state in State:
        if state is not State.NEW:
            assert PERMISSION[(state, State.NEW)] == "review.reopen"
    assert all(p == "review.decide" for (c, t), p in PERMISSION.items() if t is not State.NEW)


def test_the_marks_say_what_the_person_is() -> None:
    from datawash.review.workflow import check_marks, identity_of
    from datawash.vocabulary import RecordIdentity as I

    assert identity_of([I.THIS_PERSON, I.NOT_THIS_PERSON]) is State.IDENTITY_CONFIRMED
    assert identity_of([I.UNSURE, I.NOT_THIS_PERSON]) is State.NEEDS_INFORMATION
    assert identity_of([I.NOT_THIS_PERSON, I.NOT_THIS_PERSON]) is State.NOT_THE_PERSON
    assert identity_of([I.THIS_PERSON, I.UNMARKED]) is None
    with pytest.raises(InputError, match="unmarked: R2"):
        check_marks(State.IDENTITY_CONFIRMED, {"R1": I.THIS_PERSON, "R2": I.UNMARKED})
    with pytest.raises(InputError, match="say needs_information"):
        check_marks(State.NOT_THE_PERSON, {"R1": I.UNSURE})
