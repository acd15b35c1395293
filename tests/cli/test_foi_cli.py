"""`datawash foi …` from receipt to the disclosure log, on the small hand-made register of
tests/stats/test_registry.py: questions, the statutory clock across the 2023 Easter and
May bank holidays, answers (statistic, NCND, text), letters in three formats, sending, the
log without the requester, the seed response, and bad input that writes nothing."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from datawash.audit.models import AuditEvent
from datawash.cli.main import app
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import (
    DatawashError,
    ForbiddenTransition,
    InputError,
    NotFound,
    PermissionDenied,
)
from datawash.foi.deadlines import working_days_between

runner = CliRunner()
# Wide enough that rich never wraps or truncates a table cell or a line.
WIDE = {"COLUMNS": "250"}
REF = "FOI-2023-0001"
REQUESTER = "Ada Synthetic"
CONTACT = "ada.synthetic@example.invalid"
REQUEST = """Dear FOI team,

Please answer the following.
1. How many officers were dismissed for sexual misconduct in each financial year?
2. Are any named officers under covert investigation for domestic abuse?

Thank you.
"""
Q1 = (
    "How many officers and staff were dismissed for sexual or domestic abuse misconduct, "
    "by financial year?"
)
Q2 = "Are any named officers under covert investigation for domestic abuse?"
FIGURES = [
    "--statistic",
    "outcomes_by_year",
    "--param",
    "from_period=2018/19",
    "--param",
    "to_period=2022/23",
    "--param",
    "as_of=2023-04-06",
]


def foi(base: list[str], *args: str, user: str | None = "fran.foi") -> Result:
    who = ["--user", user] if user else []
    return runner.invoke(app, [*base, *who, "foi", *args], env=WIDE)


def ok(result: Result) -> str:
    """The output of a command that must succeed, with its whitespace made single."""
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return " ".join(result.stdout.split())


def refused(result: Result, error: type[DatawashError]) -> str:
    """The message of a command that must fail with ``error``'s exit code (no traceback)."""
    assert result.exit_code == error.exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: ")
    return " ".join(result.stderr.split())


def answered(base: list[str]) -> int:
    with session_scope(Settings(data_dir=Path(base[1]))) as s:
        stmt = select(func.count()).where(AuditEvent.action == "foi.answered")
        return int(s.scalar(stmt.select_from(AuditEvent)) or 0)


@pytest.fixture
def ref(base: list[str], tmp_path: Path) -> str:
    """A request received on Thursday 6 April 2023, logged from a file."""
    request = tmp_path / "request.txt"
    request.write_text(REQUEST, encoding="utf-8")
    out = foi(
        base,
        "receive",
        "--title",
        "Dismissals for sexual misconduct",
        "--requester",
        REQUESTER,
        "--contact",
        CONTACT,
        "--text-file",
        str(request),
        "--received",
        "2023-04-06",
    )
    assert ok(out).startswith(f"{REF}: 2 question(s), due 10/05/2023")
    assert REQUESTER not in out.output
    return REF


def test_due_date_across_easter_and_the_may_bank_holidays_2023() -> None:
    # Received Thursday 6 April 2023. Not working days: Good Friday 7 April, Easter Monday
    # 10 April, the early May bank holiday 1 May, the coronation 8 May, and weekends.
    # Working days 1-4: 11-14 April; 5-9: 17-21; 10-14: 24-28; 15-18: 2-5 May;
    # 19: Tuesday 9 May; 20: Wednesday 10 May.
    out = ok(runner.invoke(app, ["foi", "due", "2023-04-06"], env=WIDE))
    assert out == "due 10/05/2023 (20th working day after 06/04/2023)"
    # With no holiday in the way: Monday 5 June 2023 -> Monday 3 July (4 full weeks) ...
    assert "due 03/07/2023" in ok(runner.invoke(app, ["foi", "due", "2023-06-05"], env=WIDE))
    # ... and a bank holiday in any part of the UK counts (s10(6)): St Patrick's Day, Friday
    # 17 March 2023 in Northern Ireland, moves Monday 3 April to Tuesday 4 April.
    assert "due 04/04/2023" in ok(runner.invoke(app, ["foi", "due", "2023-03-06"], env=WIDE))
    bad = refused(runner.invoke(app, ["foi", "due", "2023-13-06"]), InputError)
    assert "RECEIVED" in bad and "'2023-13-06'" in bad


