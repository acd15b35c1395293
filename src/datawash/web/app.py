"""The Flask application: settings, sessions held on the server, CSRF on every form,
security headers with a CSP nonce, and one place where service errors become pages."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from datawash.auth.sessions import IDLE_MINUTES
from datawash.clock import UK
from datawash.config import Settings, get_settings
from datawash.errors import Conflict, NotFound, PermissionDenied
from datawash.outputs import write_private

COOKIE = "datawash_session"


def _secret_key(settings: Settings) -> str:
    """The key signing the CSRF cookie: from the environment, or made once and kept
    (0600) in the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "web-secret-key"
    if not path.exists():
        write_private(path, secrets.token_hex(32), own_file=True)
    return path.read_text("utf-8").strip()


class DatawashFlask(Flask):
    def log_exception(self, exc_info: Any) -> None:
        """Flask would log the traceback with the exception's message, which may hold a
        name or an address; the 500 handler records a safe reference instead."""


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = DatawashFlask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_NAME=("__Host-" if settings.web_tls else "") + COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.web_tls,
        WTF_CSRF_TIME_LIMIT=None,  # the CSRF token lives as long as the server-side session
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        DATAWASH_SETTINGS=settings,
    )
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("datawash.web", "templates"),
            # The macros import one another as "govuk_frontend_jinja/…".
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.globals["service_name"] = settings.authority_name + " data wash"
    app.jinja_env.globals["idle_seconds"] = IDLE_MINUTES * 60
    # Times as people in the force read them: UK local time.
    app.jinja_env.filters["uk"] = lambda at: at.astimezone(UK).strftime("%d/%m/%Y %H:%M")
    CSRFProtect(app)

    from datawash.web import auth, oidc, review, supervise

    app.register_blueprint(auth.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(supervise.bp)
    oidc.init(app, settings)
    app.jinja_env.globals["oidc_enabled"] = bool(settings.oidc_issuer)

    @app.before_request
    def _nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = getattr(g, "csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.path.startswith("/static/"):
            # Every page may show a person's records: never kept by a browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
        if settings.web_tls:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> tuple[str, int]:
        return render_template("error.html", title="The form had expired", status=400,
                               message="The form was too old or not from this site. Go back, "
                               "reload the page and try again."), 400  # fmt: skip

    @app.errorhandler(PermissionDenied)
    def _denied(_e: PermissionDenied) -> tuple[str, int]:
        message = "Your role does not give access to this page."
        return render_template("error.html", title="You cannot use this page", status=403,
                               message=message), 403  # fmt: skip

    @app.errorhandler(NotFound)
    def _missing(_e: NotFound) -> tuple[str, int]:
        return render_template("error.html", title="Page not found", status=404,
                               message="There is nothing here."), 404  # fmt: skip

    @app.errorhandler(Conflict)
    def _conflict(e: Conflict) -> tuple[str, int]:
        return render_template("error.html", title="Someone else changed this", status=409,
                               message=str(e)), 409  # fmt: skip

    @app.errorhandler(500)
    def _broken(e: Any) -> tuple[str, int]:
        from datawash.incidents import record_unexpected

        original = getattr(e, "original_exception", None) or e
        reference = record_unexpected(original, Path(settings.data_dir))
        return render_template("error.html", title="Sorry, something went wrong", status=500,
                               message=f"Nothing was saved. Reference {reference} for your "
                               "administrator."), 500  # fmt: skip

    return app
