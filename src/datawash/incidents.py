"""Unexpected errors, recorded safely: a reference, the time, the exception's type and where
it was raised (file, line, function), never its message or values, which may hold a name,
a date of birth or an address. Shared by the command line's and the web's error boundary."""

from __future__ import annotations

import os
import secrets
import traceback
from pathlib import Path

from datawash import clock


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
    if log.parent.is_symlink():
        raise OSError("the logs folder is a link; not followed")
    private_dir(log.parent)
    # Appended without following a planted link, created 0600.
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
    finally:
        os.close(fd)
    return reference