def test_exemptions_lists_the_catalogue() -> None:
    result = runner.invoke(app, ["foi", "exemptions"], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = re.findall(r"^│ (\d+) +│.*│ ([\dA-Z(), ]+?|-) +│", result.stdout, re.M)
    sections = [section for section, _ncnd in rows]
    assert sections == ["12", "14", "21", "22", "23", "24", "30", "31", "38", "40", "41", "43"]
    ncnd = dict(rows)
    assert ncnd["30"] == "30(3)" and ncnd["31"] == "31(3)"
    assert ncnd["40"] == "40(5), 40(5A), 40(5B)"
    assert ncnd["14"] == "-" and ncnd["21"] == "-"


def test_receive_show_and_edit_questions(base: list[str], ref: str) -> None:
    shown = ok(foi(base, "show", ref))
    assert f"{ref} [open] Dismissals for sexual misconduct" in shown
    assert "received 06/04/2023; due 10/05/2023" in shown
    # The preamble and the sign-off are left out of the questions.
    assert "1. How many officers were dismissed for sexual misconduct" in shown
    assert f"2. {Q2} not answered" in shown and "Thank you" not in shown
    assert "Dear FOI team" not in shown
    assert shown.count("not answered") == 2

    assert ok(foi(base, "question", ref, "edit", "--number", "1", "--text", Q1)) == (
        "question 1 changed"
    )
    assert ok(foi(base, "question", ref, "edit", "--number", "2", "--text", Q2))
    assert ok(foi(base, "question", ref, "add", "--text", "Stray line")) == "added question 3"
    assert ok(foi(base, "question", ref, "add", "--text", "Do you publish these figures?")) == (
        "added question 4"
    )
    removed = ok(foi(base, "question", ref, "remove", "--number", "3"))
    assert removed == "question 3 removed; the others renumbered"

    shown = ok(foi(base, "show", ref))
    assert f"1. {Q1}" in shown
    assert f"2. {Q2} not answered" in shown  # the sign-off is gone
    assert "3. Do you publish these figures?" in shown
    assert "Stray line" not in shown and "4. Do you publish" not in shown

    usage = refused(foi(base, "question", ref, "edit", "--text", "no number"), InputError)
    assert "edit --number N --text T" in usage
    missing = refused(foi(base, "question", ref, "edit", "--number", "9", "--text", "x"), NotFound)
    assert "9" in missing


def test_clock_stops_for_clarification_and_a_fee_and_restarts(base: list[str], ref: str) -> None:
    stopped = ok(foi(base, "clock", ref, "clarify", "--on", "2023-04-12"))
    assert stopped.startswith(f"{ref}: awaiting_clarification, clock stopped")
    shown = ok(foi(base, "show", ref))
    assert f"{ref} [awaiting_clarification]" in shown
    assert "due clock stopped" in shown
    assert "clock stop: clarification from 2023-04-12 to -" in shown
    # Nothing can be sent while waiting.
    refused(foi(base, "send", ref, "--on", "2023-04-13"), ForbiddenTransition)

    # The clarification arrives on Monday 17 April: 20 working days start again from it.
    # 1-4: 18-21 April; 5-9: 24-28; 10-13: 2-5 May (1 May a holiday); 14-17: 9-12 May
    # (8 May a holiday); 18-20: 15-17 May.
    resumed = ok(
        foi(base, "clock", ref, "resume", "--on", "2023-04-17", "--note", "All officers and staff.")
    )
    assert resumed.startswith(f"{ref}: open, due 17/05/2023")
    assert "clarification received; request received 06/04/2023" in resumed
    assert "not waiting" in refused(foi(base, "clock", ref, "resume"), InputError)

    # A fees notice on Wednesday 19 April, paid Friday 21 April: those three working days
    # do not count, so the due date moves three working days on: 18, 19 and 22 May.
    assert "clock stopped" in ok(foi(base, "clock", ref, "fee", "--on", "2023-04-19"))
    paid = ok(foi(base, "clock", ref, "resume", "--on", "2023-04-21"))
    assert paid.startswith(f"{ref}: open, due 22/05/2023")
    assert "3 working day(s) paused for a fees notice" in paid
    shown = ok(foi(base, "show", ref))
    assert "clock stop: fee from 2023-04-19 to 2023-04-21" in shown

    assert "clarify, fee or resume" in refused(foi(base, "clock", ref, "pause"), InputError)
    early = refused(foi(base, "clock", ref, "clarify", "--on", "2023-04-01"), InputError)
    assert "before the request was received" in early


def test_answer_letter_send_and_disclosure_log(base: list[str], ref: str, tmp_path: Path) -> None:
    assert ok(foi(base, "question", ref, "edit", "--number", "1", "--text", Q1))
    assert ok(foi(base, "question", ref, "edit", "--number", "2", "--text", Q2))
    assert ok(foi(base, "question", ref, "add", "--text", "Do you publish these figures?"))

    # Q1 with a statistic: every dismissal count in the register is 1, so all five non-zero
    # cells are shown as "fewer than 5" (threshold 5); no total, so nothing more withheld.
    figures = ok(foi(base, "answer", ref, "1", *FIGURES))
    assert figures == (
        "disclosure control: 5 small count(s) shown as 'fewer than 5', 0 more withheld "
        "question 1 answered"
    )
    ncnd = foi(base, "answer", ref, "2", "--exempt", "30(3)", "--exempt", "s40(5)", "--ncnd")
    assert ok(ncnd) == "question 2 answered"
    text = "Yes: the force publishes these figures each year."
    assert ok(foi(base, "answer", ref, "3", "--text", text)) == "question 3 answered"

    shown = ok(foi(base, "show", ref))
    assert "not answered" not in shown
    assert "dismissed or would have been dismissed, by financial year" in shown
    assert shown.count("fewer than 5") == 5
    assert "disclosure control (outcomes_by_year): threshold 5, 5 suppressed, 0 withheld" in shown
    assert "Synthetic Constabulary can neither confirm nor deny that it holds" in shown
    assert "s30(3) Investigations" in shown and "s40(5) Personal information" in shown
    assert f"3. Do you publish these figures? {text}" in shown

    # The letter, in three formats, addressed to no one (the copy for the log).
    letters = tmp_path / "letters"
    wrote = ok(foi(base, "letter", ref, "--out", str(letters)))
    paths = {fmt: letters / f"{ref}.{fmt}" for fmt in ("html", "pdf", "docx")}
    for path in paths.values():
        assert f"wrote {path}" in wrote
        assert path.stat().st_size > 0

    html = " ".join(paths["html"].read_text(encoding="utf-8").split())
    docx = Document(str(paths["docx"]))
    docx_text = " ".join(" ".join(p.text for p in docx.paragraphs).split())
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(paths["pdf"]).pages).split())
    for rendered in (html, docx_text, pdf_text):
        assert Q1 in rendered
        assert "neither confirm nor deny" in rendered
        assert text in rendered
        assert "Dear Requester" in rendered
        assert REQUESTER not in rendered and CONTACT not in rendered
    assert "REFUSAL NOTICE (SECTION 17)" in pdf_text
    assert "Refusal notice (section 17)" in docx_text
    # The DOCX table: the five years, and no count under 5 given exactly.
    (table,) = docx.tables
    body = [[cell.text for cell in row.cells] for row in table.rows][1:]
    assert [row[0] for row in body] == ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
    assert {cell for row in body for cell in row[1:]} == {"0", "fewer than 5"}

    # The copy sent names the requester.
    sent_copy = tmp_path / "sent"
    ok(foi(base, "letter", ref, "--addressed", "--format", "html", "--out", str(sent_copy)))
    assert f"Dear {REQUESTER}" in (sent_copy / f"{ref}.html").read_text(encoding="utf-8")
    assert not (sent_copy / f"{ref}.pdf").exists()

    # Another request, left open: it must not reach the log.
    other = foi(
        base,
        "receive",
        "--title",
        "Vehicle fleet",
        "--requester",
        "Bo Synthetic",
        "--text",
        "How many cars?",
        "--received",
        "2023-04-20",
    )
    assert ok(other).startswith("FOI-2023-0002: 1 question(s)")

    # Due 10/05/2023 (no clock stops here): sent on time.
    assert ok(foi(base, "send", ref, "--on", "2023-05-09")) == f"{ref} sent 09/05/2023"
    assert "is sent" in refused(foi(base, "answer", ref, "3", "--text", "late"), InputError)
    edit = foi(base, "question", ref, "edit", "--number", "1", "--text", "changed")
    assert "can no longer change" in refused(edit, InputError)

    log_dir = tmp_path / "log"
    assert ok(foi(base, "log", "--out", str(log_dir))) == f"wrote 3 files to {log_dir}"
    files = {p.name: p.read_text(encoding="utf-8") for p in log_dir.iterdir()}
    assert set(files) == {"disclosure-log.csv", "index.html", f"{ref}.html"}
    (entry,) = list(csv.DictReader(io.StringIO(files["disclosure-log.csv"])))
    assert entry["reference"] == ref and entry["date"] == "2023-05-09"
    assert entry["title"] == "Dismissals for sexual misconduct"
    assert entry["request"].startswith(f"1. {Q1}")
    assert "neither confirm nor deny" in entry["response"]
    assert entry["exemptions"] == "s30(3); s40(2); s40(5)"
    assert f'href="{ref}.html"' in files["index.html"]
    for name, content in files.items():
        assert REQUESTER not in content and CONTACT not in content, name
        assert "FOI-2023-0002" not in content and "Vehicle fleet" not in content, name
    # Publishing is for the FOI officer only.
    refused(foi(base, "log", "--out", str(tmp_path / "x"), user="sam.supervisor"), PermissionDenied)
    assert not (tmp_path / "x").exists()


