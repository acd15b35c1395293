"""`datawash users …` and `datawash safeguards …`: who may use datawash, in which role,
with which password; the safeguards only an administrator changes."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from datawash.cli.common import actor_from, console, handled_errors, plain, settings_from
from datawash.cli.lazy import lazy_module
from datawash.errors import InputError

if TYPE_CHECKING:
    from datawash import db
else:
    db = lazy_module("datawash.db")

users_app = typer.Typer(help="Users, roles and passwords (the first user is an administrator).")
safeguards_app = typer.Typer(help="Safeguards (dual control …): list, or change as administrator.")


def _new_password(from_stdin: bool) -> str | None:
    """A new password from standard input (one line), never from the command line, where
    it would stay in the shell history and the process list."""
    if not from_stdin:
        return None
    line = sys.stdin.readline()
    if not line:
        raise InputError("--password-stdin: nothing on standard input")
    return line.rstrip("\r\n")


@users_app.command("add")
def add_cmd(
    ctx: typer.Context,
    username: str,
    role: Annotated[str, typer.Option(help="reviewer, supervisor, psd_investigator, …")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the new user's password from standard input.")
    ] = False,
) -> None:
    """Add a user. The first user (an administrator) needs no --user; after that an
    administrator adds users. A user without a password cannot act until one is set."""
    from datawash.auth.service import add_user, any_user

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        password = _new_password(password_stdin)
        actor = actor_from(ctx, s) if any_user(s) else None
        add_user(s, actor, username=username, role=role, display_name=name, password=password)
        plain(f"user {username} added as {role}" + ("" if password else " (no password yet)"))


@users_app.command("set-password")
def set_password_cmd(
    ctx: typer.Context,
    username: str,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the new password from standard input.")
    ] = True,
) -> None:
    """Set a password: your own, or (as administrator) anyone's."""
    from datawash.auth.service import set_password

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        password = _new_password(password_stdin)
        if password is None:
            raise InputError("give the new password on standard input (--password-stdin)")
        set_password(s, actor_from(ctx, s), username=username, password=password)
        plain(f"password set for {username}")


@users_app.command("deactivate")
def deactivate_cmd(
    ctx: typer.Context,
    username: str,
    reason: Annotated[str, typer.Option(help="Why (recorded).")],
) -> None:
    """Stop a user from acting (kept: the audit log names them)."""
    from datawash.auth.service import deactivate

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        deactivate(s, actor_from(ctx, s), username=username, reason=reason)
        plain(f"user {username} deactivated")


@users_app.command("set-role")
def set_role_cmd(
    ctx: typer.Context,
    username: str,
    role: str,
    reason: Annotated[str, typer.Option(help="Why (recorded).")],
) -> None:
    """Change a user's role."""
    from datawash.auth.service import set_role

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        set_role(s, actor_from(ctx, s), username=username, role=role, reason=reason)
        plain(f"user {username} is now {role}")


@users_app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """Every user, their role, whether they can act."""
    from datawash.auth.service import list_users

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        table = Table("user", "role", "active", "password set")
        for u in list_users(s, actor_from(ctx, s)):
            table.add_row(
                u.username,
                u.role.value,
                "yes" if u.active else "no",
                "yes" if u.has_password else "no",
            )
        console.print(table)


@safeguards_app.command("list")
def safeguards_list_cmd(ctx: typer.Context) -> None:
    """Each safeguard, its value, and who last changed it and why."""
    from datawash.safeguards.service import list_safeguards

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        actor_from(ctx, s)
        table = Table("safeguard", "value", "default", "changed by", "when", "reason")
        for g in list_safeguards(s):
            table.add_row(
                g.name,
                str(g.value),
                str(g.default),
                g.changed_by or "-",
                g.changed_at.isoformat(timespec="minutes") if g.changed_at else "-",
                g.reason or "-",
            )
        console.print(table)


@safeguards_app.command("set")
def safeguards_set_cmd(
    ctx: typer.Context,
    name: str,
    value: str,
    reason: Annotated[str, typer.Option(help="Why (recorded, and shown where it applies).")],
) -> None:
    """Change a safeguard (administrators only; recorded in the audit log)."""
    from datawash.safeguards.service import change

    settings = settings_from(ctx)
    with handled_errors(), db.session_scope(settings) as s:
        new = change(s, actor_from(ctx, s), name=name, raw_value=value, reason=reason)
        plain(f"{name} is now {new}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(safeguards_app, name="safeguards")
