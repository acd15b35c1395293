"""In a real browser (Debian's Chromium driven by Playwright): two reviewers in two browser
contexts take one person through dual control, every page passes axe-core (WCAG 2.2 AA
rules), and the screenshots in docs/ are made here."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from datawash.config import Settings
from datawash.db import session_scope
from datawash.demo import ensure_demo_users
from datawash.web import create_app
from tests.conftest import TEST_PASSWORD
from tests.review.helpers import make_run

CHROMIUM = "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed in CI (.ci/run installs it)")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    settings = Settings(data_dir=tmp_path / "d")
    ensure_demo_users(settings, password=TEST_PASSWORD)
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P1", "R2"): "b", ("P2", "R3"): "c"})
    httpd = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def _axe(page: object) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})  # fmt: skip
    return [f"{v['id']}: {v['help']}" for v in result.response["violations"]]


def _sign_in(page: object, base: str, user: str) -> None:
    page.goto(f"{base}/sign-in")  # type: ignore[attr-defined]
    page.fill("#username", user)  # type: ignore[attr-defined]
    page.fill("#password", TEST_PASSWORD)  # type: ignore[attr-defined]
    page.click("button:has-text('Sign in')")  # type: ignore[attr-defined]


def test_dual_control_in_two_browsers_and_accessibility(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-sync"],
        )
        riley = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        robin = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        riley.goto(f"{server}/sign-in")
        assert _axe(riley) == []
        riley.fill("#username", "riley.reviewer")
        riley.fill("#password", "not the password")
        riley.click("button:has-text('Sign in')")
        expect(riley.locator(".govuk-error-summary")).to_be_visible()
        assert _axe(riley) == []
        riley.screenshot(path=str(DOCS / "screenshot-sign-in.png"))
        _sign_in(riley, server, "riley.reviewer")
        expect(riley.locator("h1")).to_have_text("Review queue")
        assert _axe(riley) == []
        riley.screenshot(path=str(DOCS / "screenshot-queue.png"), full_page=True)
        riley.click("a:has-text('P1')")
        assert _axe(riley) == []
        riley.check("#mark-R1")  # this person
        riley.check("#mark-R2-2")  # not this person
        riley.select_option("#decision", "identity_confirmed")
        riley.fill("#reason", "date of birth and address agree")
        riley.click("button:has-text('Record the decision')")
        expect(riley.locator("body")).to_contain_text("A different person must countersign it")
        riley.screenshot(path=str(DOCS / "screenshot-person.png"), full_page=True)
        _sign_in(robin, server, "robin.reviewer")
        robin.goto(f"{server}/review?view=countersign")
        robin.click("a:has-text('P1')")
        robin.fill("#countersign_reason", "agreed")
        robin.fill("#password", TEST_PASSWORD)
        robin.get_by_role("button", name="Sign", exact=True).click()
        expect(robin.locator("h1")).to_have_text("Review queue")
        riley.reload()
        expect(riley.locator("body")).to_contain_text("identity confirmed")
        expect(riley.locator("body")).not_to_contain_text("A different person must countersign")
        sam = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        _sign_in(sam, server, "sam.supervisor")
        sam.goto(f"{server}/supervise")
        expect(sam.locator("h1")).to_have_text("Supervisor's dashboard")
        assert _axe(sam) == []
        # Moving the operating point: a bad share gets the error summary, then the curve.
        sam.fill("#share", "lots")
        sam.fill("#reason", "first pass before the deadline")
        sam.click("button:has-text('Set the operating point')")
        expect(sam.locator(".govuk-error-summary")).to_contain_text("the share is a per cent")
        assert _axe(sam) == []
        sam.fill("#share", "90")
        sam.fill("#reason", "first pass before the deadline")
        sam.click("button:has-text('Set the operating point')")
        expect(sam.locator("#operating-point + table")).to_contain_text("target")
        assert _axe(sam) == []
        sam.screenshot(path=str(DOCS / "screenshot-dashboard.png"), full_page=True)
        sam.goto(f"{server}/review")  # the supervisor's queue, with ticks to assign
        sam.check("#person-1")
        sam.select_option("#reviewer", "robin.reviewer")
        sam.click("button:has-text('Assign')")
        expect(sam.locator("tbody")).to_contain_text("robin.reviewer")
        assert _axe(sam) == []
        riley.goto(f"{server}/supervise")
        expect(riley.locator("h1")).to_have_text("You cannot use this page")
        assert _axe(riley) == []
        # A decision sent back: the decider sees the reason.
        riley.goto(f"{server}/review/P2")
        riley.check("#mark-R3-2")  # not this person
        riley.select_option("#decision", "not_the_person")
        riley.fill("#reason", "born in another decade")
        riley.click("button:has-text('Record the decision')")
        robin.goto(f"{server}/review/P2")
        robin.check("#outcome-2")  # send it back
        robin.fill("#countersign_reason", "the address matches: look again")
        robin.fill("#password", TEST_PASSWORD)
        robin.get_by_role("button", name="Sign", exact=True).click()
        riley.goto(f"{server}/review?view=returned")
        riley.click("a:has-text('P2')")
        expect(riley.locator("body")).to_contain_text("the address matches: look again")
        browser.close()


def _browser(p: object) -> object:
    return p.chromium.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-background-networking", "--disable-sync"],
    )


def test_lockout_csrf_refusal_and_the_idle_warning(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        for _ in range(6):
            page.goto(f"{server}/sign-in")
            page.fill("#username", "pat.psd")
            page.fill("#password", "wrong")
            page.click("button:has-text('Sign in')")
        _sign_in(page, server, "pat.psd")  # the right password, but locked out
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        expect(page.locator("h1")).not_to_have_text("Review queue")

        page = browser.new_context().new_page()  # type: ignore[attr-defined]
        page.clock.install()
        _sign_in(page, server, "riley.reviewer")
        expect(page.locator("h1")).to_have_text("Review queue")
        # A form whose CSRF token is not this session's is refused, and nothing is done.
        page.goto(f"{server}/review/P1")
        page.eval_on_selector_all(
            "input[name=csrf_token]", "els => els.forEach(e => e.value = 'x')"
        )
        page.check("#mark-R1")
        page.select_option("#decision", "identity_confirmed")
        page.fill("#reason", "agree")
        page.click("button:has-text('Record the decision')")
        expect(page.locator("h1")).to_have_text("The form had expired")
        page.goto(f"{server}/review/P1")
        expect(page.locator("body")).not_to_contain_text("A different person must countersign")
        # Idle: a warning two minutes before the end, "stay signed in" keeps the session.
        warning = page.locator("#timeout-warning")
        expect(warning).to_be_hidden()
        page.clock.run_for("28:30")
        expect(warning).to_be_visible()
        expect(page.locator("#timeout-stay")).to_be_focused()
        with page.expect_response("**/session/keep-alive") as kept:
            page.click("#timeout-stay")
        assert kept.value.status == 204
        expect(warning).to_be_hidden()
        # Nothing done for 30 minutes, in the browser and (its clock moved on) the server:
        # the browser goes to sign-in and the server ends the session there.
        from datetime import UTC, datetime, timedelta

        from datawash import clock

        with clock.frozen_at(datetime.now(UTC) + timedelta(minutes=31)):
            page.clock.run_for("30:10")
            expect(page).to_have_url(f"{server}/sign-in?ended=idle")
            expect(page.locator("body")).to_contain_text("ended")
        page.goto(f"{server}/review")
        expect(page.locator("h1")).to_have_text("Sign in")  # the session really ended
        browser.close()  # type: ignore[attr-defined]
