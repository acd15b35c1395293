"""The command line's one error boundary. A DatawashError is the user's to read (its
messages are written never to carry personal data). Anything else - a driver error, a bug,
a DuckDB error quoting a cell - is shown only as a reference; the log gets the reference,
the time, the exception's type and where it was raised (file, line, function), never its
message or values, since those may hold a name, a date of birth or an address."""

from __future__ import annotations

import secrets
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from datawash import clock
from datawash.errors import DatawashError

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE


def error_log_path(data_dir: Path) -> Path:
    return data_dir / "logs" / "errors.log"


def record_unexpected(exc: BaseException, data_dir: Path) -> str:
    """Log a safe description of ``exc`` under a new reference and return the reference."""
    from datawash.outputs import private_dir

    reference = secrets.token_hex(4).upper()
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [
        f"{clock.now().isoformat(timespec='seconds')} reference {reference}: "
        f"{type(exc).__module__}.{type(exc).__qualname__}"
    ]
    lines += [f"    at {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames[-12:]]
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        lines.append(f"    caused by {type(cause).__module__}.{type(cause).__qualname__}")
    log = error_log_path(data_dir)
    private_dir(log.parent)
    with log.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return reference


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
