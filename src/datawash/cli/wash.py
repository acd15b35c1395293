"""`datawash wash`: screen the workforce against the national extract."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from datawash.cli.common import console, handled_errors, run_actor, settings_from
from datawash.cli.lazy import lazy_module
from datawash.cli.progress import stage_progress

if TYPE_CHECKING:
    from datawash.ingest import mapping
    from datawash.review import service as review_service
    from datawash.wash import service as wash_service
else:
    mapping = lazy_module("datawash.ingest.mapping")
    review_service = lazy_module("datawash.review.service")
    wash_service = lazy_module("datawash.wash.service")


def column_map_from(
    map_options: list[str] | None, map_file: Path | None
) -> mapping.ColumnMap | None:
    """Column mapping from --map-file and --map (the options win over the file)."""
    if not map_options and map_file is None:
        return None
    base = mapping.load_map_file(map_file) if map_file is not None else mapping.ColumnMap()
    return base.merged(mapping.parse_map_options(map_options or []))


def print_summary(summary: wash_service.WashSummary) -> None:
    table = Table(title=f"Wash run {summary.run_id}", show_header=False)
    table.add_row("people screened", f"{summary.people:,}")
    table.add_row("records scanned", f"{summary.records:,}")
    table.add_row("events loaded", f"{summary.events:,}")
    table.add_row("comparisons (blocking estimate)", f"{summary.comparisons:,}")
    table.add_row("pairs confirmed", f"{summary.confirmed:,}")
    table.add_row("pairs for review", f"{summary.review:,}")
    table.add_row("people with at least one candidate", f"{summary.people_with_candidates:,}")
    table.add_row(
        "review items opened / reopened",
        f"{summary.review_items_created:,} / {summary.review_items_reopened:,}",
    )
    table.add_row("time", f"{summary.seconds:.1f} s")
    if summary.export:
        table.add_row("pairs written to", str(summary.export))
    console.print(table)
    if summary.people_with_candidates == 0:
        console.print("No candidates: nobody in the workforce has a record to review.")
    point = summary.operating_point
    if point.get("operating_threshold") is not None:
        console.print(
            f"To find {point['target_share']:.0%} of the matched people, work the queue down "
            f"to probability {point['operating_threshold']:.3f}: {point['people_to_review']:,} "
            "people, as the run's probabilities expect it"
            + (" (corrected by the reviewers' marks)." if "labels" in point else ".")
        )
    replanned = [p for p in summary.blocking_plan if p.get("replanned_from")]
    for p in replanned:
        if p["name"].endswith(" missing"):  # a refinement's companion (linkage/blocking.py)
            console.print(
                f"  and kept the pairs it would lose: {p['name']!r} "
                f"({p['comparisons']:,} comparisons)",
                style="yellow",
            )
            continue
        console.print(
            f"blocking rule {p['replanned_from']!r} was re-planned as {p['name']!r} "
            f"({p['comparisons']:,} comparisons)",
            style="yellow",
        )


def register(app: typer.Typer) -> None:
    @app.command()
    def wash(
        ctx: typer.Context,
        workforce: Annotated[Path, typer.Option(help="Workforce file (CSV, Parquet, XLSX).")],
        records: Annotated[Path, typer.Option(help="National records extract.")],
        events: Annotated[Path | None, typer.Option(help="Events linked to records.")] = None,
        export: Annotated[
            Path | None, typer.Option(help="Write candidate pairs to this .csv or .parquet.")
        ] = None,
        map_: Annotated[
            list[str] | None,
            typer.Option("--map", help="Column mapping canonical=SOURCE, repeatable."),
        ] = None,
        map_file: Annotated[Path | None, typer.Option(help="Column mapping file (TOML).")] = None,
        label: Annotated[str | None, typer.Option(help="A name for this run.")] = None,
    ) -> None:
        """Screen every workforce member against the records extract and save the run."""
        settings = settings_from(ctx)
        with handled_errors():
            actor = run_actor(ctx, settings)
            cmap = column_map_from(map_, map_file)
            with stage_progress() as progress:
                summary = review_service.wash(
                    settings=settings,
                    actor=actor,
                    workforce=workforce,
                    records=records,
                    events=events,
                    column_map=cmap,
                    label=label,
                    export=export,
                    progress=progress,
                )
        print_summary(summary)
