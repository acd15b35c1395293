"""The seed response (shared/reference/seed-foi-response.txt) rebuilt from datawash's own
data: questions 1 and 2 neither confirmed nor denied under s30(3), s31(3), s38(2) and
s40(5); question 3 as two tables of dismissals by financial year; question 4 as a
narrative with the data wash's figures and deadline. The acceptance test of issue 4 and
the end of `datawash demo`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.errors import InputError
from datawash.foi.disclosure import WITHHELD, apply_disclosure_control
from datawash.foi.linked import protect_linked
from datawash.foi.service import (
    StatisticAnswer,
    answer_question,
    published_beside,
    receive_request,
)
from datawash.safeguards.service import disclosure_threshold
from datawash.stats.registry import StatParams, completed_case_review, wash_progress
from datawash.stats.tables import Cell, StatTable

SEED_QUESTIONS = [
    "How many cases of alleged sexual offences or domestic violence involving your force's "
    "police officers and other staff are currently under live investigation?",
    "How many of your force's police officers and other staff are currently under live "
    "investigation for alleged sexual offences or domestic violence?",
    "How many of your force's police officers and police staff have been sacked over the past "
    "five financial years (2018/19, 2019/20, 2020/21, 2021/22, 2022/23) for misconduct related "
    "to sexual or domestic abuse?",
    "For context: in January 2023 the Metropolitan Police said that 1,633 cases of alleged "
    "sexual offences or domestic violence involving 1,071 officers and staff were being "
    "assessed, and then clarified that this meant a review of already completed cases, not "
    "live investigations. Is your force currently carrying out a review of completed cases of "
    "alleged sexual offences or domestic violence involving officers and other staff? If yes, "
    "what number of cases, involving what number of officers and staff, is it reviewing?",
]
NCND_SECTIONS = ["30(3)", "31(3)", "38(2)", "40(5)"]
FIRST_YEAR, LAST_YEAR = "2018/19", "2022/23"
STATEMENT = (
    "We expect our officers and staff to uphold the highest standards so that the public can "
    "have full confidence in them. Sexual harassment and abuse are unacceptable, and when done "
    "by someone in a position of trust they must be rooted out. We will do all we can to keep "
    "and rebuild public trust in policing."
)


def seed_request_text() -> str:
    return "\n".join(f"{k + 1}. {q}" for k, q in enumerate(SEED_QUESTIONS))


def _figure(cell: Cell) -> str:
    """A controlled table cell in running text: a count, or what replaced it."""
    if isinstance(cell, int):
        return f"{cell:,}"
    return "an undisclosed number of" if cell == WITHHELD else str(cell or 0)


def _sentence(start: str) -> str:
    """A figure that opens a sentence ("fewer than 5" -> "Fewer than 5")."""
    return start[:1].upper() + start[1:]


def _washed(session: Session) -> bool:
    from sqlalchemy import select

    from datawash.wash.models import WashRun

    return session.scalars(select(WashRun.id).limit(1)).first() is not None


def wash_narrative(
    session: Session, *, authority: str, as_of: date, threshold: int | None = None
) -> str:
    """Question 4's answer, in words, from the wash and the register as they stand."""
    return narrative_and_figures(session, authority=authority, as_of=as_of, threshold=threshold)[0]


