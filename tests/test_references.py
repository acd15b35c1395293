"""Numbers handed out under a prefix, and one-time claims, stay unique when sessions race
(threads with their own connections, SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from datawash.config import Settings
from datawash.db import next_number, session_scope
from datawash.errors import Conflict


def test_numbers_follow_what_was_used_and_never_repeat(settings: Settings) -> None:
    with session_scope(settings) as s:
        assert next_number(s, "FOI-2026-", at_least=3) == 4
        assert next_number(s, "FOI-2026-", at_least=3) == 5
        assert next_number(s, "FOI-2026-", at_least=9) == 10
        assert next_number(s, "DW-2026-") == 1
    got: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def take() -> None:
        try:
            barrier.wait(timeout=30)
            with session_scope(settings) as s:
                got.append(next_number(s, "FOI-2026-", at_least=3))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(got) == [11, 12, 13, 14]


def test_two_foi_requests_received_at_once_both_kept(settings: Settings) -> None:
    from datawash.foi.service import receive_request
    from tests.review.helpers import Actor, Role

    fran = Actor("fran", Role.FOI_OFFICER)
    refs: list[str] = []
    barrier = threading.Barrier(2)

    def receive(n: int) -> None:
        barrier.wait(timeout=30)
        with session_scope(settings) as s:
            req = receive_request(
                s,
                fran,
                received_on=date(2026, 2, 2),
                title=f"Request {n}",
                text="How many officers were dismissed?",
                requester_name="A Requester",
                today=date(2026, 2, 3),
            )
            refs.append(req.reference)

    threads = [threading.Thread(target=receive, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(refs) == ["FOI-2026-0001", "FOI-2026-0002"]


def test_only_one_first_administrator(settings: Settings) -> None:
    from datawash.auth.service import add_user

    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def first(name: str) -> None:
        try:
            with session_scope(settings) as s:
                barrier.wait(timeout=30)
                add_user(s, None, username=name, role="administrator")
            outcomes.append("made")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # the other path: it saw the first already there
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=first, args=(n,)) for n in ("ada", "eve")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("made") == 1, outcomes
    with session_scope(settings) as s:
        from datawash.auth.models import User

        assert s.query(User).count() == 1
    with pytest.raises(Conflict), session_scope(settings) as s:
        from datawash.db import claim_once

        claim_once(s, "first-administrator")
