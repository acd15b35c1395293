"""How long datawash takes to answer the seed FOI request at a real force's size: the whole
chain a team runs (synthesise 12,225 people x 1,000,000 records, wash, import the register,
review part of the queue under dual control, answer the seed request as HTML, PDF and DOCX
with the disclosure log), timed stage by stage in one run, then the FOI step again on its
own (what answering the next such request costs once the data is in). Figures go to the
FOI section of docs/benchmarks.md (between its markers; the linkage table is untouched).

    .venv/bin/python bench/foi_bench.py [--workforce 12225] [--records 1000000]
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from datawash.config import Settings
from datawash.demo import answer_seed_request, ensure_demo_users, run_demo

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- foi -->", "<!-- /foi -->"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workforce", type=int, default=12_225)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "foi")
    ap.add_argument("--no-write", action="store_true", help="print, do not touch the docs")
    args = ap.parse_args()

    shutil.rmtree(args.out, ignore_errors=True)
    settings = Settings(data_dir=args.out)
    began: dict[str, float] = {}
    took: dict[str, float] = {}

    def progress(stage: str, fraction: float) -> None:
        now = time.perf_counter()
        began.setdefault(stage, now)
        if fraction >= 1.0:
            took[stage] = now - began[stage]

    t0 = time.perf_counter()
    result = run_demo(
        settings,
        workforce=args.workforce,
        records=args.records,
        seed=args.seed,
        progress=progress,
    )
    total = time.perf_counter() - t0
    assert result.foi is not None and result.review is not None

    t1 = time.perf_counter()
    again = answer_seed_request(
        settings, ensure_demo_users(settings)["fran.foi"], today=datetime.now(UTC).date()
    )
    foi_again = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    wash_stages = ("load", "features", "block", "train", "score", "save")
    rows = [
        ("synthesise force and extract", took.get("synth", 0.0)),
        ("wash (load, link, save, open review items)", sum(took.get(s, 0.0) for s in wash_stages)),
        ("import the misconduct register", took.get("register", 0.0)),
        (
            f"review {result.review.reviewed:,} people under dual control",
            took.get("review", 0.0),
        ),
        ("answer the seed request, send, render letter and log", took.get("FOI response", 0.0)),
        ("whole chain", total),
        ("answer the next seed request alone (data already in)", foi_again),
    ]
    sizes = {
        p.suffix or p.name: p.stat().st_size for p in again.files if p.parent == args.out / "foi"
    }
    lines = [
        START,
        "## Answering the seed FOI request (issue 4)",
        "",
        f"`bench/foi_bench.py`, one run on {datetime.now(UTC):%Y-%m-%d}: "
        f"{args.workforce:,} people x {args.records:,} records (seed {args.seed}), "
        f"Python {platform.python_version()}, 2 cores. Peak resident memory of the process: "
        f"{peak_mb:,.0f} MB.",
        "",
        "| step | wall s |",
        "|---|---:|",
        *[f"| {name} | {secs:.1f} |" for name, secs in rows],
        "",
        f"The wash found {result.wash.people_with_candidates:,} people with candidates; the "
        f"demo's reviewers took {result.review.reviewed:,} of them ({result.review.referred:,} "
        f"referred). Letter sizes: HTML {sizes.get('.html', 0) / 1024:,.0f} KB, PDF "
        f"{sizes.get('.pdf', 0) / 1024:,.0f} KB, DOCX {sizes.get('.docx', 0) / 1024:,.0f} KB "
        '(each with three charts). The issue asks for such a response "in minutes"; it names '
        "no software peer (today it is built by hand from spreadsheets), so there is none to "
        "run beside it.",
        END,
    ]
    section = "\n".join(lines)
    print(section)
    if args.no_write:
        return
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
