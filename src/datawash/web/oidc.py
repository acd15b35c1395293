"""Optional sign-in with the force's identity provider (OpenID Connect, through Authlib,
which fetches the provider's metadata and keys and checks the ID token's signature, issuer,
audience, expiry and nonce). The provider proves who someone is; the datawash account
(which must exist and be active) says what they may do. Countersigning asks the provider
to sign the user in again (prompt=login, max_age=0) and accepts it for five minutes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from joserfc.errors import JoseError

from datawash import clock
from datawash.actor import Channel
from datawash.auth import service as auth
from datawash.auth import sessions
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import AccountLocked, AuthenticationFailed, InputError
from datawash.web.common import settings_of_app, to_sign_in, transaction

bp = Blueprint("oidc", __name__)
REAUTH_SECONDS = 300
SKEW_SECONDS = 60
REFUSED = "Your force account could not sign you in to this service."


def init(app: Flask, settings: Settings) -> None:
    """Register the provider when one is configured; otherwise there is no such route."""
    if not settings.oidc_issuer:
        return
    if not settings.oidc_username_claim or not settings.oidc_client_id:
        raise InputError(
            "sign-in with the identity provider needs DATAWASH_OIDC_CLIENT_ID and "
            "DATAWASH_OIDC_USERNAME_CLAIM: a claim your administrators control (such as "
            "upn or an employee number), never one users can edit"
        )
    oauth = OAuth(app)
    oauth.register(
        "force",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email"},
    )
    app.extensions["datawash_oidc"] = oauth.create_client("force")
    app.register_blueprint(bp)


def enabled() -> bool:
    return "datawash_oidc" in current_app.extensions


def _client() -> Any:
    return current_app.extensions["datawash_oidc"]


def safe_next(path: str | None) -> str | None:
    """Only a path on this site: never an open redirect. Browsers drop tabs and newlines
    from URLs ("/<tab>/evil" becomes "//evil"), so any control or space character, a
    backslash, a scheme or a host makes it refused."""
    if not path or not path.startswith("/") or path.startswith("//"):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in path):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    return path


def reauthenticated_recently(s: Any) -> bool:
    """Whether this browser's session re-authenticated at the provider in the last five
    minutes (kept on the server, in the session's row, not in the cookie)."""
    return sessions.reauthenticated_within(s, session.get("token"), REAUTH_SECONDS)


@bp.get("/sign-in/oidc")
def start() -> ResponseReturnValue:
    reauth = request.args.get("reauth") == "1"
    session["oidc_next"] = safe_next(request.args.get("next"))
    session["oidc_reauth"] = reauth
    session["oidc_started_at"] = clock.now().timestamp()
    extra: dict[str, Any] = {"prompt": "login", "max_age": 0} if reauth else {}
    redirect_uri = url_for("oidc.callback", _external=True)
    try:
        response: ResponseReturnValue = _client().authorize_redirect(redirect_uri, **extra)
    except requests.RequestException:
        return _refused("The force's sign-in service could not be reached. Try again.")
    return response


def _refused(message: str = REFUSED) -> ResponseReturnValue:
    errors = [{"text": message, "href": "#username"}]
    return render_template("sign_in.html", errors=errors, ended=None, oidc=True), 401


@bp.get("/sign-in/oidc/callback")
def callback() -> ResponseReturnValue:
    """Where the provider sends the browser back. That is a navigation from another site,
    on which the browser does not send this site's SameSite=Strict session cookie (and
    with it the sign-in's state): this page only moves the browser on, from this site, to
    /sign-in/oidc/finish, where the cookie is sent. No script: a meta refresh."""
    target = url_for("oidc.finish") + ("?" + request.query_string.decode("ascii", "replace")
                                       if request.query_string else "")  # fmt: skip
    return render_template("oidc_continue.html", target=target)


@bp.get("/sign-in/oidc/finish")
def finish() -> ResponseReturnValue:
    settings = settings_of_app()
    reauth = bool(session.pop("oidc_reauth", False))
    next_path = session.pop("oidc_next", None)
    try:
        token = _client().authorize_access_token()
    except (AuthlibBaseError, JoseError, ValueError):
        # A bad state, code, signature, issuer, audience, expiry or nonce.
        return _refused()
    except requests.RequestException:
        return _refused("The force's sign-in service could not be reached. Try again.")
    claims = token.get("userinfo") or {}
    username = str(claims.get(settings.oidc_username_claim or "") or "").strip().lower()
    if reauth:
        with transaction() as s:
            actor, reason = sessions.check(s, session.get("token"))
        if actor is None:
            return to_sign_in(reason or "ended")
        # Fresh means typed at the provider after this confirmation was asked for (a
        # provider that ignores prompt=login returns the old sign-in: refused), never later
        # than now; a minute's leeway for clocks.
        auth_time = claims.get("auth_time")
        started = session.pop("oidc_started_at", None)
        fresh = (
            isinstance(auth_time, int | float)
            and isinstance(started, float)
            and started - SKEW_SECONDS <= float(auth_time) <= clock.now().timestamp() + SKEW_SECONDS
        )
        subject = f"{claims.get('iss') or ''}|{claims.get('sub') or ''}"
        with transaction() as s:
            bound = auth.bound_subject(s, actor.username)
        if username != actor.username or not fresh or bound != subject:
            return _refused("Your force account did not confirm it was you just now.")
        typed_at = datetime.fromtimestamp(float(auth_time), UTC)  # type: ignore[arg-type]
        with transaction() as s:
            sessions.mark_reauthenticated(s, session.get("token"), min(typed_at, clock.now()))
        return redirect(next_path or url_for("review.queue"))
    try:
        with transaction() as s:
            subject = f"{claims.get('iss') or ''}|{claims.get('sub') or ''}"
            actor = auth.authenticate_external(
                s, username, subject=subject if claims.get("sub") else "", channel=Channel.WEB
            )
            web_token = sessions.start(s, actor, method="oidc")
    except AuthenticationFailed as exc:
        if not isinstance(exc, AccountLocked) and username:
            with session_scope(settings) as s:
                auth.record_failed_attempt(s, username, channel=Channel.WEB, os_account=None)
        return _refused(str(exc) if isinstance(exc, AccountLocked) else REFUSED)
    session.clear()  # a new session (and CSRF token) for the signed-in user
    session["token"] = web_token
    session["method"] = "oidc"
    return redirect(next_path or url_for("review.queue"))