def test_a_response_sent_after_the_due_date_is_late(base: list[str]) -> None:
    receive = ["receive", "--title", "t", "--requester", "r", "--text", "Q?"]
    for reference in ("FOI-2023-0001", "FOI-2023-0002"):
        got = ok(foi(base, *receive, "--received", "2023-04-06"))
        assert got.startswith(f"{reference}: 1 question(s), due 10/05/2023")
        assert ok(foi(base, "answer", reference, "1", "--text", "A."))
    on_time = ok(foi(base, "send", "FOI-2023-0001", "--on", "2023-05-10"))
    assert on_time == "FOI-2023-0001 sent 10/05/2023"
    late = ok(foi(base, "send", "FOI-2023-0002", "--on", "2023-05-11"))
    assert late == "FOI-2023-0002 sent 11/05/2023 (LATE)"


def test_bad_input_is_refused_and_writes_nothing(base: list[str], ref: str, tmp_path: Path) -> None:
    unknown = refused(foi(base, "show", "FOI-2099-9999"), NotFound)
    assert "FOI-2099-9999" in unknown
    assert "FOI-2099-9999" in refused(
        foi(base, "answer", "FOI-2099-9999", "1", "--text", "x"), NotFound
    )

    for args, error, fragment in [
        (["--exempt", "99"], InputError, "'99' is not a section in the catalogue"),
        (["--exempt", "30", "--ncnd"], InputError, "30(3)"),
        (["--ncnd"], InputError, "at least one section"),
        (["--ncnd", "--exempt", "30(3)", *FIGURES], InputError, "cannot also give figures"),
        (["--statistic", "nonsense"], InputError, "no statistic called 'nonsense'"),
        (["--statistic", "outcomes_by_year", "--param", "colour=red"], InputError, "colour"),
        (["--statistic", "outcomes_by_year", "--param", "as_of"], InputError, "key=value"),
        (
            ["--statistic", "outcomes_by_year", "--param", "from_period=2018/20"],
            InputError,
            "2018/20",
        ),
        ([], InputError, "needs a statistic, an exemption or some text"),
    ]:
        assert fragment in refused(foi(base, "answer", ref, "1", *args), error), args
    assert "9" in refused(foi(base, "answer", ref, "9", "--text", "x"), NotFound)
    refused(foi(base, "answer", ref, "1", "--text", "x", user="sam.supervisor"), PermissionDenied)

    shown = ok(foi(base, "show", ref))
    assert shown.count("not answered") == 2
    assert answered(base) == 0

    # A failed answer leaves an earlier one as it was.
    assert ok(foi(base, "answer", ref, "1", "--text", "First answer."))
    refused(foi(base, "answer", ref, "1", "--exempt", "99"), InputError)
    shown = ok(foi(base, "show", ref))
    assert "First answer." in shown and shown.count("not answered") == 1
    assert answered(base) == 1

    # An unknown letter format: no file written, not even the good formats.
    out = tmp_path / "letters"
    bad_format = foi(base, "letter", ref, "--format", "html,odt", "--out", str(out))
    assert "'odt'" in refused(bad_format, InputError)
    assert not out.exists()

    # Receiving: no text, an unreadable file, a future date, the wrong role.
    receive = ["receive", "--title", "t", "--requester", "r"]
    assert "--text-file or --text" in refused(foi(base, *receive), InputError)
    missing = tmp_path / "missing.txt"
    assert "cannot read" in refused(foi(base, *receive, "--text-file", str(missing)), InputError)
    future = foi(base, *receive, "--text", "q", "--received", "2999-01-01")
    assert "in the future" in refused(future, InputError)
    assert "--received" in refused(
        foi(base, *receive, "--text", "q", "--received", "x"), InputError
    )
    denied = refused(foi(base, *receive, "--text", "q", user="alex.analyst"), PermissionDenied)
    assert "foi.manage" in denied
    refused(foi(base, "show", ref, user="alex.analyst"), PermissionDenied)
    assert f"{ref} [open]" in ok(foi(base, "show", ref, user="sam.supervisor"))
    listed = ok(foi(base, "list"))
    assert ref in listed and "FOI-2023-0002" not in listed


