"""FOI requests from receipt to response: the register, questions, the statutory clock,
answers (statistic, exemption, free text) with disclosure control, sending, and the
disclosure log. Plain functions shared by the CLI and (later) the web; each checks the
actor's permission and writes its audit event in the same transaction."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from datawash import audit, clock
from datawash.actor import Actor
from datawash.audit import events as ev
from datawash.audit.chain import current_head
from datawash.db import next_number
from datawash.errors import InputError, NotFound
from datawash.foi.catalogue import Citation, cite, ncnd_statement
from datawash.foi.deadlines import ClockStop, due_date, working_days_between
from datawash.foi.disclosure import (
    DisclosureDecision,
    apply_disclosure_control,
    fewer_than,
    small_counts_in_text,
)
from datawash.foi.linked import protect_linked
from datawash.foi.models import FoiAnswer, FoiClockStop, FoiQuestion, FoiRequest, FoiRequester
from datawash.foi.workflow import EDITABLE, Status, check_transition
from datawash.permissions import require
from datawash.safeguards.service import disclosure_threshold
from datawash.stats.registry import (
    Statistic,
    StatParams,
    check_given,
    get_statistic,
    params_for,
)
from datawash.stats.tables import StatTable

# Numbered questions: "1.", "1)", "(1)", "Q1", "Question 1:" at the start of a line.
_NUMBERED = re.compile(
    r"^[ \t]*(?:\((\d{1,2})\)|(?:q(?:uestion)?[ \t]*)?(\d{1,2})[.):])[ \t]+", re.I | re.M
)
_BULLET = re.compile(r"^[ \t]*[-*\u2022][ \t]+", re.M)


# A sign-off ends the request: it and what follows (usually a name and an address) are not
# part of any question. A salutation before an unnumbered request is not either.
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:many thanks|thanks(?: again| very much)?|thank you(?: very much| in advance)?"
    r"|(?:kind |best |warm )?regards|best wishes|best|cheers|sincerely"
    r"|yours(?: sincerely| faithfully| truly)?)[ \t,.!]*$",
    re.I | re.M,
)
_SALUTATION = re.compile(r"^[ \t]*(?:dear|hello|hi|to)\b[^\n]{0,60}\n", re.I)


def _without_sign_off(text: str) -> str:
    m = _SIGN_OFF.search(text)
    return text[: m.start()].strip() if m else text.strip()


def split_questions(text: str) -> list[str]:
    """Split a request into its questions: numbered items if there are any (text before
    the first is preamble), else bullet points, else the whole request as one question.
    A sign-off and what follows it are left out of the last question, a salutation out of
    a single one. The FOI officer can edit the result."""
    marks = list(_NUMBERED.finditer(text))
    if len(marks) < 2:
        marks = list(_BULLET.finditer(text))
    if len(marks) < 2:
        whole = _without_sign_off(_SALUTATION.sub("", text.strip(), count=1))
        return [whole] if whole else ([text.strip()] if text.strip() else [])
    out = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        chunk = text[m.end() : end].strip()
        if k + 1 == len(marks):
            chunk = _without_sign_off(chunk)
        if chunk:
            out.append(chunk)
    return out


def _get(session: Session, reference: str) -> FoiRequest:
    req = session.scalars(select(FoiRequest).where(FoiRequest.reference == reference)).first()
    if req is None:
        raise NotFound("FOI request", reference)
    return req


def _stops(req: FoiRequest) -> list[ClockStop]:
    return [ClockStop(s.kind, s.started_on, s.ended_on) for s in req.clock_stops]


def _refresh_due(req: FoiRequest) -> None:
    due = due_date(req.received_on, _stops(req))
    req.due_on = due.due_on
    req.due_explanation = due.explanation


def _move(req: FoiRequest, target: Status) -> None:
    check_transition(Status(req.status), target)
    req.status = target.value


def _next_reference(session: Session, received_on: date) -> str:
    prefix = f"FOI-{received_on.year}-"
    used = session.scalar(
        select(func.count()).select_from(FoiRequest).where(FoiRequest.reference.like(prefix + "%"))
    )
    return f"{prefix}{next_number(session, prefix, at_least=used or 0):04d}"


def receive_request(
    session: Session,
    actor: Actor,
    *,
    received_on: date,
    title: str,
    text: str,
    requester_name: str,
    requester_contact: str | None = None,
    hours_estimate: float | None = None,
    today: date | None = None,
) -> FoiRequest:
    """Log a request: reference, questions split from the text, the due date."""
    require(actor, "foi.manage")
    if received_on > (today or clock.today()):
        raise InputError(f"received date {received_on} is in the future")
    if not text.strip():
        raise InputError("the request text is empty")
    if hours_estimate is not None and (
        not math.isfinite(hours_estimate) or not 0 <= hours_estimate <= 100_000
    ):
        raise InputError("an estimate is a number of hours from 0 to 100,000")
    if not title.strip():
        raise InputError("the request needs a title (it is what the disclosure log shows)")
    req = FoiRequest(
        reference=_next_reference(session, received_on),
        received_on=received_on,
        title=title.strip(),
        request_text=text.strip(),
        status=Status.OPEN.value,
        hours_estimate=hours_estimate,
        created_by=actor.username,
    )
    req.questions = [FoiQuestion(number=k + 1, text=q) for k, q in enumerate(split_questions(text))]
    _refresh_due(req)
    session.add(req)
    session.flush()
    session.add(FoiRequester(request_id=req.id, name=requester_name, contact=requester_contact))
    audit.record(
        session,
        actor,
        ev.FOI_RECEIVED,
        entity_id=req.reference,
        after={
            "received_on": received_on.isoformat(),
            "questions": len(req.questions),
            "due_on": req.due_on.isoformat() if req.due_on else None,
        },
    )
    return req


def get_request(session: Session, actor: Actor, reference: str) -> FoiRequest:
    require(actor, "foi.view")
    return _get(session, reference)


# What identifies a requester in their own words: an email address or a UK phone number.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+44\s?(?:\(0\)\s?)?|\b0)(?:\d[\s-]?){9,10}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
NAME_REMOVED = "[name removed]"
CONTACT_REMOVED = "[contact details removed]"


_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Rev|Revd)\.?"
_SIGN_OFF_WORDS = (
    r"(?:regards|kind regards|best regards|best wishes|many thanks|thanks|thank you|"
    r"yours sincerely|yours faithfully|sincerely|cheers)"
)


def redact_requester(
    text: str, name: str | None, contact: str | None, *, protect: tuple[str, ...] = ()
) -> str:
    """The request's words as they may be published: the requester's name, their contact,
    and any email address, phone number or postcode taken out. Requests are often signed
    off, and the disclosure log publishes the request, so this runs on everything published.

    The name is removed as a name, never as an ordinary word or a place: the whole name
    (any case, any spacing, with or without a title); a part of it only where it stands as
    a name - after a title ("Ms West"), after the requester's forename or an initial
    ("S. West", "Sarah J West"), or alone on a sign-off line ("Regards, Sarah" / "West").
    So a requester called West, Kent or Durham does not turn "West Midlands Police" or
    "Kent Police" into "[name removed] Police", and the ``protect``ed words (the
    authority's own name) are never touched. A street address without its postcode can
    still get through: the FOI officer edits the questions (sign-offs included) before
    answering."""
    out = text
    shields: dict[str, str] = {}
    for i, phrase in enumerate(p for p in protect if p and p.strip()):
        key = f"\x00{i}\x00"
        shields[key] = phrase
        out = re.sub(re.escape(phrase), key, out, flags=re.I)
    if contact and contact.strip():
        out = re.sub(re.escape(contact.strip()), CONTACT_REMOVED, out, flags=re.I)
    out = _EMAIL.sub(CONTACT_REMOVED, out)
    out = _PHONE.sub(CONTACT_REMOVED, out)
    out = _POSTCODE.sub(CONTACT_REMOVED, out)
    parts = re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)*", name or "")
    if parts:
        # The parts that are words; a one-letter part is an initial (below).
        words = sorted({p for p in parts if len(p) > 1} or set(parts), key=len, reverse=True)
        word = "|".join(re.escape(p) for p in words)
        gap = r"[\s.]+"

        def as_part(p: str) -> str:
            # A one-letter part is an initial: a capital, and "A" or "I" only with its full
            # stop (a requester "A West" must not take "a West Midlands force" with them).
            if len(p) > 1:
                return re.escape(p)
            return rf"(?-i:{re.escape(p.upper())})" + (r"\." if p.upper() in "AI" else "")

        # The whole name, forenames optional before the surname, a title optional.
        full = gap.join(as_part(p) for p in parts)
        out = re.sub(rf"\b(?:{_TITLES}\s+)?{full}\b", NAME_REMOVED, out, flags=re.I)
        # A part after a title, or after another part or an initial of the requester's.
        # Initials are capitals ("a West Midlands force" is an article), and "A" or "I"
        # starts a name only with its full stop ("A West Midlands force?" is a sentence);
        # with the stop any case will do ("s. west").
        caps = "".join(sorted({p[0].upper() for p in parts}))
        plain = "".join(c for c in caps if c not in "AI")
        lead = rf"[{caps}]\." + (rf"|(?-i:[{plain}])" if plain else "")
        before = rf"(?:{_TITLES}|{word}|{lead})"
        initial = r"(?-i:[A-Z]\.?)"  # a middle initial may be any
        out = re.sub(
            rf"\b{before}(?:\s+(?:{word}|{initial}))*\s+(?:{word})\b",
            NAME_REMOVED, out, flags=re.I,
        )  # fmt: skip
        # A line that is a part alone, or initials and a part ("A Ingram", "A I Ingram"): a
        # signature, whatever the initials.
        out = re.sub(
            rf"(?im)^([ \t]*)(?:(?-i:[A-Z])\.?[ \t]+)*(?:{word})([ \t]*\r?)$",
            rf"\1{NAME_REMOVED}\2", out,
        )  # fmt: skip
        # A part after a sign-off, unless a capitalised word follows ("Thanks, Tom", "Cheers,
        # Sarah x"; not "Many thanks Kent Police"), or after "my name is".
        out = re.sub(
            rf"(?im)\b({_SIGN_OFF_WORDS})([,.!]?[ \t]*\r?\n?[ \t]*)(?:{word})\b"
            r"(?![ \t]+(?-i:[A-Z]))",
            rf"\1\2{NAME_REMOVED}", out,
        )  # fmt: skip
        out = re.sub(rf"(?i)\b(my name is\s+)(?:{word})\b", rf"\1{NAME_REMOVED}", out)
    for key, phrase in shields.items():
        out = out.replace(key, phrase)
    return out


def requester_redactor(
    session: Session, req: FoiRequest, *, authority: str | None = None
) -> Callable[[str], str]:
    """``redact_requester`` bound to this request's requester (read here without the
    foi.manage check: nothing of the requester leaves this function but their removal)."""
    who = session.scalars(select(FoiRequester).where(FoiRequester.request_id == req.id)).first()
    name, contact = (who.name, who.contact) if who else (None, None)
    protect = (authority,) if authority else ()
    return lambda text: redact_requester(text, name, contact, protect=protect)


def get_requester(session: Session, actor: Actor, reference: str) -> FoiRequester:
    """Who asked: for the FOI team only (foi.manage), never in anything published."""
    require(actor, "foi.manage")
    req = _get(session, reference)
    found = session.scalars(select(FoiRequester).where(FoiRequester.request_id == req.id)).first()
    if found is None:
        raise NotFound("requester for FOI request", reference)
    # Who read whose details is itself on the record (the details are not).
    audit.record(session, actor, ev.FOI_REQUESTER_VIEWED, entity_id=reference)
    return found


def list_requests(session: Session, actor: Actor, *, status: str | None = None) -> list[FoiRequest]:
    require(actor, "foi.view")
    stmt = select(FoiRequest).order_by(FoiRequest.received_on, FoiRequest.reference)
    if status:
        stmt = stmt.where(FoiRequest.status == Status(status).value)
    return list(session.scalars(stmt))


def _editable(req: FoiRequest) -> None:
    if Status(req.status) not in EDITABLE:
        raise InputError(f"{req.reference} is {req.status}; its questions can no longer change")


def edit_question(
    session: Session, actor: Actor, *, reference: str, number: int, text: str
) -> FoiQuestion:
    require(actor, "foi.manage")
    req = _get(session, reference)
    _editable(req)
    q = next((q for q in req.questions if q.number == number), None)
    if q is None:
        raise NotFound(f"question in {reference}", number)
    before = q.text
    q.text = text.strip()
    audit.record(
        session,
        actor,
        ev.FOI_QUESTION_EDITED,
        entity_id=reference,
        before={"number": number, "text": before},
        after={"number": number, "text": q.text},
    )
    return q


def add_question(session: Session, actor: Actor, *, reference: str, text: str) -> FoiQuestion:
    require(actor, "foi.manage")
    req = _get(session, reference)
    _editable(req)
    q = FoiQuestion(number=max((q.number for q in req.questions), default=0) + 1, text=text.strip())
    req.questions.append(q)
    audit.record(
        session,
        actor,
        ev.FOI_QUESTION_ADDED,
        entity_id=reference,
        after={"number": q.number, "text": q.text},
    )
    return q


def remove_question(session: Session, actor: Actor, *, reference: str, number: int) -> None:
    """Remove a question (wrongly split) and number the rest again from 1."""
    require(actor, "foi.manage")
    req = _get(session, reference)
    _editable(req)
    q = next((q for q in req.questions if q.number == number), None)
    if q is None:
        raise NotFound(f"question in {reference}", number)
    req.questions.remove(q)
    session.flush()
    # Two passes so the unique (request, number) constraint holds at every flush.
    for k, other in enumerate(req.questions):
        other.number = 1000 + k
    session.flush()
    for k, other in enumerate(req.questions):
        other.number = k + 1
    audit.record(
        session,
        actor,
        ev.FOI_QUESTION_REMOVED,
        entity_id=reference,
        before={"number": number, "text": q.text},
    )


def set_hours_estimate(
    session: Session, actor: Actor, *, reference: str, hours: float
) -> FoiRequest:
    """Record the s12 estimate: hours to locate, retrieve and extract the information."""
    require(actor, "foi.manage")
    req = _get(session, reference)
    _editable(req)  # a sent or withdrawn request's estimate is history
    if not math.isfinite(hours) or hours < 0 or hours > 100_000:
        raise InputError("an estimate is a number of hours from 0 to 100,000")
    before = req.hours_estimate
    req.hours_estimate = hours
    audit.record(
        session,
        actor,
        ev.FOI_ESTIMATED,
        entity_id=reference,
        before={"hours": before},
        after={"hours": hours, "over_s12_limit": s12_estimate(hours).exceeds},
    )
    return req


def _not_future(on: date, today: date | None) -> None:
    if on > (today or clock.today()):
        raise InputError(f"{on} is in the future: record what has happened, when it happens")


def stop_clock(
    session: Session,
    actor: Actor,
    *,
    reference: str,
    kind: str,
    on: date,
    note: str | None = None,
    today: date | None = None,
) -> FoiRequest:
    """Ask for clarification (kind=clarification) or send a fees notice (kind=fee)."""
    require(actor, "foi.manage")
    req = _get(session, reference)
    if kind not in ("clarification", "fee"):
        raise InputError(f"the clock stops for clarification or a fee, not {kind!r}")
    if on < req.received_on:
        raise InputError(f"{on} is before the request was received ({req.received_on})")
    _not_future(on, today)
    _move(req, Status.AWAITING_CLARIFICATION if kind == "clarification" else Status.AWAITING_FEE)
    req.clock_stops.append(FoiClockStop(kind=kind, started_on=on, note=note))
    _refresh_due(req)
    audit.record(
        session,
        actor,
        ev.FOI_CLOCK_STOPS[kind][0],
        entity_id=reference,
        after={"on": on.isoformat()},
    )
    return req


def restart_clock(
    session: Session,
    actor: Actor,
    *,
    reference: str,
    on: date,
    clarification: str | None = None,
    today: date | None = None,
) -> FoiRequest:
    """The clarification or the fee has arrived; clarification text is added to the request."""
    require(actor, "foi.manage")
    req = _get(session, reference)
    waiting = [s for s in req.clock_stops if s.ended_on is None]
    if not waiting:
        raise InputError(f"{reference} is not waiting for clarification or a fee")
    stop = waiting[-1]
    _not_future(on, today)
    if on < stop.started_on:
        raise InputError(f"{on} is before the clock was stopped ({stop.started_on})")
    if clarification and stop.kind != "clarification":
        raise InputError(f"{reference} was waiting for a fee, not a clarification")
    stop.ended_on = on
    if clarification:
        req.request_text += f"\n\nClarification received {on:%d/%m/%Y}:\n{clarification.strip()}"
    _move(req, Status.OPEN)
    _refresh_due(req)
    audit.record(
        session,
        actor,
        ev.FOI_CLOCK_STOPS[stop.kind][1],
        entity_id=reference,
        after={"on": on.isoformat(), "due_on": req.due_on.isoformat() if req.due_on else None},
    )
    return req


@dataclass
class StatisticAnswer:
    """A statistic to put in an answer: name and parameters, frozen when answered."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    chart: bool = False


