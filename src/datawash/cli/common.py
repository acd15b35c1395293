"""What every CLI adapter shares: the console, settings from global options, error exits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from datawash.auth.service import Actor, get_actor
from datawash.config import Settings, get_settings
from datawash.errors import DatawashError, PermissionDenied

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def settings_from(ctx: typer.Context) -> Settings:
    """The settings for this invocation: environment, then the global --data-dir option."""
    obj = ctx.find_root().obj or {}
    settings = get_settings()
    data_dir: Path | None = obj.get("data_dir")
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def actor_from(ctx: typer.Context, session: Session) -> Actor:
    """The acting user named by --user or DATAWASH_USER, with their role from the database."""
    username = (ctx.find_root().obj or {}).get("user")
    if not username:
        raise PermissionDenied("say who is acting: --user NAME or DATAWASH_USER=NAME")
    return get_actor(session, username)


def run_actor(ctx: typer.Context, settings: Settings) -> Actor:
    """The acting user; before any user exists (a fresh install) automated jobs run as
    the built-in system actor, which is recorded as such in the audit log."""
    from datawash.auth.models import User
    from datawash.auth.service import SYSTEM
    from datawash.db import session_scope

    with session_scope(settings) as session:
        if (ctx.find_root().obj or {}).get("user"):
            return actor_from(ctx, session)
        if session.query(User).count() == 0:
            return SYSTEM
        return actor_from(ctx, session)


@contextmanager
def handled_errors() -> Iterator[None]:
    """Turn a DatawashError into a clear message and its exit code (no traceback)."""
    try:
        yield
    except DatawashError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(code=exc.exit_code) from None
