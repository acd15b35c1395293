"""kill -9 at many random points through a wash with export, then check: SQLite's integrity
check, `audit verify`, no half export under the real name, and a clean rerun. The tests
(tests/test_kill.py) do a few points; this does many.

    .venv/bin/python bench/kill_bench.py [--points 20] [--workforce 600] [--records 30000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "kill bench password"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--workforce", type=int, default=600)
    ap.add_argument("--records", type=int, default=30_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "kill")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from datawash.actor import SYSTEM
    from datawash.config import Settings
    from datawash.db import dispose_engine, session_scope
    from datawash.demo import ensure_demo_users
    from datawash.review.integrity import verify_all
    from datawash.synth import generate

    shutil.rmtree(args.out, ignore_errors=True)
    inputs = args.out / "inputs"
    generate(inputs, workforce=args.workforce, records=args.records, seed=3)
    cmd = [sys.executable, "-m", "datawash.cli.main"]
    rng = random.Random(7)
    rows = []
    for n in range(args.points):
        data = args.out / f"d{n}"
        settings = Settings(data_dir=data)
        ensure_demo_users(settings, password=PASSWORD)
        dispose_engine(settings)
        env = dict(os.environ, DATAWASH_PASSWORD=PASSWORD, DATAWASH_DATA_DIR=str(data))
        export = data.parent / f"pairs{n}.csv"
        wash = [
            "--user", "sam.supervisor", "wash", "--workforce", str(inputs / "workforce.csv"),
            "--records", str(inputs / "records.csv"), "--events", str(inputs / "events.csv"),
            "--export", str(export),
        ]  # fmt: skip
        after = rng.uniform(0.3, 9.0)
        proc = subprocess.Popen([*cmd, *wash], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            proc.wait(timeout=after)
            killed = False
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed = True
        con = sqlite3.connect(data / "datawash.sqlite")
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
        with session_scope(settings) as s:
            whole = verify_all(s, SYSTEM).ok
        half = export.exists() and killed
        t = time.perf_counter()
        rerun = subprocess.run([*cmd, *wash], env=env, capture_output=True, check=False)
        leftovers = list(export.parent.glob(f".{export.name}.*.partial"))
        dispose_engine(settings)
        rows.append((after, killed, integrity, whole, half, rerun.returncode, leftovers))
        print(
            f"kill at {after:4.1f} s: killed={killed} integrity={integrity} audit={whole} "
            f"half_export={half} rerun_rc={rerun.returncode} ({time.perf_counter() - t:.1f} s) "
            f"leftovers={len(leftovers)}",
            flush=True,
        )
    bad = [r for r in rows if r[2] != "ok" or not r[3] or r[4] or r[5] != 0 or r[6]]
    killed = sum(1 for r in rows if r[1])
    print(f"{len(rows)} points, {killed} killed mid-run, {len(bad)} with a problem")
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