@dataclass
class S12Estimate:
    hours: float
    cost: float
    limit: float
    exceeds: bool


def s12_estimate(hours: float, *, limit: float = 450.0, rate: float = 25.0) -> S12Estimate:
    """Police appropriate limit: £450 at £25 an hour (18 hours)."""
    cost = round(hours * rate, 2)
    return S12Estimate(hours=hours, cost=cost, limit=limit, exceeds=cost > limit)


def answer_question(
    session: Session,
    actor: Actor,
    *,
    reference: str,
    number: int,
    statistics: Sequence[StatisticAnswer] = (),
    exemptions: Sequence[str] = (),
    ncnd: bool = False,
    text: str | None = None,
    threshold: int | None = None,
    authority: str = "The force",
    disclose_small_counts_reason: str | None = None,
    text_first: bool = False,
    today: date | None = None,
    s12_limit: float = 450.0,
    s12_rate: float = 25.0,
    text_figures: Sequence[StatTable] = (),
) -> FoiAnswer:
    """Answer one question (replacing an earlier answer). Statistic tables are computed
    now and frozen with their parameters, after disclosure control. With ``ncnd`` the
    answer is the neither-confirm-nor-deny statement for the cited sections and nothing
    is looked up, so the wording cannot depend on whether the information is held.
    ``disclose_small_counts_reason`` publishes small counts unsuppressed (a case-by-case
    decision, recorded with its reason). The text goes after the tables unless
    ``text_first``; ``text_figures`` are the tables whose numbers the text states."""
    require(actor, "foi.manage")
    if threshold is None:  # the safeguard, as an administrator set it
        threshold = disclosure_threshold(session)
    req = _get(session, reference)
    _editable(req)
    q = next((q for q in req.questions if q.number == number), None)
    if q is None:
        raise NotFound(f"question in {reference}", number)
    citations: list[Citation] = [cite(e) for e in exemptions]
    if ncnd:
        if not citations:
            raise InputError("a neither-confirm-nor-deny answer must cite at least one section")
        bad = [c.cited for c in citations if not c.ncnd]
        if bad:
            raise InputError(
                f"s{bad[0]} does not remove the duty to confirm or deny; cite the NCND "
                "subsection (e.g. 30(3), 31(3), 38(2), 40(5))"
            )
        if statistics:
            raise InputError("a neither-confirm-nor-deny answer cannot also give figures")
    else:
        given_away = [c.cited for c in citations if c.ncnd]
        if given_away:
            # Citing 30(3) beside an answer that says information is withheld would confirm
            # that it is held: the NCND subsection goes only with an NCND answer.
            raise InputError(
                f"s{given_away[0]} is the neither-confirm-nor-deny subsection: answer with "
                "ncnd, or cite the exemption that withholds information (e.g. 30(1), 40(2))"
            )
    stated = small_counts_in_text(text or "", threshold)
    if stated and disclose_small_counts_reason is None:
        # The tables show these as "fewer than N": the text must not write them out.
        raise InputError(
            f"the answer's text states a count from 1 to {threshold - 1} "
            f"({'; '.join(repr(x) for x in stated)}): write {fewer_than(threshold)!r}; or, if "
            "small counts may be disclosed here, record why (that publishes this answer's "
            "tables without suppression too)"
        )
    procedural = [c for c in citations if c.exemption.kind == "procedural"]
    if procedural and (statistics or len(citations) > len(procedural)):
        raise InputError(
            f"s{procedural[0].cited} refuses the whole request: it is not given beside figures "
            "or other exemptions"
        )
    if any(c.exemption.section == "12" for c in procedural):
        if req.hours_estimate is None:
            raise InputError(
                f"{reference}: record the estimate of hours (s12) before refusing on cost"
            )
        est = s12_estimate(req.hours_estimate, limit=s12_limit, rate=s12_rate)
        if not est.exceeds:
            raise InputError(
                f"{reference}: the estimate ({est.hours:g} h, £{est.cost:,.2f}) is within the "
                f"£{est.limit:,.0f} limit, so s12 does not apply"
            )
    if not (statistics or citations or (text and text.strip())):
        raise InputError("an answer needs a statistic, an exemption or some text")

    blocks: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    # Everything already published with which these tables will be read: the other answers
    # of this response and every response in the disclosure log (foi/linked.py).
    published = _published_tables(session, exclude=q.id) + list(text_figures)
    if ncnd:
        blocks.append({"kind": "ncnd", "text": ncnd_statement(citations, authority)})
    for st in statistics:
        statistic = get_statistic(st.name)
        day = today or clock.today()
        asked = params_for(statistic, st.params)
        check_given(statistic, asked)
        params = _frozen(statistic, asked, day)
        if params.as_of is not None and params.as_of > day:
            # A count as at a day to come is today's under another name (no date of the
            # register is in the future), and says nothing a count as at today does not.
            raise InputError(f"{st.name}: as_of {params.as_of} is after today ({day})")
        table = statistic.compute(session, params)
        safe, decision = _controlled(table, threshold, disclose_small_counts_reason)
        if decision.applied:
            safe, linked = protect_linked(safe, published, threshold)
            decision.secondary += linked
        published.append(safe)
        block: dict[str, Any] = {
            "kind": "statistic",
            "name": st.name,
            "params": params.as_dict(),
            "table": safe.as_dict(),
            "disclosure": decision.as_dict(),
            "chart": st.chart,
        }
        if st.chart and st.name == "wash_progress":
            block["burn_down"] = _burn_down_for(session, params, decision, threshold, safe)
        blocks.append(block)
        decisions.append({"statistic": st.name, **decision.as_dict()})
    if citations and not ncnd:
        blocks.append(
            {
                "kind": "exemption",
                "text": _refusal_sentence(req, citations, s12_limit=s12_limit, s12_rate=s12_rate),
                # The estimate the sentence quotes: a revised estimate makes it stale (s12_problem).
                "hours_estimate": req.hours_estimate,
            }
        )
    if text and text.strip():
        block = {"kind": "text", "text": text.strip()}
        blocks.insert(0, block) if text_first else blocks.append(block)
    # The tables behind numbers the text states (already controlled, beside what is
    # published, by whoever wrote the text: published_beside): not shown, but read beside
    # every later table as if they were, so the words are in the disclosure system too.
    blocks += [{"kind": "figures", "table": t.as_dict()} for t in text_figures]

    answer = q.answer or FoiAnswer(question_id=q.id, answered_by=actor.username)
    before = {"blocks": len(answer.blocks or []), "exemptions": answer.exemptions or []}
    answer.blocks = blocks
    answer.exemptions = [c.cited for c in citations]
    # Withholding exact small counts is a refusal of that information under s40(2): the
    # refusal notice must say so (s17).
    withheld = any(d["applied"] and (d["primary"] or d["secondary"]) for d in decisions)
    if withheld and "40(2)" not in answer.exemptions:
        answer.exemptions.append("40(2)")
    answer.ncnd = ncnd
    answer.disclosure = decisions
    answer.answered_by = actor.username
    if q.answer is None:
        q.answer = answer
    audit.record(
        session,
        actor,
        ev.FOI_ANSWERED,
        entity_id=reference,
        before=before if before["blocks"] else None,
        after={
            "question": number,
            "statistics": [s.name for s in statistics],
            "exemptions": answer.exemptions,
            "ncnd": ncnd,
            "disclosure": [_disclosure_summary(d) for d in decisions],
        },
        reason=disclose_small_counts_reason,
    )
    return answer


