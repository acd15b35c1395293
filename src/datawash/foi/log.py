"""The public disclosure log: a CSV and an HTML index (reference, date, title, request,
response, exemptions) with each response letter beside it. Never the requester."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy.orm import Session

from datawash.auth.service import Actor, require
from datawash.foi.letter import ENV, build_letter, to_html
from datawash.foi.service import LogEntry, disclosure_log

COLUMNS = ["reference", "date", "title", "request", "response", "exemptions"]


def log_csv(entries: list[LogEntry]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.reference,
                e.date.isoformat(),
                e.title,
                e.request,
                e.response,
                "; ".join(e.exemptions),
            ]
        )
    return buf.getvalue()


def write_disclosure_log(
    session: Session, actor: Actor, out_dir: Path, *, authority: str
) -> list[Path]:
    """Write disclosure-log.csv, index.html and one anonymised letter per response."""
    require(actor, "foi.publish")
    entries = disclosure_log(session, actor)
    letters = {
        e.reference: to_html(build_letter(session, actor, e.reference, authority=authority))
        for e in entries
    }
    index = ENV.get_template("log.html.j2").render(
        authority=authority, entries=entries, letters={r: f"{r}.html" for r in letters}
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "disclosure-log.csv", out_dir / "index.html"]
    written[0].write_text(log_csv(entries), encoding="utf-8")
    written[1].write_text(index, encoding="utf-8")
    for ref, html in letters.items():
        path = out_dir / f"{ref}.html"
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written
