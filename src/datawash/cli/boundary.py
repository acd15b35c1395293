"""The command line's one error boundary. A DatawashError is the user's to read (its
messages are written never to carry personal data). Anything else - a driver error, a bug,
a DuckDB error quoting a cell - is shown only as a reference; the log gets the reference,
the time, the exception's type and where it was raised (file, line, function), never its
message or values, since those may hold a name, a date of birth or an address."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from datawash.errors import DatawashError
from datawash.incidents import error_log_path, record_unexpected

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE


@contextmanager
def error_boundary(data_dir: Path) -> Iterator[None]:
    try:
        yield
    except (DatawashError, typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        # Typer ships its own copy of click: its usage errors are the user's to read.
        from typer._click.exceptions import ClickException

        if isinstance(exc, ClickException):
            raise
        try:
            reference = record_unexpected(exc, data_dir)
            where = f"logged in {error_log_path(data_dir)}"
        except OSError:
            reference, where = "-", "could not be logged"
        typer.echo(
            f"error: an unexpected error stopped this command; nothing was written. Reference "
            f"{reference} ({where}, without any personal data) for your administrator.",
            err=True,
        )
        raise typer.Exit(code=INTERNAL_ERROR_EXIT) from None