def _burn_down_for(
    session: Session,
    params: StatParams,
    progress: DisclosureDecision,
    threshold: int,
    shown: StatTable,
) -> dict[str, Any] | None:
    """The burn-down chart's table, or None when it cannot be shown. It tells the number to
    review (its first day), the number remaining (its last) and so the number finished,
    and no more (a day's fall is the reviews finished that day, of any state): it is left
    out when the progress table withheld any of those three. Days with fewer than N
    remaining are drawn as "fewer than N", never their height."""
    burn = get_statistic("wash_burn_down").compute(session, params)
    if not progress.applied:
        return burn.as_dict()
    figures = {str(r[0]): r[1] for r in shown.rows}
    told = ("people with records to review", "reviews finished", "reviews remaining")
    if not all(isinstance(figures.get(k), int) for k in told):
        return None
    safe, _ = apply_disclosure_control(burn, threshold)
    return safe.as_dict()


def _frozen(statistic: Statistic, params: StatParams, today: date) -> StatParams:
    """The parameters as they are answered: the day counted at, and the years a default
    stands for, written in, so the same table can be computed again and explained."""
    frozen = params if params.as_of else replace(params, as_of=today)
    if (
        statistic.default_periods
        and frozen.span_from is None  # one span of dates, not years
        and (frozen.from_period is None or frozen.to_period is None)
    ):
        spans = frozen.periods()
        frozen = replace(frozen, from_period=spans[0].label, to_period=spans[-1].label)
    return frozen


