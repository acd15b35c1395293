"""Are the wash's training samples big enough, or bigger than they need to be? (issue 13)

    python bench/sample_sizes.py [--records 1000000] [--seeds 3]

The u probabilities are estimated from random (person, record) pairs: 1,200,000 of them in
a wash (``linkage.engine.U_MAX_PAIRS``). Here u is estimated again with 300,000, 600,000,
1,200,000 and 2,400,000 pairs, each with several seeds, on the synthetic benchmark data.
For each size: how far each level's u moves between seeds (in bits, the unit its weight is
in: log2 of the ratio to the run at 2,400,000 pairs, seed 0), over the levels random pairs
fall in often enough to be estimated (u >= 1e-4); and the time taken. A size is enough when
the spread is small beside the weights the levels carry (typically 2-15 bits).
Results: a section of docs/benchmarks.md (<!-- samples -->).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run_bench  # noqa: E402

SIZES = (300_000, 600_000, 1_200_000, 2_400_000)


def u_levels(model: dict[str, Any]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            u = level.get("u_probability")
            if isinstance(u, int | float) and u > 0:
                out[(comparison["output_column_name"], level["label_for_charts"])] = float(u)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    from splink import DuckDBAPI, Linker

    from datawash.config import Settings
    from datawash.ingest.readers import load_table
    from datawash.linkage import engine
    from datawash.linkage.features import build_features
    from datawash.wash.service import open_workspace

    folder = run_bench.synth(args.records, 12225)
    data = Path(tempfile.mkdtemp(prefix="bench-samples-"))
    con = open_workspace(Settings(data_dir=data))
    load_table(con, next(folder.glob("workforce.*")), "workforce")
    load_table(con, next(folder.glob("records.*")), "records")
    build_features(con, source="workforce", target=engine.WORKFORCE, id_column="person_id",
                   kind="workforce")  # fmt: skip
    build_features(con, source="records", target=engine.RECORDS, id_column="record_id",
                   kind="records")  # fmt: skip
    con.execute(
        f"CREATE TABLE {engine.U_SAMPLE} AS SELECT * FROM {engine.RECORDS} "
        f"ORDER BY hash(unique_id || '#42'), unique_id LIMIT {engine.U_SAMPLE_ROWS}"
    )
    db_api = DuckDBAPI(connection=con)
    left = db_api.register(engine.WORKFORCE, table_name="a_w")
    right = db_api.register(engine.U_SAMPLE, table_name="b_u")
    runs: dict[tuple[int, int], dict[tuple[str, str], float]] = {}
    seconds: dict[int, list[float]] = {}
    for size in SIZES:
        for seed in range(args.seeds):
            linker = Linker([left, right], engine._settings_dict(), log_level=None)
            t0 = time.perf_counter()
            linker.training.estimate_u_using_random_sampling(max_pairs=size, seed=seed + 1)
            seconds.setdefault(size, []).append(time.perf_counter() - t0)
            runs[(size, seed)] = u_levels(linker.misc.save_model_to_json())
            print(size, seed, f"{seconds[size][-1]:.1f} s", flush=True)
    reference = runs[(SIZES[-1], 0)]
    levels = [k for k, u in reference.items() if u >= 1e-4]
    rows = []
    for size in SIZES:
        worst, typical = 0.0, []
        for seed in range(args.seeds):
            if (size, seed) == (SIZES[-1], 0):
                continue
            got = runs[(size, seed)]
            diffs = [abs(math.log2(got[k] / reference[k])) for k in levels if got.get(k)]
            worst = max(worst, *diffs)
            typical += diffs
        typical.sort()
        median = typical[len(typical) // 2] if typical else 0.0
        rows.append((size, sum(seconds[size]) / len(seconds[size]), median, worst))
        print(rows[-1], flush=True)
    write_docs(rows, len(levels), args)


def write_docs(rows: list[tuple[int, float, float, float]], n_levels: int, args: Any) -> None:
    lines = [
        "<!-- samples -->",
        "## How many random pairs u needs (issue 13)",
        "",
        f"`bench/sample_sizes.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{run_bench.machine()}: u estimated from random pairs of the 12,225-person "
        f"workforce and the wash's 250,000-record sample of synth x {args.records:,}, "
        f"{args.seeds} seeds per size; the spread is |log2(u / u at 2,400,000 pairs, seed "
        f"0)| over the {n_levels} levels with u >= 1e-4, in bits (a level's weight is "
        "log2(m/u), typically 2-15 bits).",
        "",
        "| random pairs | seconds | median spread (bits) | worst spread (bits) |",
        "|---:|---:|---:|---:|",
    ]
    for size, secs, median, worst in rows:
        lines.append(f"| {size:,} | {secs:.1f} | {median:.3f} | {worst:.3f} |")
    lines.append("<!-- /samples -->")
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    block = "\n".join(lines)
    if "<!-- samples -->" in text:
        head, rest = text.split("<!-- samples -->", 1)
        tail = rest.split("<!-- /samples -->", 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
