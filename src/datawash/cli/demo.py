"""`datawash demo`: a small synthetic force, end to end, in well under a minute."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from datawash.cli.common import console, handled_errors, plain, settings_from
from datawash.cli.progress import stage_progress
from datawash.cli.wash import print_summary


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        ctx: typer.Context,
        workforce: Annotated[int, typer.Option(help="People in the synthetic force.")] = 800,
        records: Annotated[int, typer.Option(help="Records in the synthetic extract.")] = 60_000,
        seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    ) -> None:
        """Synthesise a small force and extract, wash them, open the review items, report
        the quality of the wash against the synthetic truth, import the misconduct register,
        review part of the queue under dual control, and answer the seed FOI request (HTML,
        PDF, DOCX and the disclosure log)."""
        from datawash.demo import DemoResult, run_demo

        settings = settings_from(ctx)
        started = time.perf_counter()
        with handled_errors(), stage_progress() as progress:
            result: DemoResult = run_demo(
                settings, workforce=workforce, records=records, seed=seed, progress=progress
            )
        print_summary(result.wash)
        for line in result.notes:
            console.print(line)
        if result.review is not None:
            t = result.review
            console.print(
                f"review: {t.reviewed:,} people reviewed - {t.confirmed:,} identity confirmed "
                f"(countersigned), {t.not_the_person:,} not the person, {t.referred:,} referred "
                f"to PSD, {t.no_further_action:,} no further action"
            )
        if result.foi is not None:
            due = f"{result.foi.due_on:%d/%m/%Y}" if result.foi.due_on else "not set"
            console.print(f"FOI response {result.foi.reference} sent (statutory due date {due}):")
            for path in result.foi.files:
                console.print(f"  {path}")
        if result.passwords:
            console.print("demo users and their passwords (for `datawash serve` and --user):")
            for name, password in result.passwords.items():
                plain(f"  {name:<16} {password}")
        console.print(f"demo finished in {time.perf_counter() - started:.1f} s", style="bold green")
