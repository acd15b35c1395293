"""The public disclosure log: a CSV and an HTML index (reference, date, title, request,
response, exemptions) with each response letter beside it. Never the requester."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.foi.letter import ENV, build_letter, to_html
from datawash.foi.service import LogEntry, disclosure_log
from datawash.outputs import csv_cell, write_private
from datawash.permissions import require

COLUMNS = ["reference", "date", "title", "request", "response", "exemptions"]


# The request is the public's own words: every cell goes through the one formula guard.
_cell = csv_cell


def log_csv(entries: list[LogEntry]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.reference,
                e.date.isoformat(),
                _cell(e.title),
                _cell(e.request),
                _cell(e.response),
                "; ".join(e.exemptions),
            ]
        )
    return buf.getvalue()


def render_disclosure_log(session: Session, actor: Actor, *, authority: str) -> dict[str, str]:
    """The log's files by name: disclosure-log.csv, index.html and one anonymised letter
    ("Dear Requester") per response sent. Rendered in full before anything is written."""
    require(actor, "foi.publish")
    entries = disclosure_log(session, actor, authority=authority)
    letters = {
        f"{e.reference}.html": to_html(
            build_letter(session, actor, e.reference, authority=authority)
        )
        for e in entries
    }
    index = ENV.get_template("log.html.j2").render(
        authority=authority,
        entries=entries,
        letters={e.reference: f"{e.reference}.html" for e in entries},
    )
    return {"disclosure-log.csv": log_csv(entries), "index.html": index, **letters}


def write_disclosure_log(
    session: Session, actor: Actor, out_dir: Path, *, authority: str
) -> list[Path]:
    """Write the rendered log into ``out_dir``."""
    files = render_disclosure_log(session, actor, authority=authority)
    return [write_private(out_dir / name, text) for name, text in files.items()]