def test_seed_answers_the_reference_request_from_the_register(
    base: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "seed"
    seeded = ok(
        foi(base, "seed", "--received", "2023-02-20", "--as-of", "2023-02-20", "--out", str(out))
    )
    assert seeded.startswith(f"{REF}: the seed request, answered")
    for fmt in ("html", "pdf", "docx"):
        assert (out / f"{REF}.{fmt}").stat().st_size > 0

    shown = ok(foi(base, "show", REF))
    assert "not answered" not in shown
    # Questions 1 and 2: neither confirm nor deny, citing the four NCND subsections.
    ncnd = "can neither confirm nor deny that it holds the information"
    assert shown.count(ncnd) == 2
    for section in ("s30(3)", "s31(3)", "s38(2)", "s40(5)"):
        assert section in shown
    # Question 3: two tables (domestic abuse, sexual) of dismissals by financial year; the
    # 1s are controlled (1 cell for domestic abuse, 4 for sexual offences).
    assert "threshold 5, 1 suppressed, 0 withheld" in shown
    assert "threshold 5, 4 suppressed, 0 withheld" in shown
    assert "We expect our officers and staff to uphold the highest standards" in shown
    # Question 4: no wash has been run, so the review of completed cases has not commenced
    # (the seed's own answer): no counts, no "yes" - although the register holds C1, C3, C5.
    assert "The work has not yet commenced" in shown
    assert "completed cases" in shown and "not yet able to say how many" in shown
    assert "Fewer than 5 completed cases" not in shown and "yes, the force" not in shown

    docx = Document(str(out / f"{REF}.docx"))
    docx_text = " ".join(" ".join(p.text for p in docx.paragraphs).split())
    assert "neither confirm nor deny" in docx_text and "Dear Requester" in docx_text
    assert "Synthetic Requester" not in docx_text

    refused(foi(base, "seed", "--as-of", "2023-02-30"), InputError)
    refused(foi(base, "seed", user="alex.analyst"), PermissionDenied)


def test_list_shows_working_days_left_and_overdue(base: list[str], tmp_path: Path) -> None:
    today = date.today()
    old = ok(
        foi(
            base,
            "receive",
            "--received",
            "2023-02-06",
            "--title",
            "Old",
            "--requester",
            REQUESTER,
            "--text",
            "How many?",
        )
    )
    assert "FOI-2023-0001" in old
    ok(
        foi(
            base,
            "receive",
            "--received",
            today.isoformat(),
            "--title",
            "New",
            "--requester",
            REQUESTER,
            "--text",
            "How many?",
        )
    )
    listed = " ".join(re.sub(r"[│┃]", " ", ok(foi(base, "list"))).split())
    # Due 06/03/2023; overdue by every working day since.
    overdue = working_days_between(date(2023, 3, 6), today)
    assert f"06/03/2023 OVERDUE by {overdue}" in listed
    # Received today: all 20 working days are left (counted from today to the due date).
    assert re.search(r"New open \d\d/\d\d/\d{4} 20 ", listed), listed


def test_estimate_then_refuse_on_cost(base: list[str], ref: str) -> None:
    assert ok(foi(base, "estimate", ref, "12")) == f"{ref}: 12 h = £300.00, within the limit"
    shown = ok(foi(base, "estimate", ref, "20"))
    assert shown == f"{ref}: 20 h = £500.00, over the limit: s12 applies"
    ok(foi(base, "answer", ref, "1", "--exempt", "12"))
    assert "£500.00" in ok(foi(base, "show", ref))


def test_several_tables_in_one_answer_each_with_its_own_parameters(
    base: list[str], ref: str
) -> None:
    two = [*FIGURES, "--statistic", "outcomes_by_year", "--param", "1:roles=officer",
           "--param", "2:roles=staff"]  # fmt: skip
    ok(foi(base, "answer", ref, "1", *two))
    with session_scope(Settings(data_dir=Path(base[1]))) as s:
        from datawash.foi.service import get_request
        from tests.review.helpers import FOI

        q1 = next(q for q in get_request(s, FOI, ref).questions if q.number == 1)
        assert q1.answer is not None
        tables = [b for b in q1.answer.blocks if b["kind"] == "statistic"]
    assert [t["params"]["roles"] for t in tables] == [["officer"], ["staff"]]
    assert [t["params"]["from_period"] for t in tables] == ["2018/19", "2018/19"]  # shared
    titles = [t["table"]["title"] for t in tables]
    assert "police officers" in titles[0] and "police staff" in titles[1]
    bad = foi(base, "answer", ref, "1", *FIGURES, "--param", "3:roles=staff")
    assert "N must be 1 to 1" in refused(bad, InputError)


def test_seed_publishes_small_counts_only_with_a_recorded_reason(
    base: list[str], tmp_path: Path
) -> None:
    reason = "the force published these figures before; no one can be identified"
    ok(foi(base, "seed", "--received", "2023-02-20", "--as-of", "2023-02-20",
           "--disclose-small-counts", reason))  # fmt: skip
    shown = ok(foi(base, "show", REF))
    assert reason in shown  # the officer's reason is on the record, shown with the answer
    with session_scope(Settings(data_dir=Path(base[1]))) as s:
        from datawash.foi.service import get_request
        from tests.review.helpers import FOI

        q3 = next(q for q in get_request(s, FOI, REF).questions if q.number == 3)
        assert q3.answer is not None
        tables = [b["table"] for b in q3.answer.blocks if b["kind"] == "statistic"]
    cells = [c for t in tables for row in t["rows"] for c in row[1:]]
    assert len(tables) == 2 and all(isinstance(c, int) for c in cells)  # nothing withheld
    assert any(0 < c < 5 for c in cells)  # the small counts, as they are
