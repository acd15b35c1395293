"""A rich progress display fed by the services' progress(stage, fraction) callbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from datawash.cli.common import console

STAGE_TITLES = {
    "synth": "Synthesise force and extract",
    "load": "Load and validate inputs",
    "features": "Normalise names, dates, postcodes",
    "block": "Plan blocking",
    "train": "Train model (unsupervised)",
    "score": "Score candidate pairs",
    "save": "Save the run",
    "register": "Import the misconduct register",
    "review": "Review part of the queue (dual control)",
    "FOI response": "Answer the seed FOI request",
}


@contextmanager
def stage_progress(
    titles: dict[str, str] | None = None,
) -> Iterator[Callable[[str, float], None]]:
    """Yields a callback(stage, fraction); each stage gets its own bar."""
    names = titles or STAGE_TITLES
    with Progress(
        TextColumn("{task.description:<36}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, fraction: float) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(names.get(stage, stage), total=1.0)
            bars.update(tasks[stage], completed=min(max(fraction, 0.0), 1.0))

        yield update
