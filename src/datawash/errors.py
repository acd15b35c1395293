"""Exceptions raised by datawash services; adapters turn them into messages and exit codes.

DatawashError
├── InputError            a file or a value the user gave is wrong (file, row, column)
│   └── ValidationFailed  many problems at once, each with file, row and column
├── NotFound              an unknown id
├── PermissionDenied      the actor's role may not do this
│   └── AuthenticationFailed  no such active user with that password
│       └── AccountLocked     too many refusals in a row: wait, or a new password
├── Conflict              someone else changed the same thing at the same moment
├── ForbiddenTransition   the workflow does not allow this change of state
├── DualControlError      a countersignature by the same person, or one missing
└── BlockingExplosion     a blocking rule would generate too many comparisons
"""

from __future__ import annotations

from dataclasses import dataclass


class DatawashError(Exception):
    """Base of every error datawash raises on purpose."""

    exit_code = 1


class InputError(DatawashError):
    """``field`` names the input the message is about (a column in a bulk file, a form
    field on a page), when the raiser knows it."""

    exit_code = 2

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file; never carries the cell's personal data."""

    file: str
    row: int | None  # 1-based data row (the header is row 0); None for file-level problems
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class ValidationFailed(InputError):
    def __init__(self, problems: list[Problem], *, shown: int = 50) -> None:
        self.problems = problems
        lines = [str(p) for p in problems[:shown]]
        if len(problems) > shown:
            lines.append(f"... and {len(problems) - shown} more problems")
        super().__init__(
            f"{len(problems)} problem(s) found; nothing was written:\n" + "\n".join(lines)
        )


class NotFound(DatawashError):
    exit_code = 3

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"No {kind} with id {ident!r}")
        self.kind = kind
        self.ident = ident


class PermissionDenied(DatawashError):
    exit_code = 4


class AuthenticationFailed(PermissionDenied):
    exit_code = 4


class AccountLocked(AuthenticationFailed):
    """The right password, but the account waits after repeated refusals."""


class Conflict(DatawashError):
    """Two people acted on the same item or case at once: this one lost, nothing of it
    was written. Never names the person (the message may reach another role)."""

    exit_code = 7

    def __init__(self, what: str = "the same record") -> None:
        super().__init__(
            f"someone else changed {what} at the same moment; nothing was written - "
            "look at it again and retry"
        )


class ForbiddenTransition(DatawashError):
    exit_code = 5


class DualControlError(DatawashError):
    exit_code = 5


class BlockingExplosion(DatawashError):
    exit_code = 6