def _refusal_sentence(
    req: FoiRequest, citations: Sequence[Citation], *, s12_limit: float, s12_rate: float
) -> str:
    names = "; ".join(c.label for c in citations)
    sections = {c.exemption.section for c in citations}
    if "12" in sections:
        est = s12_estimate(req.hours_estimate or 0.0, limit=s12_limit, rate=s12_rate)
        return (
            f"We estimate that complying with this request would take {est.hours:g} hours, "
            f"which at £{s12_rate:g} an hour is £{est.cost:,.2f}, above the appropriate limit "
            f"of £{est.limit:,.0f} ({est.limit / s12_rate:g} hours), so it is refused under "
            f"{names}. Under section 16 we would be glad to help you narrow it (for example to "
            "fewer years, or to one category) so that it can be answered within the limit; "
            "see the refusal notice."
        )
    if "14" in sections:
        return f"This request is refused under {names}; see the refusal notice."
    return f"Some information is withheld under {names}; see the refusal notice."


def _disclosure_summary(decision: dict[str, Any]) -> str:
    return (
        f"{decision.get('statistic')}: threshold {decision['threshold']}, "
        f"{len(decision['primary'])} primary, {len(decision['secondary'])} secondary"
        + ("" if decision["applied"] else ", not applied")
    )


