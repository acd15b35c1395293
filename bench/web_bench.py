"""The web application under a review team's load, after a wash of a force-sized extract
(default 12,225 people x 1,000,000 records): the queue and the person page timed at the
server (median and p95 of in-process requests), then 20 simulated reviewers for two
minutes over HTTP on loopback (waitress), each deciding the people assigned to them and
countersigning a partner's decisions; no error and no lost decision allowed. SQLite, and
PostgreSQL when DATAWASH_BENCH_POSTGRES_URL is set. Figures go to docs/benchmarks.md.

    .venv/bin/python bench/web_bench.py [--workforce 12225] [--records 1000000] [--seconds 120]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- web -->", "<!-- /web -->"
PASSWORD = "web bench password"
REVIEWERS = 20


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else 0.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A POST's 302 is its answer (success); the next page is asked for separately."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """One simulated reviewer's HTTP client with its own cookie jar."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.times: list[float] = []
        self.errors = 0
        self.failed_sign_ins = 0

    def get(self, path: str) -> str:
        """The page, or "" when the server answered otherwise (counted as an error: a
        redirect to sign-in means the session was lost)."""
        t = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as r:
                body: str = r.read().decode()
        except (urllib.error.HTTPError, urllib.error.URLError, TimeoutError):
            self.errors += 1
            body = ""
        self.times.append(time.perf_counter() - t)
        return body

    def sign_in(self, user: str) -> bool:
        page = self.get("/sign-in")
        status = self.post(
            "/sign-in", {"username": user, "password": PASSWORD, "csrf_token": self.token(page)}
        )
        if status != 302:
            self.errors += 1
            self.failed_sign_ins += 1
        return status == 302

    def post(self, path: str, data: dict[str, str]) -> int:
        t = time.perf_counter()
        try:
            with self.opener.open(
                self.base + path, urllib.parse.urlencode(data).encode(), timeout=60
            ) as r:
                status: int = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        self.times.append(time.perf_counter() - t)
        return status

    @staticmethod
    def token(page: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        return found.group(1) if found else ""


def run(label: str, settings: object, inputs: Path, seconds: float) -> list[str]:
    from waitress.server import create_server

    from datawash.actor import SYSTEM
    from datawash.auth.service import add_user, get_actor
    from datawash.db import session_scope
    from datawash.review import service as review
    from datawash.review.models import ReviewDecision
    from datawash.web import create_app

    t = time.perf_counter()
    summary = review.wash(
        settings=settings, actor=SYSTEM, workforce=inputs / "workforce.csv",
        records=inputs / "records.csv", events=inputs / "events.csv",
    )  # fmt: skip
    wash_s = time.perf_counter() - t
    names = [f"rev{n:02d}" for n in range(REVIEWERS)]
    with session_scope(settings) as s:  # type: ignore[arg-type]
        add_user(s, None, username="admin", role="administrator", password=PASSWORD)
        admin = get_actor(s, "admin")
        add_user(s, admin, username="sup", role="supervisor", password=PASSWORD)
        for n in names:
            add_user(s, admin, username=n, role="reviewer", password=PASSWORD)
        review.assign_evenly(s, get_actor(s, "sup"), reviewers=names)
    app = create_app(settings)  # type: ignore[arg-type]
    # At the server: the queue and a person page, in process.
    client = app.test_client()
    page = client.get("/sign-in").data.decode()
    client.post("/sign-in", data={"username": "rev00", "password": PASSWORD,
                                  "csrf_token": Browser.token(page)})  # fmt: skip
    queue_t, person_t = [], []
    first = re.findall(r'href="/review/([^"?]+)"', client.get("/review").data.decode())
    for k in range(40):
        t = time.perf_counter()
        client.get("/review")
        queue_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.get(f"/review/{first[k % len(first)]}")
        person_t.append(time.perf_counter() - t)
    # Over HTTP: 20 reviewers for ``seconds``.
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    base = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    threading.Thread(target=server.run, daemon=True).start()
    posted = {"decided": 0, "countersigned": 0}
    lock = threading.Lock()
    browsers = [Browser(base) for _ in names]
    stop = time.monotonic() + seconds

    def work(n: int) -> None:
        b, me = browsers[n], names[n]
        b.sign_in(me)
        while time.monotonic() < stop:
            queue = b.get("/review?view=mine")
            if not queue:
                b.sign_in(me)
                continue
            mine = re.findall(r'href="/review/([^"?]+)"', queue)
            for pid in mine[:1]:
                page = b.get(f"/review/{pid}")
                if "A different person must countersign it" in page:
                    continue
                marks = {
                    f"mark-{r}": "not_this_person"
                    for r in set(re.findall(r'name="mark-([^"]+)"', page))
                }
                form = {"csrf_token": b.token(page), "decision": "not_the_person",
                        "reason": "bench", **marks}  # fmt: skip
                status = b.post(f"/review/{pid}/decide", form)
                if status == 302:
                    with lock:
                        posted["decided"] += 1
                elif status not in (400, 409):
                    b.errors += 1
            inbox = re.findall(r'href="/review/([^"?]+)"', b.get("/review?view=countersign"))
            for pid in inbox[:1]:
                page = b.get(f"/review/{pid}")
                status = b.post(f"/review/{pid}/countersign", {"csrf_token": b.token(page),
                                "outcome": "agree", "countersign_reason": "bench",
                                "password": PASSWORD})  # fmt: skip
                if status == 302:
                    with lock:
                        posted["countersigned"] += 1
                elif status not in (400, 409):
                    b.errors += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(REVIEWERS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    server.close()
    with session_scope(settings) as s:  # type: ignore[arg-type]
        stored = s.query(ReviewDecision).filter(ReviewDecision.kind == "decision").count()
    times = [x for b in browsers for x in b.times]
    errors = sum(b.errors for b in browsers)
    lost = posted["decided"] - stored
    return [
        f"| {label} | {wash_s:.0f} | {summary.people_with_candidates:,} | "
        f"{statistics.median(queue_t) * 1000:.0f} / {p95(queue_t) * 1000:.0f} | "
        f"{statistics.median(person_t) * 1000:.0f} / {p95(person_t) * 1000:.0f} | "
        f"{len(times):,} | {p95(times) * 1000:.0f} | {posted['decided']:,} / "
        f"{posted['countersigned']:,} | {errors} "
        f"({sum(b.failed_sign_ins for b in browsers)} failed sign-ins) | {lost} |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workforce", type=int, default=12_225)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "web")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from datawash.config import Settings
    from datawash.synth import generate

    shutil.rmtree(args.out, ignore_errors=True)
    inputs = args.out / "inputs"
    generate(inputs, workforce=args.workforce, records=args.records, seed=7, with_register=False)
    rows = run("SQLite", Settings(data_dir=args.out / "sqlite"), inputs, args.seconds)
    pg = os.environ.get("DATAWASH_BENCH_POSTGRES_URL")
    if pg:
        rows += run("PostgreSQL", Settings(data_dir=args.out / "pg", database_url=pg), inputs,
                    args.seconds)  # fmt: skip
    text = "\n".join(
        [
            START,
            "## The web application under a review team (issue 10)",
            "",
            f"`bench/web_bench.py`, {datetime.now(UTC):%Y-%m-%d}: {args.workforce:,} people x "
            f"{args.records:,} records washed, then the queue and a person page timed at the "
            f"server (in process, 40 each), then {REVIEWERS} simulated reviewers for "
            f"{args.seconds:.0f} s over HTTP on loopback (waitress, 8 threads), each deciding "
            "the people assigned to them and countersigning others' decisions.",
            "",
            "| database | wash s | people with candidates | queue ms median / p95 | person page ms "
            "median / p95 | HTTP requests | HTTP p95 ms | decided / countersigned | errors | "
            "lost decisions |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "A 400 (the item was decided by someone else a moment before) or 409 (a conflict) "
            "is the expected answer to a race and is not an error; any other failure is.",
            END,
        ]
    )
    print(text)
    if args.no_write:
        return
    write_section(START, END, text)


if __name__ == "__main__":
    main()
