"""The response letter: one view model built from a request's frozen answers, rendered as
HTML (Jinja2), PDF (fpdf2) and DOCX (python-docx) so the three say the same thing. A
letter with an exemption carries a complete s17 refusal notice; every letter ends with
the rights to internal review and to complain to the Information Commissioner."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.orm import Session

from datawash import clock
from datawash.actor import Actor
from datawash.errors import InputError
from datawash.foi.catalogue import Citation, cite
from datawash.foi.charts import bars_by_year, burn_down
from datawash.foi.models import FoiAnswer, FoiRequest
from datawash.foi.service import get_request, get_requester, requester_redactor, s12_problem
from datawash.outputs import write_private
from datawash.permissions import require
from datawash.stats.tables import StatTable

INTERNAL_REVIEW = (
    "If you are dissatisfied with this response you may ask for an internal review. Please "
    "write to the Freedom of Information team, quoting the reference above, within 40 working "
    "days of the date of this letter."
)
ICO_RIGHTS = (
    "If you remain dissatisfied after the internal review you have the right under section 50 "
    "of the Act to complain to the Information Commissioner: Information Commissioner's "
    "Office, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF; ico.org.uk/make-a-complaint. "
    "The Commissioner will normally expect the internal review to have been completed first."
)
NCND_EXPLAINED = (
    "Section 1(1)(a) of the Act gives a duty to say whether information is held. Where we "
    "neither confirm nor deny, this is done consistently, whether or not information is held, "
    "and it should not be taken to mean that the information you asked for does or does not "
    "exist."
)


@dataclass
class Block:
    kind: str  # text | ncnd | exemption | table | chart
    text: str = ""
    table: StatTable | None = None
    png: bytes | None = None

    @property
    def png_base64(self) -> str:
        return base64.b64encode(self.png or b"").decode("ascii")


@dataclass
class LetterQuestion:
    number: int
    text: str
    blocks: list[Block]


@dataclass
class RefusalItem:
    label: str
    kind: str
    ncnd: bool
    reason: str
    public_interest: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Letter:
    authority: str
    reference: str
    letter_date: date
    received_on: date
    title: str
    salutation: str
    questions: list[LetterQuestion]
    refusal: list[RefusalItem]
    ncnd_used: bool

    @property
    def intro(self) -> str:
        return (
            f"Thank you for your request for information received on {self.received_on:%d/%m/%Y}, "
            "which has been dealt with under the Freedom of Information Act 2000 (the Act). "
            "Your questions are set out below, each followed by our response."
        )

    @property
    def internal_review(self) -> str:
        return INTERNAL_REVIEW

    @property
    def ico_rights(self) -> str:
        return ICO_RIGHTS

    @property
    def ncnd_explained(self) -> str:
        return NCND_EXPLAINED


def _refusal_item(c: Citation) -> RefusalItem:
    e = c.exemption
    pit: list[tuple[str, str]] = []
    if c.ncnd:
        # Neither confirming nor denying: the harm that confirming or denying would do, and
        # the public interest in confirming or denying (not in disclosing).
        if e.ncnd_harm:
            pit.append(("Evidence of harm", e.ncnd_harm))
        if e.qualified:
            pit += [
                ("Factors favouring confirming or denying", e.for_confirming or ""),
                ("Factors against confirming or denying", e.against_confirming or ""),
                ("Balance", e.ncnd_balance or e.balance or ""),
            ]
        else:
            pit.append(("Public interest", "This part of the Act is absolute: no public "
                        "interest test applies to confirming or denying."))  # fmt: skip
        return RefusalItem(label=c.label, kind=e.kind, ncnd=True, reason=c.reason,
                           public_interest=pit)  # fmt: skip
    if e.qualified:
        pit = [
            ("Factors favouring disclosure", e.for_disclosure or ""),
            ("Factors favouring the exemption", e.for_exemption or ""),
            ("Balance", e.balance or ""),
        ]
    elif e.kind == "absolute":
        pit = [
            ("Public interest", "This is an absolute exemption: no public interest test applies.")
        ]
    else:
        pit = [
            ("Public interest", f"Section {e.section} is not subject to a public interest test.")
        ]
    return RefusalItem(
        label=c.label, kind=e.kind, ncnd=c.ncnd, reason=c.reason, public_interest=pit
    )


def _blocks(answer: FoiAnswer, redact: Callable[[str], str]) -> list[Block]:
    out: list[Block] = []
    for b in answer.blocks:
        if b["kind"] == "statistic":
            table = StatTable.from_dict(b["table"])
            out.append(Block(kind="table", table=table))
            if b.get("chart") and b["name"] == "outcomes_by_year":
                threshold = int(b["disclosure"]["threshold"])
                out.append(
                    Block(kind="chart", text=f"Chart: {table.title}",
                          png=bars_by_year(table, threshold))
                )  # fmt: skip
            if b.get("burn_down"):
                burn = StatTable.from_dict(b["burn_down"])
                due = burn.parameters.get("due_on")
                threshold = int(b["disclosure"]["threshold"])
                png = burn_down(burn, date.fromisoformat(due) if due else None, threshold)
                out.append(Block(kind="chart", text=f"Chart: {burn.title}", png=png))
        elif b["kind"] == "figures":
            continue  # the table behind numbers a text states: kept for disclosure control
        else:
            out.append(Block(kind=b["kind"], text=redact(b["text"])))
    return out


def build_letter(
    session: Session,
    actor: Actor,
    reference: str,
    *,
    authority: str,
    letter_date: date | None = None,
    addressed: bool = False,
    s12_limit: float = 450.0,
    s12_rate: float = 25.0,
) -> Letter:
    """The letter for ``reference``. ``addressed`` names the requester (the copy sent);
    without it the letter says "Dear Requester" (the copy for the disclosure log).
    A draft that send would refuse under s12 (part of the request refused on cost, or a
    refusal quoting an estimate since revised) is refused here too, for the same reason."""
    require(actor, "foi.view")
    req: FoiRequest = get_request(session, actor, reference)
    if req.sent_on is None:
        problem = s12_problem(req, s12_limit=s12_limit, s12_rate=s12_rate)
        if problem:
            raise InputError(f"{problem}; no letter is written until it can be sent")
    salutation = "Dear Requester"
    # The copy for the disclosure log carries nothing of the requester, even where the
    # request quoted their name or address back.
    redact = requester_redactor(session, req, authority=authority)
    if addressed:
        salutation = f"Dear {get_requester(session, actor, reference).name}"
        redact = str
    citations: dict[str, Citation] = {}
    questions = []
    for q in req.questions:
        if q.answer is not None:
            for e in q.answer.exemptions:
                citations.setdefault(e, cite(e))
        questions.append(
            LetterQuestion(
                number=q.number,
                text=redact(q.text),
                blocks=_blocks(q.answer, redact)
                if q.answer
                else [Block("text", "Not yet answered.")],
            )
        )
    ordered = sorted(citations.values(), key=lambda c: (int(c.exemption.section), c.cited))
    return Letter(
        authority=authority,
        reference=req.reference,
        letter_date=letter_date or req.sent_on or clock.today(),
        received_on=req.received_on,
        title=redact(req.title),
        salutation=salutation,
        questions=questions,
        refusal=[_refusal_item(c) for c in ordered],
        ncnd_used=any(c.ncnd for c in ordered),
    )


# --- rendering -------------------------------------------------------------------------

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("datawash.foi", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


ENV.filters["cell"] = _cell


def to_html(letter: Letter) -> str:
    return ENV.get_template("letter.html.j2").render(letter=letter)


def _font_dir() -> Path:
    # DejaVu Sans ships with matplotlib (a dependency already): a Unicode font for "£"
    # and accented names, with no download at run time.
    return Path(matplotlib_data()) / "fonts" / "ttf"


def matplotlib_data() -> str:
    import matplotlib

    return str(matplotlib.get_data_path())


def to_pdf(letter: Letter) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(f"{letter.authority} - FOI {letter.reference}")
    pdf.add_page()
    width = pdf.epw

    def para(text: str, style: str = "", size: float = 10, gap: float = 2) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(letter.authority, "B", 14)
    para(f"Freedom of Information request {letter.reference}", "B", 11, 0)
    para(f"Date: {letter.letter_date:%d/%m/%Y}", "", 10, 4)
    para(letter.salutation)
    para(letter.intro, gap=4)
    para("REQUEST AND RESPONSE", "B", 11)
    for q in letter.questions:
        para(f"{q.number}. {q.text}", "B")
        for b in q.blocks:
            if b.kind == "table" and b.table is not None:
                t = b.table
                para(t.title, "I", 9, 1)
                pdf.set_font("DejaVu", "", 9)
                # Labels get twice a count's width, so "people with records to review"
                # fits on one line.
                weights = [2] * t.label_columns + [1] * (len(t.columns) - t.label_columns)
                with pdf.table(
                    width=min(width, 32 * sum(weights)),
                    col_widths=weights,
                    align="LEFT",
                    headings_style=FontFace(emphasis="BOLD"),
                    line_height=5,
                ) as grid:
                    grid.row(t.display_columns)
                    for row in t.display_rows:
                        grid.row([_cell(c) for c in row])
                pdf.ln(1)
                for note in t.shown_notes:
                    para(note, "I", 8, 1)
                pdf.ln(2)
            elif b.kind == "chart" and b.png:
                pdf.image(io.BytesIO(b.png), w=min(width, 160))
                pdf.ln(2)
            else:
                para(b.text)
        pdf.ln(2)
    if letter.refusal:
        para("REFUSAL NOTICE (SECTION 17)", "B", 11)
        para(
            "For the parts of your request answered by an exemption, this letter is a refusal "
            "notice under section 17 of the Act. For each section we state the exemption, why "
            "it applies and, for qualified exemptions, the public interest test."
        )
        if letter.ncnd_used:
            para(letter.ncnd_explained)
        for r in letter.refusal:
            kind = r.kind + (", neither confirm nor deny" if r.ncnd else "")
            para(f"{r.label} ({kind})", "B")
            para(r.reason)
            for head, text in r.public_interest:
                para(f"{head}: {text}")
    para("YOUR RIGHTS", "B", 11)
    para(letter.internal_review)
    para(letter.ico_rights)
    para(f"Yours sincerely,\nFreedom of Information team, {letter.authority}")
    return bytes(pdf.output())


def to_docx(letter: Letter) -> bytes:
    from docx import Document
    from docx.shared import Inches, Mm

    doc = Document()
    for section in doc.sections:  # python-docx's template is US Letter; UK letters are A4
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
    doc.core_properties.title = f"{letter.authority} - FOI {letter.reference}"
    doc.add_heading(letter.authority, level=1)
    doc.add_paragraph(f"Freedom of Information request {letter.reference}")
    doc.add_paragraph(f"Date: {letter.letter_date:%d/%m/%Y}")
    doc.add_paragraph(letter.salutation)
    doc.add_paragraph(letter.intro)
    doc.add_heading("Request and response", level=2)
    for q in letter.questions:
        p = doc.add_paragraph()
        p.add_run(f"{q.number}. {q.text}").bold = True
        for b in q.blocks:
            if b.kind == "table" and b.table is not None:
                t = b.table
                doc.add_paragraph(t.title).runs[0].italic = True
                grid = doc.add_table(rows=1, cols=len(t.columns))
                grid.style = "Table Grid"
                for k, col in enumerate(t.display_columns):
                    grid.rows[0].cells[k].text = col
                for row in t.display_rows:
                    cells = grid.add_row().cells
                    for k, value in enumerate(row):
                        cells[k].text = _cell(value)
                for note in t.shown_notes:
                    doc.add_paragraph(note).runs[0].italic = True
            elif b.kind == "chart" and b.png:
                doc.add_picture(io.BytesIO(b.png), width=Inches(6))
            else:
                doc.add_paragraph(b.text)
    if letter.refusal:
        doc.add_heading("Refusal notice (section 17)", level=2)
        doc.add_paragraph(
            "For the parts of your request answered by an exemption, this letter is a refusal "
            "notice under section 17 of the Act. For each section we state the exemption, why "
            "it applies and, for qualified exemptions, the public interest test."
        )
        if letter.ncnd_used:
            doc.add_paragraph(letter.ncnd_explained)
        for r in letter.refusal:
            kind = r.kind + (", neither confirm nor deny" if r.ncnd else "")
            doc.add_heading(f"{r.label} ({kind})", level=3)
            doc.add_paragraph(r.reason)
            for head, text in r.public_interest:
                p = doc.add_paragraph()
                p.add_run(f"{head}: ").bold = True
                p.add_run(text)
    doc.add_heading("Your rights", level=2)
    doc.add_paragraph(letter.internal_review)
    doc.add_paragraph(letter.ico_rights)
    doc.add_paragraph(f"Yours sincerely,\nFreedom of Information team, {letter.authority}")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


RENDERERS = {"html": lambda letter: to_html(letter).encode("utf-8"), "pdf": to_pdf, "docx": to_docx}


def write_letter(letter: Letter, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write the letter in each format; all are rendered before any file is written."""
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        from datawash.errors import InputError

        raise InputError(f"unknown letter format {unknown[0]!r}; use html, pdf, docx")
    rendered = {f: RENDERERS[f](letter) for f in formats}
    paths = []
    for fmt, data in rendered.items():
        paths.append(write_private(out_dir / f"{letter.reference}.{fmt}", data))
    return paths
