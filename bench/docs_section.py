"""One way for a benchmark to put its figures into docs/benchmarks.md: the text between its
own markers is replaced (or appended the first time); the rest of the file is untouched."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(start: str, end: str, text: str) -> None:
    current = DOC.read_text()
    if start in current:
        head, rest = current.split(start, 1)
        current = head + text + rest.split(end, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    DOC.write_text(current)