def _still_safe_together(session: Session, req: FoiRequest) -> None:
    """Before sending: every table of the response, read beside everything sent since it
    was answered (another response may have gone out in between), must still give nothing
    away; otherwise the question is answered again."""
    for q in req.questions:
        if q.answer is None:
            continue
        others = _published_tables(session, exclude=q.id)
        for block in q.answer.blocks or []:
            kind = block.get("kind")
            if kind == "figures":
                threshold = disclosure_threshold(session)
            elif kind == "statistic" and block["disclosure"].get("applied", True):
                threshold = int(block["disclosure"]["threshold"])
            else:
                continue
            table = StatTable.from_dict(block["table"])
            _safe, more = protect_linked(table, others, threshold)
            if more:
                raise InputError(
                    f"{req.reference}: question {q.number} must be answered again before it "
                    "is sent: read beside the response's other answers and the responses "
                    "already sent, its table would give away a count withheld"
                )


def _published_tables(session: Session, *, exclude: int) -> list[StatTable]:
    """The statistic tables these will be read beside: the other answers of the same
    response (question ``exclude``'s own is being replaced), and every answer already sent,
    which the disclosure log publishes."""
    request_id = select(FoiQuestion.request_id).where(FoiQuestion.id == exclude).scalar_subquery()
    stmt = (
        select(FoiAnswer)
        .join(FoiQuestion, FoiQuestion.id == FoiAnswer.question_id)
        .join(FoiRequest, FoiRequest.id == FoiQuestion.request_id)
        .where(FoiAnswer.question_id != exclude)
        .where(or_(FoiQuestion.request_id == request_id, FoiRequest.status == Status.SENT.value))
        .order_by(FoiRequest.id, FoiQuestion.number)
    )
    out = []
    for answer in session.scalars(stmt):
        for block in answer.blocks or []:
            if block.get("kind") in ("statistic", "figures"):
                out.append(StatTable.from_dict(block["table"]))
    return out


