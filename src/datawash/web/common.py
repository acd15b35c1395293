"""What every page handler shares: the request's transaction, the signed-in actor from
the server-side session, the way back to sign-in, service errors as GOV.UK error summary
items."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, redirect, session, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from datawash.actor import Actor
from datawash.auth import sessions
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import DatawashError, InputError


def settings_of_app() -> Settings:
    from flask import current_app

    value: Settings = current_app.config["DATAWASH_SETTINGS"]
    return value


@contextmanager
def transaction() -> Iterator[Session]:
    with session_scope(settings_of_app()) as s:
        yield s


def signed_in(s: Session) -> Actor:
    """The actor of this request's session, or PermissionDenied-like SessionEnded (the
    caller redirects to sign-in). An ended session is recorded before refusing."""
    actor, reason = sessions.check(s, session.get("token"))
    if actor is None:
        raise sessions.SessionEnded(reason or "ended")
    g.actor = actor
    return actor


def to_sign_in(reason: str) -> WerkzeugResponse:
    session.clear()
    return redirect(url_for("auth.sign_in", ended=reason if reason != "not signed in" else None))


def form_errors(exc: DatawashError) -> list[dict[str, str]]:
    """A service error as GOV.UK error summary items."""
    field = exc.field if isinstance(exc, InputError) and exc.field else None
    return [{"text": str(exc), "href": f"#{field}" if field else "#main-content"}]
