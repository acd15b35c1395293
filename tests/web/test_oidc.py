"""Sign-in with the force's identity provider (a fake one on loopback): the provider
proves who, the datawash account says what; unknown, deactivated and wrong-audience
sign-ins are refused; countersigning needs a fresh sign-in at the provider."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import select

from datawash.audit.models import AuditEvent
from datawash.config import Settings
from datawash.db import session_scope
from datawash.demo import ensure_demo_users
from datawash.web import create_app
from tests.conftest import TEST_PASSWORD
from tests.review.helpers import make_run
from tests.web.fake_idp import CLIENT_ID, CLIENT_SECRET, FakeIdP, running_idp
from tests.web.test_review_pages import csrf, sign_in


@pytest.fixture
def idp() -> Iterator[FakeIdP]:
    with running_idp() as provider:
        yield provider


@pytest.fixture
def settings(tmp_path: Path, idp: FakeIdP) -> Settings:
    s = Settings(data_dir=tmp_path / "d", oidc_issuer=idp.issuer, oidc_client_id=CLIENT_ID,
                 oidc_client_secret=CLIENT_SECRET,
                 oidc_username_claim="preferred_username")  # fmt: skip
    ensure_demo_users(s, password=TEST_PASSWORD)
    with session_scope(s) as session:
        make_run(session, {("P1", "R1"): "a"})
    return s


def through_idp(c: FlaskClient, start: str) -> tuple[int, str]:
    """Follow the browser's round trip: datawash -> provider -> datawash's callback."""
    to_idp = c.get(start)
    assert to_idp.status_code == 302
    back = requests.get(to_idp.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    parts = urlsplit(back.headers["Location"])
    hop = c.get(parts.path + "?" + parts.query)  # the provider's cross-site return...
    assert hop.status_code == 200 and b'http-equiv="refresh"' in hop.data
    found = re.search(rb'url=([^"]+)"', hop.data)
    assert found, "the page moves the browser on"
    target = html.unescape(found.group(1).decode())
    assert target.startswith("/sign-in/oidc/finish?")  # ...on to this site, cookie and all
    done = c.get(target)
    return done.status_code, done.headers.get("Location", "")


def test_signed_in_by_the_provider_with_the_role_held_here(
    settings: Settings, idp: FakeIdP
) -> None:
    c = create_app(settings).test_client()
    assert b"Sign in with your force account" in c.get("/sign-in").data
    status, where = through_idp(c, "/sign-in/oidc?next=/review/P1")
    assert (status, where) == (302, "/review/P1")
    assert b"Signed in as riley.reviewer (reviewer)" in c.get("/review").data
    assert c.get("/supervise").status_code == 403  # the role is datawash's, not the provider's
    with session_scope(settings) as s:
        signed = [e for e in s.scalars(select(AuditEvent)) if e.action == "auth.signed_in"]
    assert signed[-1].after == {"method": "oidc"}


@pytest.mark.parametrize("who", ["nobody.here", "pat.psd"])
def test_unknown_or_deactivated_accounts_are_refused(
    settings: Settings, idp: FakeIdP, who: str
) -> None:
    from datawash.auth import service as auth
    from datawash.auth.service import get_actor

    with session_scope(settings) as s:
        auth.deactivate(s, get_actor(s, "admin"), username="pat.psd", reason="left the force")
    idp.user = who
    c = create_app(settings).test_client()
    status, _ = through_idp(c, "/sign-in/oidc")
    assert status == 401
    assert c.get("/review").status_code == 302  # not signed in


def test_a_token_for_another_application_is_refused(settings: Settings, idp: FakeIdP) -> None:
    idp.audience = "some-other-client"
    c = create_app(settings).test_client()
    assert through_idp(c, "/sign-in/oidc")[0] == 401
    assert c.get("/review").status_code == 302


def test_an_offsite_next_is_ignored(settings: Settings) -> None:
    c = create_app(settings).test_client()
    assert through_idp(c, "/sign-in/oidc?next=//evil.example/x") == (302, "/review")


def test_countersigning_needs_a_fresh_sign_in_at_the_provider(
    settings: Settings, idp: FakeIdP
) -> None:
    riley = create_app(settings).test_client()
    sign_in(riley, "riley.reviewer")  # a local password account decides
    page = riley.get("/review/P1")
    riley.post("/review/P1/decide", data={
        "csrf_token": csrf(page.data), "decision": "identity_confirmed", "reason": "agree",
        "mark-R1": "this_person"})  # fmt: skip
    idp.user = "robin.reviewer"
    robin = create_app(settings).test_client()
    through_idp(robin, "/sign-in/oidc")
    page = robin.get("/review/P1")
    assert b"Confirm it is you with your force account" in page.data
    sign = {"csrf_token": csrf(page.data), "outcome": "agree", "countersign_reason": "agreed"}
    refused = robin.post("/review/P1/countersign", data=sign)
    assert refused.status_code == 400 and b"confirm it is you" in refused.data
    idp.auth_age_seconds = 3600  # the provider's session was old: not a fresh sign-in
    assert through_idp(robin, "/sign-in/oidc?reauth=1&next=/review/P1")[0] == 401
    idp.auth_age_seconds = 0
    assert through_idp(robin, "/sign-in/oidc?reauth=1&next=/review/P1") == (302, "/review/P1")
    assert idp.prompts[-1] == "login"  # the provider was asked to ask for the password
    done = robin.post("/review/P1/countersign", data=sign)
    assert done.status_code == 302
    assert b"identity confirmed" in robin.get("/review/P1").data
    again = robin.post("/review/P1/countersign", data=sign)  # one confirmation, one signature
    assert again.status_code in (400, 409)


def test_a_provider_that_cannot_be_reached_is_a_clear_refusal(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "d", oidc_issuer="http://127.0.0.1:9",
                 oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
                 oidc_username_claim="preferred_username")  # fmt: skip
    c = create_app(s).test_client()
    r = c.get("/sign-in/oidc")
    assert r.status_code == 401 and b"could not be reached" in r.data


def test_the_username_claim_must_be_chosen(tmp_path: Path, idp: FakeIdP) -> None:
    from datawash.errors import InputError

    s = Settings(data_dir=tmp_path / "d", oidc_issuer=idp.issuer, oidc_client_id=CLIENT_ID)
    with pytest.raises(InputError, match="USERNAME_CLAIM"):
        create_app(s)


@pytest.mark.parametrize("bad", ["/%09/evil.example/x", "/\\evil.example", "/\t/evil",
                                 "https://evil.example/", "/ok\nSet-Cookie:x"])  # fmt: skip
def test_next_is_never_off_site(bad: str) -> None:
    from urllib.parse import unquote

    from datawash.web.oidc import safe_next

    assert safe_next(unquote(bad)) is None
    assert safe_next("/review/P1?view=countersign") == "/review/P1?view=countersign"


def test_a_refused_countersignature_keeps_the_confirmation_which_is_kept_on_the_server(
    settings: Settings, idp: FakeIdP
) -> None:
    riley = create_app(settings).test_client()
    sign_in(riley, "riley.reviewer")
    page = riley.get("/review/P1")
    riley.post("/review/P1/decide", data={
        "csrf_token": csrf(page.data), "decision": "identity_confirmed", "reason": "agree",
        "mark-R1": "this_person"})  # fmt: skip
    idp.user = "robin.reviewer"
    robin = create_app(settings).test_client()
    through_idp(robin, "/sign-in/oidc")
    through_idp(robin, "/sign-in/oidc?reauth=1&next=/review/P1")
    token = csrf(robin.get("/review/P1").data)
    # A refused countersignature (no reason) does not use the confirmation up...
    refused = robin.post("/review/P1/countersign", data={"csrf_token": token, "outcome": "agree"})
    assert refused.status_code == 400
    sign = {"csrf_token": token, "outcome": "agree", "countersign_reason": "agreed"}
    assert robin.post("/review/P1/countersign", data=sign).status_code == 302
    # ...and it is used up on the server, not in the cookie: a copy of the cookie from
    # before the signature holds nothing that could sign again.
    from datawash.auth.models import WebSession

    with session_scope(settings) as s:
        rows = s.scalars(select(WebSession).where(WebSession.username == "robin.reviewer")).all()
        assert rows and all(r.reauthenticated_at is None for r in rows)


def test_users_are_bound_to_their_provider_account(settings: Settings, idp: FakeIdP) -> None:
    from datawash.auth.service import bound_subject

    c = create_app(settings).test_client()
    assert through_idp(c, "/sign-in/oidc")[0] == 302  # riley, first time: bound
    with session_scope(settings) as s:
        assert bound_subject(s, "riley.reviewer") == f"{idp.issuer}|sub-riley.reviewer"
        assert any(e.action == "auth.oidc_bound" for e in s.scalars(select(AuditEvent)))
    # Another provider account whose username claim was edited to riley's: refused.
    idp.subject = "sub-someone-else"
    assert through_idp(create_app(settings).test_client(), "/sign-in/oidc")[0] == 401
    # Riley's own provider account claiming to be the administrator: refused.
    idp.subject, idp.user = "sub-riley.reviewer", "admin"
    assert through_idp(create_app(settings).test_client(), "/sign-in/oidc")[0] == 401
    idp.subject, idp.user = None, "riley.reviewer"
    assert through_idp(create_app(settings).test_client(), "/sign-in/oidc")[0] == 302
