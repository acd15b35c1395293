"""CLI tests read what a person would see: give rich a fixed, wide console so that no
message or table cell wraps differently with the terminal (or xdist's lack of one)."""

from __future__ import annotations

import pytest

from datawash.cli import common


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.err_console):
        monkeypatch.setattr(console, "width", 250)
