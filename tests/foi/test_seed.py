"""The seed response as an acceptance test: `datawash demo` on a small synthetic force ends
with the equivalent of shared/reference/seed-foi-response.txt, and the HTML, PDF and DOCX
it writes are opened back and read. Expected figures are worked out here, independently of
the statistics' SQL, from the synthetic register the demo imported."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from datawash.config import Settings
from datawash.db import session_scope
from datawash.demo import DEADLINE_AFTER, DemoResult, run_demo
from datawash.foi.seed import FIRST_YEAR, LAST_YEAR, NCND_SECTIONS, SEED_QUESTIONS
from datawash.foi.service import get_request
from datawash.stats.tables import StatTable

YEARS = ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
THRESHOLD = 5


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, DemoResult]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("demo"))
    result = run_demo(settings, workforce=300, records=15_000, seed=5)
    return settings, result


def _financial_year(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _expected_dismissals(allegations: Path) -> dict[str, dict[str, int]]:
    """Distinct officers and staff dismissed (or who would have been) per category and
    financial year."""
    people: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    with allegations.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["outcome"] not in ("dismissed", "would_have_been_dismissed"):
                continue
            if row["role_at_time"] not in ("officer", "staff"):  # "officers and police staff"
                continue
            year = _financial_year(date.fromisoformat(row["outcome_on"]))
            people[row["category"]][year].add(row["person_id"])
    return {c: {y: len(people[c][y]) for y in YEARS} for c in ("domestic_abuse", "sexual")}


def _published(n: int) -> int | str:
    return f"fewer than {THRESHOLD}" if 0 < n < THRESHOLD else n


def _answers(settings: Settings, reference: str) -> list[list[dict[str, object]]]:
    with session_scope(settings) as s:
        from datawash.auth.service import get_actor

        req = get_request(s, get_actor(s, "fran.foi"), reference)
        return [list(q.answer.blocks) if q.answer else [] for q in req.questions]


def test_the_demo_ends_with_the_seed_response(demo: tuple[Settings, DemoResult]) -> None:
    _settings, result = demo
    assert result.foi is not None and result.review is not None
    names = sorted(p.name for p in result.foi.files)
    ref = result.foi.reference
    assert names == sorted(
        [
            f"{ref}.html",
            f"{ref}.pdf",
            f"{ref}.docx",
            "disclosure-log.csv",
            "index.html",
            f"{ref}.html",
        ]
    )
    assert all(p.stat().st_size > 0 for p in result.foi.files)
    # Every person the demo's reviewers took was either confirmed or ruled out.
    assert result.review.reviewed > 0
    assert result.review.confirmed + result.review.not_the_person == result.review.reviewed


def test_questions_1_and_2_neither_confirm_nor_deny(demo: tuple[Settings, DemoResult]) -> None:
    settings, result = demo
    assert result.foi is not None
    blocks = _answers(settings, result.foi.reference)
    assert [b["kind"] for b in blocks[0]] == ["ncnd"]
    # Identical wording for both, and no figure in either.
    assert blocks[0] == blocks[1]
    text = str(blocks[0][0]["text"])
    assert "neither confirm nor deny" in text
    for section in NCND_SECTIONS:
        assert f"s{section}" in text
    assert not re.search(r"\d+ (cases|officers|people)", text)


def test_question_3_is_two_tables_of_dismissals_by_financial_year(
    demo: tuple[Settings, DemoResult],
) -> None:
    settings, result = demo
    assert result.foi is not None
    expected = _expected_dismissals(result.inputs / "allegations.csv")
    # The synthetic register must make the test meaningful: some dismissals in range.
    assert sum(sum(v.values()) for v in expected.values()) > 0
    blocks = _answers(settings, result.foi.reference)[2]
    tables = [StatTable.from_dict(b["table"]) for b in blocks if b["kind"] == "statistic"]  # type: ignore[arg-type]
    assert [t.columns for t in tables] == [["year", "domestic_abuse"], ["year", "sexual"]]
    for table in tables:
        category = table.columns[1]
        assert [r[0] for r in table.rows] == YEARS  # every year, 2018/19 to 2022/23
        assert [r[1] for r in table.rows] == [_published(expected[category][y]) for y in YEARS]
        assert table.parameters["from_period"] == FIRST_YEAR
        assert table.parameters["to_period"] == LAST_YEAR
        assert table.parameters["roles"] == ["officer", "staff"]
        assert "officer" in table.title and "staff" in table.title
    decisions = [b["disclosure"] for b in blocks if b["kind"] == "statistic"]
    for decision, category in zip(decisions, ("domestic_abuse", "sexual"), strict=True):
        small = sum(1 for y in YEARS if 0 < expected[category][y] < THRESHOLD)
        assert len(decision["primary"]) == small  # type: ignore[index]


def test_question_4_narrative_has_the_wash_figures_and_deadline(
    demo: tuple[Settings, DemoResult],
) -> None:
    settings, result = demo
    assert result.foi is not None
    blocks = _answers(settings, result.foi.reference)[3]
    assert blocks[0]["kind"] == "text"
    narrative = str(blocks[0]["text"])
    today = datetime.now(UTC).date()
    deadline = today + DEADLINE_AFTER
    assert f"{result.wash.people:,} people have been checked" in narrative
    # After a wash, with completed cases in scope in the register, the answer is yes.
    assert "yes, the force is reviewing completed cases" in narrative
    assert f"{deadline:%d/%m/%Y}" in narrative
    table = StatTable.from_dict(blocks[1]["table"])  # type: ignore[arg-type]
    figures = {r[0]: r[1] for r in table.rows}
    assert figures["people checked"] == result.wash.people
    assert result.review is not None
    assert figures["reviews finished"] == _published(result.review.reviewed)


def _letter_text(result: DemoResult, suffix: str) -> str:
    assert result.foi is not None
    path = next(p for p in result.foi.files if p.name.endswith(suffix) and p.parent.name == "foi")
    if suffix == ".pdf":
        reader = PdfReader(io.BytesIO(path.read_bytes()))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    elif suffix == ".docx":
        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            parts += [" | ".join(c.text for c in row.cells) for row in table.rows]
        text = "\n".join(parts)
    else:
        text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("suffix", [".html", ".pdf", ".docx"])
def test_letter_opened_back_says_what_was_answered(
    demo: tuple[Settings, DemoResult], suffix: str
) -> None:
    _settings, result = demo
    text = _letter_text(result, suffix)
    assert "Synthetic Requester" in text  # the copy sent is addressed
    for number, question in enumerate(SEED_QUESTIONS, start=1):
        assert f"{number}. {question[:60]}" in text.replace("&#39;", "'")
    assert "neither confirm nor deny" in text
    for section in ("s30(3)", "s31(3)", "s38(2)", "s40(5)"):
        assert section in text
    for year in YEARS:
        assert year in text
    assert "Refusal notice (section 17)".lower() in text.lower()
    assert "Evidence of harm" in text and "Balance" in text
    assert "Factors favouring confirming or denying" in text
    assert "internal review" in text and "Information Commissioner" in text
    deadline = datetime.now(UTC).date() + DEADLINE_AFTER
    assert f"{deadline:%d/%m/%Y}" in text


def test_pdf_and_html_embed_the_charts(demo: tuple[Settings, DemoResult]) -> None:
    _settings, result = demo
    assert result.foi is not None
    ref = result.foi.reference
    html = (result.foi.files[0].parent / f"{ref}.html").read_text(encoding="utf-8")
    # Two dismissal charts and the burn-down.
    assert html.count('src="data:image/png;base64,') == 3
    pdf = PdfReader(str(result.foi.files[0].parent / f"{ref}.pdf"))
    images = sum(len(page.images) for page in pdf.pages)
    assert images == 3


def test_disclosure_log_never_names_the_requester(demo: tuple[Settings, DemoResult]) -> None:
    _settings, result = demo
    assert result.foi is not None
    log = [p for p in result.foi.files if p.parent.name == "disclosure-log"]
    for path in log:
        body = path.read_text(encoding="utf-8")
        assert "Synthetic Requester" not in body and "requester@example.invalid" not in body
    rows = list(csv.DictReader((log[0].parent / "disclosure-log.csv").open(newline="")))
    assert [r["reference"] for r in rows] == [result.foi.reference]
    # s40(2) too: small counts in question 3 are withheld, a refusal the notice must state.
    assert rows[0]["exemptions"] == "s30(3); s31(3); s38(2); s40(2); s40(5)"


def test_before_any_wash_question_4_says_the_work_has_not_commenced(tmp_path: Path) -> None:
    from datawash.foi.seed import build_seed_response
    from tests.review.helpers import FOI, ensure_users

    settings = Settings(data_dir=tmp_path / "d")
    with session_scope(settings) as s:
        ensure_users(s)
        ref = build_seed_response(
            s, FOI, authority="Synthetic Constabulary",
            received_on=date(2023, 1, 20), as_of=date(2023, 1, 25),
        )  # fmt: skip
        q4 = next(q for q in get_request(s, FOI, ref).questions if q.number == 4)
        assert q4.answer is not None
        kinds = [b["kind"] for b in q4.answer.blocks]
        text = " ".join(str(b["text"]) for b in q4.answer.blocks if b["kind"] == "text")
        assert "has not yet commenced" in text and "not yet set" in text
        assert "yes, the force is reviewing" not in text
        assert kinds == ["text"]  # no table of zeros, no chart, before anything was washed


def test_the_letters_are_a4_in_pdf_and_docx(demo: tuple[Settings, DemoResult]) -> None:
    _settings, result = demo
    assert result.foi is not None
    pdf = next(p for p in result.foi.files if p.suffix == ".pdf" and p.parent.name == "foi")
    box = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    word = next(p for p in result.foi.files if p.suffix == ".docx" and p.parent.name == "foi")
    section = docx.Document(str(word)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
