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