def published_beside(session: Session, *, reference: str, number: int) -> list[StatTable]:
    """What an answer to question ``number`` of ``reference`` will be read beside: for a
    text that states numbers, to control them as its tables are controlled."""
    req = _get(session, reference)
    q = next((q for q in req.questions if q.number == number), None)
    if q is None:
        raise NotFound(f"question in {reference}", number)
    return _published_tables(session, exclude=q.id)


def _controlled(
    table: StatTable, threshold: int, override: str | None
) -> tuple[StatTable, DisclosureDecision]:
    if override:
        return table, DisclosureDecision(threshold=threshold, applied=False, reason=override)
    safe, decision = apply_disclosure_control(table, threshold)
    decision.reason = "standard rule: small counts could identify individuals (s40(2))"
    return safe, decision


def s12_problem(req: FoiRequest, *, s12_limit: float = 450.0, s12_rate: float = 25.0) -> str | None:
    """Why the response cannot go out as it stands under s12, or None. Section 12 is about
    the whole request: when the recorded estimate is over the limit, or any question is
    refused under s12, every question must be refused under s12; a refusal must quote the
    estimate as it now is, and an estimate revised to within the limit takes the refusal
    back. The letter and send both ask this, so a letter that could not be sent is never
    written (foi/letter.py)."""
    on_cost = [
        q
        for q in req.questions
        if q.answer and any(cite(e).exemption.section == "12" for e in q.answer.exemptions or [])
    ]
    numbers = ", ".join(str(q.number) for q in on_cost)
    over = (
        req.hours_estimate is not None
        and s12_estimate(req.hours_estimate, limit=s12_limit, rate=s12_rate).exceeds
    )
    if on_cost and not over:
        return (
            f"{req.reference}: question(s) {numbers} are refused under s12, but the estimate "
            f"({req.hours_estimate or 0:g} hours) is now within the cost limit: answer them again"
        )
    if (over or on_cost) and len(on_cost) != len(req.questions):
        others = [q.number for q in req.questions if q not in on_cost]
        why = (
            f"the estimate ({req.hours_estimate:g} hours) is over the s12 cost limit"
            if over
            else f"question(s) {numbers} are refused under s12"
        )
        return (
            f"{req.reference}: {why}, and s12 refuses the whole request: refuse question(s) "
            f"{', '.join(map(str, others))} under s12 too, or revise the estimate"
        )
    stale = [
        q.number
        for q in on_cost
        for block in q.answer.blocks or []  # type: ignore[union-attr]
        # (a refusal stored before the estimate was kept with it is not second-guessed)
        if block.get("kind") == "exemption"
        and block.get("hours_estimate", req.hours_estimate) != req.hours_estimate
    ]
    if stale:
        return (
            f"{req.reference}: the estimate was revised to {req.hours_estimate:g} hours after "
            f"question(s) {', '.join(map(str, stale))} were refused under s12: answer them again "
            "so the letter quotes it"
        )
    return None


