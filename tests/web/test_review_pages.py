"""The web adapter with Flask's test client: sign-in (wrong password, lockout), a person
reviewed end to end under dual control by two users, a rejection's reason back to the
decider, CSRF refused, idle timeout, headers, 403 for a role, names never in URLs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from datawash import clock
from datawash.audit.models import AuditEvent
from datawash.config import Settings
from datawash.db import session_scope
from datawash.demo import ensure_demo_users
from datawash.web import create_app
from tests.conftest import TEST_PASSWORD
from tests.review.helpers import make_run


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(data_dir=tmp_path / "d")
    ensure_demo_users(s, password=TEST_PASSWORD)
    with session_scope(s) as session:
        make_run(session, {("P1", "R1"): "a", ("P1", "R2"): "b", ("P2", "R3"): "c"})
    return s


def client(settings: Settings) -> FlaskClient:
    return create_app(settings).test_client()


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "every form carries a CSRF token"
    return found.group(1).decode()


def sign_in(c: FlaskClient, user: str, password: str = TEST_PASSWORD) -> int:
    token = csrf(c.get("/sign-in").data)
    r = c.post("/sign-in", data={"username": user, "password": password, "csrf_token": token})
    return r.status_code


def test_sign_in_wrong_password_and_lockout(settings: Settings) -> None:
    c = client(settings)
    assert c.get("/review").status_code == 302  # not signed in: to the sign-in page
    assert sign_in(c, "riley.reviewer", "not the password") == 401
    for _ in range(5):
        sign_in(c, "riley.reviewer", "not the password")
    assert sign_in(c, "riley.reviewer") == 401  # locked, even with the right password
    with session_scope(settings) as s:
        actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert actions.count("auth.failed") >= 6 and "auth.signed_in" not in actions


def test_a_person_reviewed_end_to_end_under_dual_control(settings: Settings) -> None:
    riley, robin = client(settings), client(settings)
    assert sign_in(riley, "riley.reviewer") == 302 and sign_in(robin, "robin.reviewer") == 302
    queue = riley.get("/review")
    assert queue.status_code == 200 and b"P1" in queue.data
    assert queue.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in queue.headers["Content-Security-Policy"]
    page = riley.get("/review/P1")
    assert page.status_code == 200 and b"The person beside the record" in page.data
    form = {
        "csrf_token": csrf(page.data), "decision": "identity_confirmed",
        "reason": "dob and address agree", "mark-R1": "this_person",
        "mark-R2": "not_this_person", "why-R2": "born 1958",
    }  # fmt: skip
    assert riley.post("/review/P1/decide", data=form).status_code == 302
    inbox = robin.get("/review?view=countersign")
    assert b"P1" in inbox.data and b"awaiting countersignature" in inbox.data
    page = robin.get("/review/P1")
    sign = {"csrf_token": csrf(page.data), "outcome": "agree", "countersign_reason": "agreed"}
    wrong = robin.post("/review/P1/countersign", data={**sign, "password": "wrong"})
    assert wrong.status_code == 400  # the password again, to sign
    done = robin.post("/review/P1/countersign", data={**sign, "password": TEST_PASSWORD})
    assert done.status_code == 302
    assert b"identity confirmed" in riley.get("/review/P1").data
    with session_scope(settings) as s:
        views = s.scalars(select(AuditEvent).where(AuditEvent.action == "review.viewed")).all()
        assert {(e.actor, e.channel) for e in views} >= {("riley.reviewer", "web")}


def test_a_rejection_goes_back_with_its_reason(settings: Settings) -> None:
    riley, robin = client(settings), client(settings)
    sign_in(riley, "riley.reviewer")
    sign_in(robin, "robin.reviewer")
    page = riley.get("/review/P2")
    decision = {"decision": "not_the_person", "reason": "namesake", "mark-R3": "not_this_person"}
    riley.post("/review/P2/decide", data={"csrf_token": csrf(page.data), **decision})
    page = robin.get("/review/P2")
    robin.post("/review/P2/countersign", data={"csrf_token": csrf(page.data), "outcome": "reject",
               "countersign_reason": "check the address", "password": TEST_PASSWORD})  # fmt: skip
    back = riley.get("/review?view=returned")
    assert b"P2" in back.data and b"sent back" in back.data
    assert b"check the address" in riley.get("/review/P2").data


def test_bad_decisions_show_the_error_summary(settings: Settings) -> None:
    c = client(settings)
    sign_in(c, "riley.reviewer")
    page = c.get("/review/P1")
    decision = {"decision": "identity_confirmed", "reason": "x", "mark-R1": "this_person"}
    r = c.post("/review/P1/decide", data={"csrf_token": csrf(page.data), **decision})
    assert r.status_code == 400 and b"There is a problem" in r.data and b"unmarked: R2" in r.data
    odd = c.post("/review/P1/decide", data={"csrf_token": csrf(page.data), **decision,
                 "mark-R2": "maybe"})  # fmt: skip
    assert odd.status_code == 400 and b"unknown record mark" in odd.data


def test_csrf_is_required(settings: Settings) -> None:
    c = client(settings)
    sign_in(c, "riley.reviewer")
    r = c.post("/review/P2/decide", data={"decision": "not_the_person", "reason": "x",
                                          "mark-R3": "not_this_person"})  # fmt: skip
    assert r.status_code == 400 and b"form was too old" in r.data


def test_idle_sessions_end(settings: Settings) -> None:
    c = client(settings)
    with clock.frozen_at(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        sign_in(c, "riley.reviewer")
        assert c.get("/review").status_code == 200
    with clock.frozen_at(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=31)):
        r = c.get("/review")
        assert r.status_code == 302 and "idle" in r.headers["Location"]


def test_other_roles_get_nothing_of_the_review(settings: Settings) -> None:
    c = client(settings)
    assert sign_in(c, "fran.foi") == 302
    r = c.get("/review/P1")
    assert r.status_code == 403 and b"P1" not in r.data.replace(b"/review", b"")


def test_a_name_search_is_posted_never_in_the_url(settings: Settings) -> None:
    c = client(settings)
    sign_in(c, "riley.reviewer")
    page = c.get("/review")
    r = c.post("/review", data={"csrf_token": csrf(page.data), "search": "SurnameP2"})
    assert r.status_code == 200 and b"P2" in r.data and b"SurnameP1" not in r.data
    assert b"search=" not in r.data


def test_the_supervisors_dashboard_deadline_and_even_shares(settings: Settings) -> None:
    reviewer = client(settings)
    sign_in(reviewer, "riley.reviewer")
    assert reviewer.get("/supervise").status_code == 403  # a reviewer is refused
    sam = client(settings)
    sign_in(sam, "sam.supervisor")
    page = sam.get("/supervise")
    assert page.status_code == 200 and b"People to review" in page.data
    token = csrf(page.data)
    assert (
        sam.post(
            "/supervise/deadline", data={"csrf_token": token, "due_on": "2099-09-29"}
        ).status_code
        == 302
    )
    assert b"29/09/2099" in sam.get("/supervise").data
    bad = sam.post("/supervise/deadline", data={"csrf_token": token, "due_on": "soon"})
    assert bad.status_code == 400 and b"There is a problem" in bad.data
    shared = sam.post(
        "/supervise/assign",
        data={"csrf_token": token, "reviewers": ["riley.reviewer", "robin.reviewer"]},
    )
    assert shared.status_code == 302
    with session_scope(settings) as s:
        from datawash.review.models import ReviewItem

        owners = sorted(i.assigned_to or "" for i in s.scalars(select(ReviewItem)))
    assert owners == ["riley.reviewer", "robin.reviewer"]


def test_the_supervisor_moves_the_operating_point_on_the_dashboard(settings: Settings) -> None:
    sam = client(settings)
    sign_in(sam, "sam.supervisor")
    page = sam.get("/supervise")
    assert b"How far down the queue to work" in page.data and b"Not yet estimated" in page.data
    token = csrf(page.data)
    run_id = re.search(rb'name="run_id" value="(\d+)"', page.data)
    assert run_id is not None
    form = {"csrf_token": token, "run_id": run_id.group(1).decode()}
    moved = sam.post("/supervise/target", data={**form, "share": "90", "reason": "first pass"})
    assert moved.status_code == 302
    after = sam.get("/supervise").data
    assert b"Down to probability" in after and b"90%</td>" not in after
    assert b'90% <strong class="govuk-tag">target</strong>' in after
    for share, reason, message in (
        ("lots", "x", b"the share is a per cent"),
        ("150", "x", b"between 50% and 100%"),
        ("0.97", "x", b"between 50% and 100%"),  # the field is in per cent
        ("95", "", b"say why the operating point is moved"),
    ):
        bad = sam.post("/supervise/target", data={**form, "share": share, "reason": reason})
        assert bad.status_code == 400 and b"There is a problem" in bad.data and message in bad.data
    reviewer = client(settings)
    sign_in(reviewer, "riley.reviewer")
    refused = reviewer.post("/supervise/target",
                            data={**form, "csrf_token": csrf(reviewer.get("/review").data),
                                  "share": "80", "reason": "x"})  # fmt: skip
    assert refused.status_code == 403


def test_a_supervisor_reopens_and_a_second_supervisor_countersigns(settings: Settings) -> None:
    from datawash.auth.service import add_user, get_actor

    with session_scope(settings) as s:
        add_user(s, get_actor(s, "admin"), username="sasha.supervisor", role="supervisor",
                 password=TEST_PASSWORD)  # fmt: skip
    riley, robin, sam, sasha = (client(settings) for _ in range(4))
    for c, user in ((riley, "riley.reviewer"), (robin, "robin.reviewer"), (sam, "sam.supervisor"),
                    (sasha, "sasha.supervisor")):  # fmt: skip
        sign_in(c, user)
    page = riley.get("/review/P2")
    decision = {"decision": "not_the_person", "reason": "namesake", "mark-R3": "not_this_person"}
    riley.post("/review/P2/decide", data={"csrf_token": csrf(page.data), **decision})
    page = robin.get("/review/P2")
    robin.post("/review/P2/countersign", data={"csrf_token": csrf(page.data), "outcome": "agree",
               "countersign_reason": "ok", "password": TEST_PASSWORD})  # fmt: skip
    page = sam.get("/review/P2")
    assert b"Reopen" in page.data and b"Next person" in page.data
    sam.post(
        "/review/P2/reopen", data={"csrf_token": csrf(page.data), "reopen_reason": "new intel"}
    )
    page = sasha.get("/review/P2")
    sasha.post("/review/P2/countersign", data={"csrf_token": csrf(page.data), "outcome": "agree",
               "countersign_reason": "agreed", "password": TEST_PASSWORD})  # fmt: skip
    assert b"State: <strong>new</strong>" in riley.get("/review/P2").data


def test_blind_first_look_hides_the_score_until_identity_is_decided(settings: Settings) -> None:
    from datawash.auth.service import get_actor
    from datawash.safeguards.service import change

    with session_scope(settings) as s:
        change(s, get_actor(s, "admin"), name="blind_first_look", raw_value="on", reason="trial")
    c = client(settings)
    sign_in(c, "riley.reviewer")
    page = c.get("/review/P2")
    assert b"Blind first look" in page.data and b"probability" not in page.data
    decision = {"decision": "not_the_person", "reason": "namesake", "mark-R3": "not_this_person"}
    c.post("/review/P2/decide", data={"csrf_token": csrf(page.data), **decision})
    assert b"probability 0.970" in c.get("/review/P2").data


def test_the_weights_waterfall_adds_up_to_the_pairs_probability() -> None:
    import itertools
    import math
    from types import SimpleNamespace

    from datawash.web.review import waterfall

    c = SimpleNamespace(match_probability=0.9, explanation=[
        {"field": "surname", "level": "exact", "weight": 6.0},
        {"field": "date of birth", "level": "different", "weight": -8.5},
        {"field": "postcode", "level": "exact", "weight": 3.0}])  # fmt: skip
    steps, lo, hi = waterfall(c)
    assert [s.label for s in steps][1:] == [
        "date of birth: different", "surname: exact", "postcode: exact"]  # fmt: skip
    assert steps[-1].end == pytest.approx(math.log2(0.9 / 0.1))
    for before, after in itertools.pairwise(steps):
        assert after.start == pytest.approx(before.end)
    assert lo <= min(s.end for s in steps) and hi >= max(s.end for s in steps)


def test_a_supervisor_assigns_the_people_ticked_on_the_queue(settings: Settings) -> None:
    sam, riley = client(settings), client(settings)
    sign_in(sam, "sam.supervisor")
    sign_in(riley, "riley.reviewer")
    queue = sam.get("/review")
    assert b'id="assign-form"' in queue.data and b"robin.reviewer" in queue.data
    assert b'id="assign-form"' not in riley.get("/review").data  # reviewers cannot assign
    form = {"csrf_token": csrf(queue.data), "person": ["P1", "P2"], "reviewer": "robin.reviewer",
            "back": "//elsewhere.example/"}  # fmt: skip
    r = sam.post("/review/assign", data=form)
    assert r.status_code == 302 and r.headers["Location"] == "/review"  # never off-site
    mine = sam.get("/review")
    assert mine.data.count(b'<td class="govuk-table__cell">robin.reviewer</td>') == 2
    riley_token = csrf(riley.get("/review").data)
    refused = riley.post("/review/assign", data={**form, "csrf_token": riley_token})
    assert refused.status_code == 403
    nobody = sam.post("/review/assign", data={"csrf_token": csrf(mine.data), "reviewer": "x"})
    assert nobody.status_code == 400 and b"tick at least one person" in nobody.data


def test_the_dashboard_says_how_the_run_found_its_hits(settings: Settings) -> None:
    import json

    from datawash.wash.models import WashRun

    level = {"label_for_charts": "exact match", "m_probability": 0.8, "u_probability": 0.01}
    surname = {"output_column_name": "surname",
               "comparison_levels": [{"is_null_level": True}, level]}  # fmt: skip
    with session_scope(settings) as s:
        run = s.scalars(select(WashRun)).one()
        run.n_records = 1234
        run.settings = {"learning": {"labels": 40, "matches": 25, "operating_threshold": 0.123,
                                     "people_to_review": 77,
                                     "held_out": {"precision": 0.9, "precision_without_labels": 0.6,
                                                  "recall": 0.95, "recall_without_labels": 1.0,
                                                  "target_share": 0.97}}}  # fmt: skip
        run.model_json = json.dumps(
            {"probability_two_random_records_match": 0.0001, "comparisons": [surname]}
        )
    sam = client(settings)
    sign_in(sam, "sam.supervisor")
    page = sam.get("/supervise").data.decode()
    assert "1,234" in page and "exact match" in page
    assert "+6.3" in page  # log2(0.8 / 0.01)
    assert "40 (25 this person)" in page and "0.900 (0.600)" in page
    assert "work the queue down to probability 0.123: 77 people not yet decided" in page


def test_keep_alive_and_the_sign_in_page_ending_a_live_session(settings: Settings) -> None:
    c = client(settings)
    sign_in(c, "riley.reviewer")
    token = csrf(c.get("/review").data)
    assert c.post("/session/keep-alive", headers={"X-CSRFToken": token}).status_code == 204
    assert c.post("/session/keep-alive").status_code == 400  # no CSRF token: refused
    # Where the idle warning sends the browser: a session still in use (another tab) is
    # not ended by loading the page...
    assert c.get("/sign-in?ended=idle").headers.get("Location") == "/review"
    assert c.get("/review").status_code == 200
    # ...one idle for 30 minutes on the server is, and the end is audited.
    later = datetime.now(UTC) + timedelta(minutes=31)
    with clock.frozen_at(later):
        page = c.get("/sign-in?ended=idle")
        assert page.status_code == 200 and b"Sign in" in page.data
        assert c.get("/review").status_code == 302
    with session_scope(settings) as s:
        reasons = [e.after for e in s.scalars(select(AuditEvent)) if e.action == "auth.signed_out"]
    assert reasons, "the end of the session is in the audit log"


def test_wrong_passwords_at_countersigning_count_towards_lockout(settings: Settings) -> None:
    riley, robin = client(settings), client(settings)
    sign_in(riley, "riley.reviewer")
    sign_in(robin, "robin.reviewer")
    page = riley.get("/review/P1")
    riley.post("/review/P1/decide", data={
        "csrf_token": csrf(page.data), "decision": "identity_confirmed", "reason": "agree",
        "mark-R1": "this_person", "mark-R2": "not_this_person"})  # fmt: skip
    token = csrf(robin.get("/review/P1").data)
    sign = {"csrf_token": token, "outcome": "agree", "countersign_reason": "ok"}
    for _ in range(5):
        assert (
            robin.post("/review/P1/countersign", data={**sign, "password": "x"}).status_code == 400
        )
    # Locked now, even with the right password, here and at sign-in.
    locked = robin.post("/review/P1/countersign", data={**sign, "password": TEST_PASSWORD})
    assert locked.status_code == 400 and b"locked" in locked.data
    assert sign_in(client(settings), "robin.reviewer") == 401
