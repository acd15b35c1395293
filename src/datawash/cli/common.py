"""What every CLI adapter shares: the console, settings from global options, the acting
user proven by a password, and error exits."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from datawash.actor import Actor, Channel
from datawash.config import Settings, get_settings
from datawash.errors import AccountLocked, AuthenticationFailed, DatawashError, PermissionDenied
from datawash.outputs import SafeConsole, terminal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

console = SafeConsole()
err_console = SafeConsole(stderr=True)


def settings_from(ctx: typer.Context) -> Settings:
    """The settings for this invocation: environment, then the global --data-dir option."""
    obj = ctx.find_root().obj or {}
    settings = get_settings()
    data_dir: Path | None = obj.get("data_dir")
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def os_account() -> str | None:
    """The operating-system account behind this command line (recorded in the audit log),
    from the process's user id, not from $LOGNAME or $USER, which the caller can set."""
    try:
        import pwd

        name = pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, ImportError):  # no passwd entry: the numeric id says who
        name = f"uid {os.getuid()}"
    return name[:64]


def password_for(username: str) -> str | None:
    """DATAWASH_PASSWORD for scripts and tests; otherwise a prompt when there is a terminal."""
    given = os.environ.get("DATAWASH_PASSWORD")
    if given is not None:
        return given
    if sys.stdin.isatty():
        return getpass.getpass(f"password for {username}: ")
    return None


def _username(ctx: typer.Context) -> str | None:
    name = (ctx.find_root().obj or {}).get("user")
    return name.strip() if isinstance(name, str) and name.strip() else None


def actor_from(ctx: typer.Context, session: Session) -> Actor:
    """The acting user named by --user or DATAWASH_USER, proven by their password. A refusal
    is recorded (in its own transaction, since this one rolls back)."""
    from datawash.auth.service import authenticate

    username = _username(ctx)
    if not username:
        raise PermissionDenied("say who is acting: --user NAME or DATAWASH_USER=NAME")
    try:
        return authenticate(
            session,
            username,
            password_for(username),
            channel=Channel.CLI,
            os_account=os_account(),
        )
    except AccountLocked:
        raise
    except AuthenticationFailed:
        _record_failure(ctx, username)
        raise


def _record_failure(ctx: typer.Context, username: str) -> None:
    from datawash.auth.service import record_failed_attempt
    from datawash.db import session_scope

    with session_scope(settings_from(ctx)) as s:
        record_failed_attempt(s, username, channel=Channel.CLI, os_account=os_account())


def run_actor(ctx: typer.Context, settings: Settings) -> Actor:
    """The acting user; before any user exists (a fresh install) automated jobs run as
    the built-in system actor, which is recorded as such in the audit log."""
    from datawash.auth.service import job_actor
    from datawash.db import session_scope

    with session_scope(settings) as session:
        if not _username(ctx):
            system = job_actor(session)
            if system is not None:
                return system
        return actor_from(ctx, session)


@contextmanager
def handled_errors() -> Iterator[None]:
    """Turn a DatawashError into a clear message and its exit code (no traceback)."""
    try:
        yield
    except DatawashError as exc:
        err_console.print(f"[bold red]error:[/] {terminal(exc)}", markup=True, highlight=False)
        raise typer.Exit(code=exc.exit_code) from None


def plain(text: str) -> None:
    """Data from the inputs is printed as it is, never read as rich markup."""
    console.print(text)
