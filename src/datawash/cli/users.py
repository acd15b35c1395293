"""`datawash users …`: who may use datawash and in which role."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from datawash.auth.models import User
from datawash.auth.service import add_user, require
from datawash.cli.common import actor_from, console, handled_errors, settings_from
from datawash.db import session_scope

users_app = typer.Typer(help="Users and roles (the first user must be an administrator).")


@users_app.command("add")
def add_cmd(
    ctx: typer.Context,
    username: str,
    role: Annotated[str, typer.Option(help="reviewer, supervisor, psd_investigator, …")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        first = s.scalar(select(User).limit(1)) is None
        actor = None if first else actor_from(ctx, s)
        add_user(s, actor, username=username, role=role, display_name=name)
        console.print(f"user {username} added as {role}")


@users_app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    settings = settings_from(ctx)
    with handled_errors(), session_scope(settings) as s:
        require(actor_from(ctx, s), "users.manage")
        table = Table("user", "role", "active")
        for u in s.scalars(select(User).order_by(User.username)):
            table.add_row(u.username, u.role, "yes" if u.active else "no")
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
