"""The CLI reference in Markdown, generated from the commands' own --help."""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.testing import CliRunner

from datawash.cli.main import app


def _paths(cmd: Any, path: list[str]) -> list[list[str]]:
    out = [path]
    for name in sorted(getattr(cmd, "commands", {}) or {}):
        out.extend(_paths(cmd.commands[name], [*path, name]))
    return out


def cli_reference() -> str:
    os.environ["COLUMNS"] = "100"
    os.environ["TERM"] = "dumb"
    runner = CliRunner()
    root = typer.main.get_command(app)
    parts = ["# Command-line reference", "", "Generated from `--help` (`make docs`).", ""]
    for path in _paths(root, []):
        result = runner.invoke(app, [*path, "--help"], terminal_width=100, color=False)
        title = " ".join(["datawash", *path])
        parts += [f"## `{title}`", "", "```", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(cli_reference())
