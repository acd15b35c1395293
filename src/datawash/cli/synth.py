"""`datawash synth`: write a synthetic force, national extract, events and register."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from datawash.cli.common import console, handled_errors
from datawash.cli.lazy import lazy_module
from datawash.cli.progress import stage_progress

if TYPE_CHECKING:
    from datawash import synth as synthesis
else:
    synthesis = lazy_module("datawash.synth")


def register(app: typer.Typer) -> None:
    @app.command()
    def synth(
        out: Annotated[Path, typer.Argument(help="Folder to write the files into.")],
        workforce: Annotated[int, typer.Option(help="People in the force.")] = 12225,
        records: Annotated[int, typer.Option(help="Records in the national extract.")] = 1_000_000,
        seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 42,
        fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
        events: Annotated[bool, typer.Option(help="Also write events.")] = True,
        register_: Annotated[
            bool, typer.Option("--register/--no-register", help="Also write a case register.")
        ] = True,
    ) -> None:
        """Write a synthetic force, national extract, events and register (no real people)."""
        if fmt not in ("csv", "parquet"):
            raise typer.BadParameter("--format must be csv or parquet")
        with (
            handled_errors(),
            stage_progress({"synth": "Synthesise force and extract"}) as progress,
        ):
            summary = synthesis.generate(
                out,
                workforce=workforce,
                records=records,
                seed=seed,
                fmt=fmt,
                with_events=events,
                with_register=register_,
                progress=progress,
            )
        table = Table(title=f"Synthetic data in {out}", show_header=False)
        table.add_row("people in the force", f"{summary.people:,}")
        table.add_row("records in the extract", f"{summary.records:,}")
        table.add_row("true (person, record) pairs", f"{summary.true_pairs:,}")
        table.add_row("people with records", f"{summary.people_with_records:,}")
        for kind, n in sorted(summary.hard_negatives.items()):
            table.add_row(f"hard negatives: {kind.replace('_', ' ')}", f"{n:,}")
        table.add_row("events", f"{summary.events:,}")
        table.add_row(
            "register cases / allegations", f"{summary.cases:,} / {summary.allegations:,}"
        )
        table.add_row("true pairs equal on forenames+surname+dob", f"{summary.exact_share:.0%}")
        console.print(table)