def narrative_and_figures(
    session: Session,
    *,
    authority: str,
    as_of: date,
    threshold: int | None = None,
    published: list[StatTable] | None = None,
) -> tuple[str, list[StatTable]]:
    """Question 4's answer in words, and the tables whose numbers it states. The completed
    cases it counts are controlled beside ``published`` (the response's other tables and the
    disclosure log) as a table of them would be, so the words give nothing away either."""
    if threshold is None:
        threshold = disclosure_threshold(session)
    # Words from the same controlled figures as the table beside them, so the text cannot
    # give back what the table withholds (a difference of two figures, say).
    progress, _ = apply_disclosure_control(
        wash_progress(session, StatParams(as_of=as_of)), threshold
    )
    figures = {str(r[0]): r[1] for r in progress.rows}
    due = progress.parameters.get("due_on")
    due_text = f"{date.fromisoformat(due):%d/%m/%Y}" if due else "not yet set"

    def n(key: str) -> str:
        return _figure(figures.get(key, 0))

    washed = progress.parameters.get("run_id") is not None
    if not washed:
        deadline = (
            f"in line with the national deadline of {due_text}"
            if due
            else "in line with the national deadline, which is not yet set"
        )
        wash = (
            f"{authority} is about to engage with the national requirement to complete a "
            "Historical Data Wash of all Police National Database records for its officers, "
            "staff, special constables and volunteers. The work has not yet commenced; it will "
            f"be completed {deadline}."
        )
    else:
        wash = (
            f"{authority} is carrying out the national Historical Data Wash of all Police "
            "National Database records for its officers, staff, special constables and "
            f"volunteers. {_sentence(n('people checked'))} people have been checked against the "
            "national "
            f"records and {n('people with records to review')} have records that need a "
            f"review. At {as_of:%d/%m/%Y}, {n('reviews finished')} reviews are finished and "
            f"{n('reviews remaining')} remain, against the deadline of {due_text}."
        )
    raw_review = completed_case_review(session, StatParams(as_of=as_of))
    review, _ = apply_disclosure_control(raw_review, threshold)
    if published is not None:
        try:
            review, _ = protect_linked(review, published, threshold)
        except InputError:
            # No figure of it can be given beside what is published: the words say so.
            review = replace(review, rows=[[*r[:-2], WITHHELD, WITHHELD] for r in review.rows])
    stated: list[StatTable] = []
    if washed and raw_review.rows[-1][-2]:
        stated.append(review)
        cases, people = review.rows[-1][-2], review.rows[-1][-1]
        completed = (
            "In relation to the question: yes, the force is reviewing completed cases. "
            f"{_sentence(_figure(cases))} completed cases of alleged sexual offences or "
            f"domestic abuse, involving {_figure(people)} officers and staff, are within the "
            "scope of that review."
        )
    else:
        completed = (
            "In relation to the question: the force will be reviewing completed cases. "
            "However, it is not yet able to say how many: the work has not yet commenced, and "
            "until it is completed the force will not know the number of cases, or of officers "
            "and staff, that will need reviewing."
        )
    return f"{wash}\n\n{completed}", stated


def build_seed_response(
    session: Session,
    actor: Actor,
    *,
    authority: str,
    received_on: date,
    as_of: date,
    threshold: int | None = None,
    disclose_small_counts_reason: str | None = None,
) -> str:
    """Log the seed request and answer all four questions; returns its reference. The
    disclosure threshold is the safeguard's unless given. Question 3's small counts are
    published as they are (as the real response did) only with the FOI officer's recorded
    reason; otherwise they are controlled."""
    if threshold is None:
        threshold = disclosure_threshold(session)
    req = receive_request(
        session,
        actor,
        received_on=received_on,
        title="Police officers and staff investigated or dismissed for sexual offences or "
        "domestic abuse",
        text=seed_request_text(),
        requester_name="Synthetic Requester",
        requester_contact="requester@example.invalid",
        today=as_of,
    )
    for number in (1, 2):
        answer_question(
            session,
            actor,
            reference=req.reference,
            number=number,
            exemptions=NCND_SECTIONS,
            ncnd=True,
            authority=authority,
            threshold=threshold,
        )
    tables = [
        StatisticAnswer(
            name="outcomes_by_year",
            params={
                "from_period": FIRST_YEAR,
                "to_period": LAST_YEAR,
                "categories": [category],
                # "police officers and police staff": not specials or volunteers.
                "roles": ["officer", "staff"],
                "by": ["category"],
                "as_of": as_of.isoformat(),
            },
            chart=True,
        )
        for category in ("domestic_abuse", "sexual")
    ]
    answer_question(
        session,
        actor,
        reference=req.reference,
        number=3,
        statistics=tables,
        text=STATEMENT,
        authority=authority,
        threshold=threshold,
        disclose_small_counts_reason=disclose_small_counts_reason,
    )
    text, figures = narrative_and_figures(
        session, authority=authority, as_of=as_of, threshold=threshold,
        published=published_beside(session, reference=req.reference, number=4),
    )  # fmt: skip
    answer_question(
        session,
        actor,
        reference=req.reference,
        number=4,
        # Before any wash there is nothing to count: words only, never a table of zeros.
        statistics=[
            StatisticAnswer(name="wash_progress", params={"as_of": as_of.isoformat()}, chart=True)
        ]
        if _washed(session)
        else [],
        text=text,
        text_figures=figures,
        authority=authority,
        threshold=threshold,
        text_first=True,
    )
    return req.reference