def send_response(
    session: Session,
    actor: Actor,
    *,
    reference: str,
    on: date,
    today: date | None = None,
    s12_limit: float = 450.0,
    s12_rate: float = 25.0,
) -> FoiRequest:
    """Mark the response sent (every question answered); it then appears in the log.
    Section 12 refuses the whole request or nothing (s12_problem)."""
    require(actor, "foi.publish")
    req = _get(session, reference)
    check_transition(Status(req.status), Status.SENT)
    missing = [q.number for q in req.questions if q.answer is None]
    if missing:
        raise InputError(f"{reference}: question(s) {', '.join(map(str, missing))} not answered")
    _still_safe_together(session, req)
    problem = s12_problem(req, s12_limit=s12_limit, s12_rate=s12_rate)
    if problem:
        raise InputError(problem)
    if on < req.received_on:
        raise InputError(f"{on} is before the request was received ({req.received_on})")
    _not_future(on, today)
    _move(req, Status.SENT)
    req.sent_on = on
    late = req.due_on is not None and on > req.due_on
    audit.record(
        session,
        actor,
        ev.FOI_SENT,
        entity_id=reference,
        after={"sent_on": on.isoformat(), "late": late},
    )
    req.sent_audit_head = current_head(session)
    return req


def withdraw(session: Session, actor: Actor, *, reference: str, reason: str) -> FoiRequest:
    require(actor, "foi.manage")
    req = _get(session, reference)
    _move(req, Status.WITHDRAWN)
    audit.record(
        session,
        actor,
        ev.FOI_WITHDRAWN,
        entity_id=reference,
        reason=reason,
    )
    return req


