"""`datawash backup` and `datawash restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from datawash.cli.common import actor_from, console, handled_errors, settings_from


def register(app: typer.Typer) -> None:
    @app.command("backup")
    def backup_cmd(
        ctx: typer.Context,
        out: Annotated[Path, typer.Argument(help="The backup file to write (never overwritten).")],
    ) -> None:
        """A consistent copy of the database while in use, with a manifest of row counts
        and the audit chain's head (administrators)."""
        from datawash import backup, db

        settings = settings_from(ctx)
        with handled_errors():
            with db.session_scope(settings) as s:
                actor = actor_from(ctx, s)
            result = backup.backup(settings, actor, out)
        rows = sum(result.counts.values())
        console.print(
            f"backup written to {result.path} ({rows:,} rows in {len(result.counts)} tables)"
        )
        console.print(f"manifest: {result.manifest}; audit head {result.audit_head}")

    @app.command("serve")
    def serve_cmd(
        ctx: typer.Context,
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port.")] = 8000,
    ) -> None:
        """Serve the web application (waitress, a production WSGI server)."""
        from waitress import serve

        from datawash.web import create_app

        settings = settings_from(ctx)
        console.print(f"serving {settings.data_dir} on http://{host}:{port}/ (Ctrl-C stops)")
        serve(create_app(settings), host=host, port=port, threads=8)

    @app.command("restore")
    def restore_cmd(
        ctx: typer.Context,
        source: Annotated[Path, typer.Argument(help="A backup made by `datawash backup`.")],
    ) -> None:
        """Restore a backup into an empty data directory (or empty database), then check
        it with `audit verify` and the manifest's row counts; exit 8 if they differ."""
        from datawash import backup

        settings = settings_from(ctx)
        with handled_errors():
            result = backup.restore(settings, source)
        console.print(
            f"restored {sum(result.counts.values()):,} rows; audit head {result.audit_head}"
        )
        for problem in result.problems:
            console.print(f"does not match the backup: {problem}", style="red")
        if not result.verified:
            raise typer.Exit(code=8)
        console.print("verified: audit chain whole, row counts as backed up", style="green")
