"""The end-to-end demonstration on synthetic data: the same services a team would use."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from datawash.auth.models import User
from datawash.auth.service import Actor, Role, add_user, get_actor
from datawash.config import Settings
from datawash.db import session_scope
from datawash.synth import generate
from datawash.wash.service import WashSummary, run_wash

Progress = Callable[[str, float], None]

DEMO_USERS = {
    "admin": Role.ADMINISTRATOR,
    "sam.supervisor": Role.SUPERVISOR,
    "riley.reviewer": Role.REVIEWER,
    "robin.reviewer": Role.REVIEWER,
    "pat.psd": Role.PSD_INVESTIGATOR,
    "fran.foi": Role.FOI_OFFICER,
    "alex.analyst": Role.ANALYST,
}


@dataclass
class DemoResult:
    wash: WashSummary
    inputs: Path
    notes: list[str] = field(default_factory=list)


def ensure_demo_users(settings: Settings) -> dict[str, Actor]:
    """Create the demo team once (the first is the administrator who adds the others)."""
    with session_scope(settings) as session:
        if session.get(User, "admin") is None:
            add_user(session, None, username="admin", role=Role.ADMINISTRATOR.value)
            session.flush()
        admin = get_actor(session, "admin")
        for name, role in DEMO_USERS.items():
            if session.get(User, name) is None:
                add_user(session, admin, username=name, role=role.value)
        session.flush()
        return {name: get_actor(session, name) for name in DEMO_USERS}


def run_demo(
    settings: Settings,
    *,
    workforce: int,
    records: int,
    seed: int,
    progress: Progress | None = None,
) -> DemoResult:
    step = progress or (lambda _s, _f: None)
    inputs = settings.data_dir / "demo-inputs"
    step("synth", 0.0)
    generate(inputs, workforce=workforce, records=records, seed=seed, fmt="csv")
    step("synth", 1.0)
    team = ensure_demo_users(settings)
    summary = run_wash(
        settings=settings,
        actor=team["sam.supervisor"],
        workforce=inputs / "workforce.csv",
        records=inputs / "records.csv",
        events=inputs / "events.csv",
        label="demo wash",
        export=settings.data_dir / "demo-pairs.csv",
        progress=step,
    )
    notes = [f"inputs: {inputs}", f"candidate pairs exported to {summary.export}"]
    notes += _against_truth(inputs / "truth.csv", settings.data_dir / "demo-pairs.csv")
    return DemoResult(wash=summary, inputs=inputs, notes=notes)


def _against_truth(truth_path: Path, pairs_path: Path) -> list[str]:
    """On synthetic data the truth is known: say how the wash did, and show evidence."""
    with truth_path.open(newline="") as fh:
        truth = {(r["person_id"], r["record_id"]) for r in csv.DictReader(fh)}
    with pairs_path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    found = {(r["person_id"], r["record_id"]) for r in rows}
    hits = found & truth
    lines = [
        f"against the synthetic truth: {len(hits):,} of {len(truth):,} true pairs found "
        f"(recall {len(hits) / max(len(truth), 1):.1%}), "
        f"precision {len(hits) / max(len(found), 1):.1%}"
    ]
    shown = [r for r in rows if r["band"] == "review"][:2] + [
        r for r in rows if r["band"] == "confirmed"
    ][:1]
    for r in shown:
        p = float(r["match_probability"])
        lines.append(f"  {r['person_id']} ~ {r['record_id']} ({r['band']}, p={p:.3f})")
        lines.extend(f"      {part}" for part in r["explanation"].split(" | "))
    return lines
