"""Regressions from the review of the dual-control work: a wash that plays records in and
out, decisions on evidence that moved, numbering races, personal data in messages."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from datawash.auth.models import User
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import Conflict, DualControlError, InputError, ValidationFailed
from datawash.review import bulk
from datawash.review import service as review
from datawash.vocabulary import RecordIdentity
from tests.review.helpers import REV1, REV2, decided, make_run, propose


def test_a_record_that_comes_back_unchanged_reopens_nothing(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b"})
        decided(s, "P1", "not_the_person", "closed")
        make_run(s, {("P2", "R2"): "b"})  # P1 left out of one wash …
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b"})  # … and back as it was
        assert review._item(s, "P1").state == "closed"
        assert [d.kind for d in review._item(s, "P1").decisions] == ["decision", "decision"]


def test_a_pending_decision_on_evidence_that_moved_is_withdrawn(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P1", "R2"): "b"})
        propose(s, "P1", "identity_confirmed")
        seen = review._item(s, "P1").version
        make_run(s, {("P1", "R2"): "b"})  # R1 is no longer proposed
        item = review._item(s, "P1")
        assert item.version > seen
        assert [d.status for d in item.decisions] == ["withdrawn"]
        with pytest.raises(InputError, match="no decision awaiting"):
            review.countersign(s, REV2, person_id="P1", reason="agree")
        with pytest.raises(Conflict):
            propose(s, "P1", "not_the_person", expected_version=seen)


def test_a_referral_countersigned_after_its_record_lost_its_mark_is_refused(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        decided(s, "P1", "identity_confirmed")
        propose(
            s,
            "P1",
            "referred",
            referral="misconduct_investigation",
            allegations=[review.AllegationChoice("E-R1")],
        )
        # The mark changes under the pending decision (as a bypassing change would).
        for c in review._item(s, "P1").candidates:
            c.identity = RecordIdentity.NOT_THIS_PERSON.value
        with pytest.raises(InputError, match="changed since this decision"):
            review.countersign(s, REV2, person_id="P1", reason="agree")


def test_each_chosen_event_is_an_allegation(settings: Settings) -> None:
    from datawash.cases.models import Allegation
    from datawash.wash.models import WashEvent

    with session_scope(settings) as s:
        run = make_run(s, {("P1", "R1"): "a"})
        s.add(
            WashEvent(
                run_id=run,
                event_id="E-2",
                record_id="R1",
                event_type="crime",
                role="suspect",
                offence_code="19C",
            )
        )
        s.flush()
        decided(s, "P1", "identity_confirmed")
        propose(
            s,
            "P1",
            "referred",
            referral="misconduct_investigation",
            allegations=[review.AllegationChoice("E-R1"), review.AllegationChoice("E-2")],
        )
        review.countersign(s, REV2, person_id="P1", reason="agree")
        assert len(s.scalars(select(Allegation)).all()) == 2


def test_a_decider_who_can_no_longer_act_cannot_be_countersigned(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a"})
        propose(s, "P1", "not_the_person")
        user = s.get(User, REV1.username)
        assert user is not None
        user.active = False
        with pytest.raises(DualControlError, match="can no longer act"):
            review.countersign(s, REV2, person_id="P1", reason="agree")
        review.countersign(s, REV2, person_id="P1", reason="decider left", reject=True)


def test_a_duplicate_made_at_the_same_moment_is_a_conflict(settings: Settings) -> None:
    from datawash.cases.models import Case

    with pytest.raises(Conflict), session_scope(settings) as s:
        s.add(Case(case_id="DW-1", recorded_on=date(2023, 1, 1), source="data_wash"))
        s.flush()
        s.add(Case(case_id="DW-1", recorded_on=date(2023, 1, 1), source="data_wash"))


def test_bulk_messages_never_repeat_the_cell(sqlite_settings: Settings, tmp_path: Path) -> None:
    with session_scope(sqlite_settings) as s:
        make_run(s, {("P1", "R1"): "a"})
    f = tmp_path / "d.csv"
    f.write_text(
        "person_id,decision,reason,records,version\n"
        "P1,not_the_person,x,R1 not_this_person: John Smith born 12/03/1958,\n"
        "P1,not_the_person,x,R1=not_this_person,\u00b2\n"
    )
    with pytest.raises(ValidationFailed) as err, session_scope(sqlite_settings) as s:
        bulk.decide_from_file(s, REV1, f)
    text = str(err.value)
    assert "Smith" not in text and "1958" not in text
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "records"), (2, "version")]


def test_the_os_account_comes_from_the_process_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datawash.cli.common import os_account

    monkeypatch.setenv("LOGNAME", "chief.constable")
    monkeypatch.setenv("USER", "chief.constable")
    name = os_account()
    assert name != "chief.constable" and len(name) <= 64
    assert name == __import__("pwd").getpwuid(os.getuid()).pw_name


def test_repeated_refusals_lock_the_account(settings: Settings) -> None:
    from datawash.actor import Channel
    from datawash.auth import service as auth
    from datawash.errors import AccountLocked, AuthenticationFailed

    with session_scope(settings) as s:
        auth.add_user(s, None, username="ada", role="administrator", password="the admin pw!")
        auth.add_user(
            s, auth.get_actor(s, "ada"), username="riley", role="reviewer", password="riley's pw!!"
        )
    for _ in range(auth.LOCKOUT_AFTER):
        with session_scope(settings) as s:
            auth.record_failed_attempt(s, "riley", channel=Channel.CLI, os_account=None)
    with pytest.raises(AccountLocked), session_scope(settings) as s:
        auth.authenticate(s, "riley", "riley's pw!!", channel=Channel.CLI)
    with pytest.raises(AuthenticationFailed), session_scope(settings) as s:
        auth.authenticate(s, "riley", "wrong", channel=Channel.CLI)
    with session_scope(settings) as s:  # a new password unlocks
        auth.set_password(s, auth.get_actor(s, "ada"), username="riley", password="a fresh pw!!")
    with session_scope(settings) as s:
        assert (
            auth.authenticate(s, "riley", "a fresh pw!!", channel=Channel.CLI).username == "riley"
        )