@dataclass(frozen=True)
class LogEntry:
    """One disclosure log line: what was asked and answered, never who asked."""

    reference: str
    date: date
    title: str
    request: str
    response: str
    exemptions: list[str]


def answer_text(answer: FoiAnswer | None) -> str:
    """The answer as plain text (the disclosure log's response column)."""
    if answer is None:
        return "not answered"
    parts: list[str] = []
    for b in answer.blocks:
        if b["kind"] == "statistic":
            t = StatTable.from_dict(b["table"])
            rows = "; ".join(
                ", ".join(f"{col} {val}" for col, val in zip(t.display_columns, row, strict=True))
                for row in t.rows
            )
            parts.append(f"{t.title}: {rows}.")
        elif "text" in b:  # a "figures" block is the table behind a text: not shown
            parts.append(str(b["text"]))
    return " ".join(parts)


def disclosure_log(
    session: Session, actor: Actor, *, authority: str | None = None
) -> list[LogEntry]:
    require(actor, "foi.view")

    entries = []
    for req in list_requests(session, actor, status=Status.SENT.value):
        assert req.sent_on is not None
        cited = sorted(
            {e for q in req.questions if q.answer for e in q.answer.exemptions},
            key=lambda s: (int(re.match(r"\d+", s).group()), s),  # type: ignore[union-attr]
        )
        redact = requester_redactor(session, req, authority=authority)
        response = "\n\n".join(
            f"{q.number}. {answer_text(q.answer)}" for q in req.questions if q.answer
        )
        entries.append(
            LogEntry(
                reference=req.reference,
                date=req.sent_on,
                title=redact(req.title),
                request=redact("\n\n".join(f"{q.number}. {q.text}" for q in req.questions)),
                response=redact(response),
                exemptions=[f"s{e}" for e in cited],
            )
        )
    return entries


@dataclass(frozen=True)
class ClockStatus:
    """Where a request stands against the FOI clock: sent on time or late, open with so
    many working days left, overdue by so many, or stopped (clarification, fee)."""

    kind: str  # on_time | late | open | overdue | stopped | closed
    working_days: int | None = None


def clock_status(req: FoiRequest, today: date | None = None) -> ClockStatus:
    day = today or clock.today()
    if req.sent_on is not None:
        late = req.due_on is not None and req.sent_on > req.due_on
        return ClockStatus("late" if late else "on_time")
    if req.status != Status.OPEN.value:
        return ClockStatus("stopped" if req.due_on is None else "closed")
    if req.due_on is None:
        return ClockStatus("stopped")
    if req.due_on < day:
        return ClockStatus("overdue", working_days_between(req.due_on, day))
    return ClockStatus("open", working_days_between(day, req.due_on))
