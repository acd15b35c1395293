"""A statistic's result: a small labelled table of counts, and its text forms (csv, json,
markdown). Cells hold an int, or a string once disclosure control has replaced a count."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from datawash.vocabulary import label_of

Cell = int | float | str | None


@dataclass
class StatTable:
    """``columns[:label_columns]`` label a row; the other columns are counts. When
    ``total_row`` is set the last row is the total of the rows above it (for distinct
    counts, such as people, it can be less than their sum)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    label_columns: int = 1
    total_row: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Additive relations beyond a total row, for disclosure control: each line is
    # [total cell, part cell, ...] as (row, column) pairs, e.g. finished + remaining = all.
    lines: list[list[tuple[int, int]]] = field(default_factory=list)
    # Relations "at most the sum of": each is [cell, bounding cell, ...], e.g. the items in
    # the referred state are at most the referral decisions. Disclosure control never lets
    # every bounding cell of a hidden cell be shown (they would cap it).
    bounds: list[list[tuple[int, int]]] = field(default_factory=list)
    # What a reader sees above each column (letters, Markdown, charts); ``columns`` stay
    # the machine names (CSV, JSON keys). Empty: the column names themselves.
    headings: list[str] = field(default_factory=list)
    # Notes worked out from the counts (rates, shares): they could give a withheld count
    # away, so disclosure control drops them when it withholds anything.
    count_notes: list[str] = field(default_factory=list)
    # Columns that are not counts but measures of the records a count column counts (the
    # mean days a case took, of the cases counted beside it): [measure column, count
    # column]. A measure is shown only where its count is (foi/disclosure.py).
    measures: list[tuple[int, int]] = field(default_factory=list)
    # Measure columns that are shares: each row's count as a percentage of the total of its
    # line (lines[k][0], the "all" row it sums into). A share is shown only where both its
    # count and that total are: with the total hidden, a part and its share would give the
    # total away (foi/disclosure.py measures_follow).
    shares: list[int] = field(default_factory=list)

    @property
    def shown_notes(self) -> list[str]:
        return [*self.notes, *self.count_notes]

    @property
    def display_columns(self) -> list[str]:
        return list(self.headings) if len(self.headings) == len(self.columns) else self.columns

    @property
    def display_rows(self) -> list[list[Cell]]:
        """The rows as a reader sees them (letters, Markdown, the terminal): the domain's
        codes in the label columns as their labels ("chief_inspector" -> "chief
        inspector"). CSV and JSON keep the codes."""
        return [
            [label_of(c) if k < self.label_columns and isinstance(c, str) else c
             for k, c in enumerate(row)]
            for row in self.rows
        ]  # fmt: skip

    @property
    def line_totals(self) -> dict[int, int]:
        """Each row that is a part of a line, and the row of that line's total (its "all"
        row): what a share is a share of (shares)."""
        return {r: line[0][0] for line in self.lines for r, _c in line[1:]}

    def all_lines(self) -> list[list[tuple[int, int]]]:
        """Every (total, parts...) relation a reader could use to work out a hidden cell."""
        out = [list(line) for line in self.lines]
        if self.total_row and len(self.rows) > 1:
            last = len(self.rows) - 1
            for c in self.count_columns:
                out.append([(last, c), *[(r, c) for r in range(last)]])
        return out

    @property
    def count_columns(self) -> list[int]:
        measured = {m for m, _c in self.measures}
        return [c for c in range(self.label_columns, len(self.columns)) if c not in measured]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
            "label_columns": self.label_columns,
            "total_row": self.total_row,
            "parameters": self.parameters,
            "notes": self.notes,
            "lines": [[list(cell) for cell in line] for line in self.lines],
            "bounds": [[list(cell) for cell in bound] for bound in self.bounds],
            "headings": self.headings,
            "count_notes": self.count_notes,
            "measures": [list(pair) for pair in self.measures],
            "shares": list(self.shares),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatTable:
        return cls(
            name=data["name"],
            title=data["title"],
            columns=list(data["columns"]),
            rows=[list(r) for r in data["rows"]],
            label_columns=int(data.get("label_columns", 1)),
            total_row=bool(data.get("total_row", False)),
            parameters=dict(data.get("parameters", {})),
            notes=list(data.get("notes", [])),
            lines=[[(int(r), int(c)) for r, c in line] for line in data.get("lines", [])],
            bounds=[[(int(r), int(c)) for r, c in b] for b in data.get("bounds", [])],
            headings=list(data.get("headings", [])),
            count_notes=list(data.get("count_notes", [])),
            measures=[(int(m), int(c)) for m, c in data.get("measures", [])],
            shares=[int(m) for m in data.get("shares", [])],
        )

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, default=str)

    def to_csv(self) -> str:
        from datawash.outputs import csv_text

        return csv_text(self.columns, self.rows)

    def to_markdown(self) -> str:
        def cell(c: Cell) -> str:
            return "" if c is None else f"{c:,}" if isinstance(c, int) else str(c)

        align = ["---"] * self.label_columns + ["---:"] * (len(self.columns) - self.label_columns)
        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(self.display_columns) + " |")
        lines.append("|" + "|".join(align) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.display_rows]
        lines += [f"\n_{n}_" for n in self.shown_notes]
        return "\n".join(lines) + "\n"
