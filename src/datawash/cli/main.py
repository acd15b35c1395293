"""The `datawash` command: global options and the sub-commands of each domain."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from datawash import __version__


class GuardedGroup(TyperGroup):
    """The root command group: every sub-command runs inside the error boundary."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from datawash.cli.boundary import error_boundary
        from datawash.config import get_settings

        data_dir = (ctx.params or {}).get("data_dir") or get_settings().data_dir
        with error_boundary(Path(data_dir)):
            return super().invoke(ctx)


app = typer.Typer(
    cls=GuardedGroup,
    name="datawash",
    help="Screen the workforce against national records and review the hits.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"datawash {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="DATAWASH_DATA_DIR",
            help="Directory holding the database (default ./datawash-data).",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", envvar="DATAWASH_USER", help="Who is acting (a datawash user)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    # Everything this process creates (database, DuckDB spill, exports, letters, the log)
    # is the owner's alone, whatever the shell's umask: files 0600, directories 0700.
    os.umask(0o077)
    ctx.obj = {"data_dir": data_dir, "user": user}


def _register() -> None:
    # Each domain adds its commands here (one line each).
    from datawash.cli import cases as cases_cli
    from datawash.cli import demo as demo_cli
    from datawash.cli import foi as foi_cli
    from datawash.cli import review as review_cli
    from datawash.cli import stats as stats_cli
    from datawash.cli import synth as synth_cli
    from datawash.cli import system as system_cli
    from datawash.cli import users as users_cli
    from datawash.cli import wash as wash_cli

    synth_cli.register(app)
    wash_cli.register(app)
    review_cli.register(app)
    users_cli.register(app)
    cases_cli.register(app)
    stats_cli.register(app)
    foi_cli.register(app)
    demo_cli.register(app)
    system_cli.register(app)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
