"""Sign in and out. A new session token at every sign-in; failures and lockouts counted
and audited by the auth service; nothing of the password is kept or logged."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from datawash.actor import Channel
from datawash.auth import service as auth
from datawash.auth import sessions
from datawash.db import session_scope
from datawash.errors import AccountLocked, AuthenticationFailed
from datawash.web.common import settings_of_app, transaction

bp = Blueprint("auth", __name__)


@bp.get("/sign-in")
def sign_in() -> ResponseReturnValue:
    """The sign-in page. The timeout warning sends an idle browser here: the server decides
    whether the session is over (ending it if it is idle or expired). A session still in
    use, from another tab, is not ended by a page load: that browser goes back to work."""
    if session.get("token"):
        with transaction() as s:
            actor, _reason = sessions.check(s, session.get("token"), touch=False)
        if actor is not None:
            return redirect(url_for("review.queue"))
        session.clear()
    return render_template("sign_in.html", ended=request.args.get("ended"), errors=[])


@bp.post("/sign-in")
def sign_in_post() -> ResponseReturnValue:
    username = (request.form.get("username") or "").strip().lower()
    password = request.form.get("password") or ""
    try:
        with transaction() as s:
            actor = auth.authenticate(s, username, password, channel=Channel.WEB)
            token = sessions.start(s, actor)
    except AuthenticationFailed as exc:
        if not isinstance(exc, AccountLocked) and username:
            with session_scope(settings_of_app()) as s:
                auth.record_failed_attempt(s, username, channel=Channel.WEB, os_account=None)
        errors = [{"text": str(exc), "href": "#username"}]
        return render_template("sign_in.html", errors=errors, ended=None), 401
    session.clear()  # a new session (and CSRF token) for the signed-in user
    session["token"] = token
    return redirect(url_for("review.queue"))


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    with transaction() as s:
        sessions.end(s, session.get("token"), "signed_out")
    session.clear()
    return redirect(url_for("auth.sign_in"))


@bp.post("/session/keep-alive")
def keep_alive() -> ResponseReturnValue:
    """The timeout warning's "stay signed in": a request that resets the idle clock."""
    with transaction() as s:
        actor, _reason = sessions.check(s, session.get("token"))
    return ("", 204) if actor is not None else ("", 401)
