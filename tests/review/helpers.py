"""Shared by the review tests and the statistics and FOI tests that need reviewed items:
a completed wash run made by hand, and decisions taken through the services under dual
control (a reviewer decides, a second reviewer countersigns)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from datawash.auth.service import Actor, Role
from datawash.review import service as review
from datawash.review.read import DecisionRead
from datawash.vocabulary import RecordIdentity
from datawash.wash.models import WashCandidate, WashEvent, WashPerson, WashRecord, WashRun

SUP = Actor("sam", Role.SUPERVISOR)
SUP2 = Actor("sasha", Role.SUPERVISOR)
REV1 = Actor("riley", Role.REVIEWER)
REV2 = Actor("robin", Role.REVIEWER)
REV3 = Actor("remy", Role.REVIEWER)
FOI = Actor("fran", Role.FOI_OFFICER)
ADMIN = Actor("ada", Role.ADMINISTRATOR)


def ensure_users(session: Session) -> None:
    """The actors above as users in the database (a countersignature checks the decider
    can still act)."""
    from datawash import audit
    from datawash.audit import events
    from datawash.auth.models import User

    for actor in (SUP, SUP2, REV1, REV2, REV3, FOI, ADMIN):
        if session.get(User, actor.username) is None:
            session.add(User(username=actor.username, role=actor.role.value))
            audit.record(
                session, ADMIN, events.USER_ADDED, entity_id=actor.username,
                after={"username": actor.username, "role": actor.role.value},
            )  # fmt: skip
    session.flush()


def make_run(
    session: Session,
    pairs: dict[tuple[str, str], str],
    *,
    offence: str = "19C",
    role: str = "officer",
    offences: dict[str, str] | None = None,
    roles: dict[str, str] | None = None,
    evidence: dict[tuple[str, str], tuple[float, list[dict[str, object]]]] | None = None,
    model_json: str | None = None,
) -> int:
    """A completed wash run with candidate (person, record) -> record fingerprint; each
    record has one event E-<record> (by default a rape offence as suspect, 400 days ago)."""
    ensure_users(session)
    run = WashRun(status="completed", model_json=model_json)
    session.add(run)
    session.flush()
    for pid in sorted({p for p, _ in pairs}):
        session.add(
            WashPerson(
                run_id=run.id,
                person_id=pid,
                role=(roles or {}).get(pid, role),
                forenames="Alex",
                surname=f"Surname{pid}",
                extra={"collar_number": "4711", "department": "Response"},
            )
        )
    for (pid, rid), fp in pairs.items():
        p, expl = (evidence or {}).get(
            (pid, rid), (0.97, [{"field": "surname", "level": "same", "weight": 7.0}])
        )
        session.add(WashRecord(run_id=run.id, record_id=rid, fingerprint=fp, surname="B"))
        session.add(
            WashEvent(
                run_id=run.id,
                event_id=f"E-{rid}",
                record_id=rid,
                event_type="crime",
                role="suspect",
                offence_code=(offences or {}).get(rid, offence),
                event_date=(date.today() - timedelta(days=400)).isoformat(),
            )
        )
        session.add(
            WashCandidate(
                run_id=run.id,
                person_id=pid,
                record_id=rid,
                match_probability=p,
                match_weight=12.0,
                band="review",
                explanation=expl,
            )
        )
    session.flush()
    review.sync_from_wash(session, SUP, run.id)
    return run.id


def marks_for(
    session: Session, person_id: str, identity: RecordIdentity
) -> list[review.RecordMark]:
    """The same mark on every live candidate record of the person."""
    item = review._item(session, person_id)
    return [
        review.RecordMark(c.record_id, identity, "test")
        for c in item.candidates
        if c.status != "disappeared"
    ]


IDENTITY_MARK = {
    "identity_confirmed": RecordIdentity.THIS_PERSON,
    "not_the_person": RecordIdentity.NOT_THIS_PERSON,
    "needs_information": RecordIdentity.UNSURE,
}


def propose(
    session: Session, person_id: str, decision: str, actor: Actor = REV1, **extra: object
) -> DecisionRead:
    """A decision with what it needs: marks for identity decisions, a referral."""
    kwargs: dict[str, object] = dict(extra)
    if decision in IDENTITY_MARK and "marks" not in kwargs:
        kwargs["marks"] = marks_for(session, person_id, IDENTITY_MARK[decision])
    if decision == "referred" and "referral" not in kwargs:
        kwargs["referral"] = "welfare_support"
    return review.decide(
        session,
        actor,
        person_id=person_id,
        decision=decision,
        reason="test",
        **kwargs,  # type: ignore[arg-type]
    )


def decided(session: Session, person_id: str, *decisions: str) -> None:
    """Each decision made by one reviewer and countersigned by another."""
    for decision in decisions:
        row = propose(session, person_id, decision)
        if row.status == "pending":
            review.countersign(session, REV2, person_id=person_id, reason="agreed")
