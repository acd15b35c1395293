"""The end-to-end demonstration on synthetic data, through the same services a team would
use: synthesise a force and an extract, wash them, import the misconduct register, let two
reviewers work part of the queue under dual control against a deadline, and answer the
seed FOI request from what is then in the system, as HTML, PDF and DOCX."""

from __future__ import annotations

import csv
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash import clock
from datawash.auth.models import User
from datawash.auth.service import Actor, Role, add_user, get_actor, set_password
from datawash.cases.service import import_register
from datawash.config import Settings
from datawash.db import dispose_engine, session_scope
from datawash.errors import InputError
from datawash.outputs import private_dir, write_private
from datawash.review import service as review
from datawash.review.read import EventRead, QueueFilter
from datawash.review.workflow import State
from datawash.synth import generate
from datawash.vocabulary import RecordIdentity
from datawash.wash.service import WashSummary

Progress = Callable[[str, float], None]

DEMO_USERS = {
    "admin": Role.ADMINISTRATOR,
    "sam.supervisor": Role.SUPERVISOR,
    "riley.reviewer": Role.REVIEWER,
    "robin.reviewer": Role.REVIEWER,
    "pat.psd": Role.PSD_INVESTIGATOR,
    "fran.foi": Role.FOI_OFFICER,
    "alex.analyst": Role.ANALYST,
}


# The demo's reviewers finish this share of the queue, so progress and the burn-down
# have something to show; the rest is left for a real team.
REVIEWED_SHARE = 0.4
# The deadline the demo sets: about six months after the wash, as the national one was
# (January to 29 September 2023).
DEADLINE_AFTER = timedelta(days=182)


@dataclass
class ReviewTally:
    reviewed: int = 0
    confirmed: int = 0
    not_the_person: int = 0
    referred: int = 0
    no_further_action: int = 0


@dataclass
class FoiOutcome:
    reference: str
    due_on: date | None
    files: list[Path]


@dataclass
class DemoResult:
    wash: WashSummary
    inputs: Path
    notes: list[str] = field(default_factory=list)
    review: ReviewTally | None = None
    foi: FoiOutcome | None = None
    passwords: dict[str, str] = field(default_factory=dict)


def ensure_demo_users(settings: Settings, *, password: str | None = None) -> DemoTeam:
    """Create the demo team once (the first is the administrator who adds the others) and
    give each a password: ``password`` for all (tests), or a fresh random one each, which
    the demo prints so that the team can sign in. Re-running sets new passwords."""
    passwords: dict[str, str] = {}
    with session_scope(settings) as session:
        if session.get(User, "admin") is None:
            add_user(session, None, username="admin", role=Role.ADMINISTRATOR.value)
            session.flush()
        admin = get_actor(session, "admin")
        for name, role in DEMO_USERS.items():
            if session.get(User, name) is None:
                add_user(session, admin, username=name, role=role.value)
            passwords[name] = password or secrets.token_urlsafe(12)
            set_password(session, admin, username=name, password=passwords[name])
        session.flush()
        return DemoTeam(
            actors={name: get_actor(session, name) for name in DEMO_USERS}, passwords=passwords
        )


@dataclass
class DemoTeam:
    actors: dict[str, Actor]
    passwords: dict[str, str]

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]


DEMO_MARKER = ".datawash-demo"
# What a demo leaves in its data directory, and so what a later demo may clear.
DEMO_FILES = (
    "datawash.sqlite",
    "datawash.sqlite-wal",
    "datawash.sqlite-shm",
    "demo-pairs.csv",
    "demo-passwords.txt",
)
DEMO_DIRS = ("demo-inputs", "foi", "tmp")


def prepare_demo_dir(settings: Settings) -> None:
    """The demo runs only where it can do no harm: an empty (or new) data directory, which
    it marks as a demo's, or one a previous demo marked, which it clears. A directory that
    holds anything else, or a database URL (PostgreSQL) that holds data, is refused: the
    demo creates users, decides review items and publishes an FOI response."""
    data = settings.data_dir
    if settings.database_url:
        with session_scope(settings) as session:
            if _holds_data(session):
                raise InputError(
                    "the database named by DATAWASH_DATABASE_URL holds data; the demo runs "
                    "only on an empty database or a new data directory"
                )
        return
    if data.exists() and any(data.iterdir()):
        if not (data / DEMO_MARKER).exists() or _used_beyond_the_demo(settings):
            raise InputError(
                f"{data} holds data and is not a demo's data directory: the demo never runs "
                "on live data. Give it a new folder: datawash --data-dir NEW_FOLDER demo"
            )
        dispose_engine(settings)
        for name in DEMO_FILES:
            (data / name).unlink(missing_ok=True)
        for name in DEMO_DIRS:
            shutil.rmtree(data / name, ignore_errors=True)
    private_dir(data)
    write_private(
        data / DEMO_MARKER, "made by `datawash demo`; a later demo may clear it\n", own_file=True
    )


def _used_beyond_the_demo(settings: Settings) -> bool:
    """Someone other than the demo's team has acted here (a marker does not make a
    database the demo's to clear)."""
    if not (settings.data_dir / "datawash.sqlite").exists():
        return False
    from datawash.audit.models import AuditEvent
    from datawash.auth.models import User

    team = set(DEMO_USERS) | {"system", "unknown"}
    with session_scope(settings) as session:
        users = set(session.scalars(select(User.username)))
        actors = set(session.scalars(select(AuditEvent.actor).distinct()))
    return not (users <= team and actors <= team)


def _holds_data(session: Session) -> bool:
    from datawash.auth.models import User
    from datawash.cases.models import Case
    from datawash.foi.models import FoiRequest
    from datawash.wash.models import WashRun

    return any(
        session.scalar(select(model).limit(1)) is not None
        for model in (User, WashRun, Case, FoiRequest)
    )


def run_demo(
    settings: Settings,
    *,
    workforce: int,
    records: int,
    seed: int,
    progress: Progress | None = None,
) -> DemoResult:
    step = progress or (lambda _s, _f: None)
    prepare_demo_dir(settings)
    inputs = settings.data_dir / "demo-inputs"
    step("synth", 0.0)
    generate(inputs, workforce=workforce, records=records, seed=seed, fmt="csv")
    step("synth", 1.0)
    team = ensure_demo_users(settings)
    summary = review.wash(
        settings=settings,
        actor=team["sam.supervisor"],
        workforce=inputs / "workforce.csv",
        records=inputs / "records.csv",
        events=inputs / "events.csv",
        label="demo wash",
        export=settings.data_dir / "demo-pairs.csv",
        progress=step,
    )
    notes = [f"inputs: {inputs}", f"candidate pairs exported to {summary.export}"]
    notes += _against_truth(inputs / "truth.csv", settings.data_dir / "demo-pairs.csv")
    today = clock.today()
    step("register", 0.0)
    with session_scope(settings) as session:
        imported = import_register(
            session,
            team["pat.psd"],
            cases_path=inputs / "cases.csv",
            allegations_path=inputs / "allegations.csv",
        )
    notes.append(
        f"misconduct register: {imported.cases_inserted + imported.cases_updated:,} cases new or "
        f"updated, {imported.allegations_inserted + imported.allegations_updated:,} allegations"
    )
    step("register", 1.0)
    step("review", 0.0)
    tally = review_part_of_queue(
        settings, team, run_id=summary.run_id, truth=inputs / "truth.csv", today=today
    )
    step("review", 1.0)
    step("FOI response", 0.0)
    foi = answer_seed_request(settings, team["fran.foi"], today=today)
    step("FOI response", 1.0)
    return DemoResult(
        wash=summary,
        inputs=inputs,
        notes=notes,
        review=tally,
        foi=foi,
        passwords=team.passwords,
    )


def _true_pairs(truth_path: Path) -> set[tuple[str, str]]:
    with truth_path.open(newline="") as fh:
        return {(r["person_id"], r["record_id"]) for r in csv.DictReader(fh)}


def _calls_for_referral(event: EventRead) -> bool:
    return event.role_kind == "integrity" and bool(
        set(event.categories) & {"sexual", "domestic_abuse"}
    )


def review_part_of_queue(
    settings: Settings, team: DemoTeam, *, run_id: int, truth: Path, today: date
) -> ReviewTally:
    """Two reviewers work the most urgent share of the queue under dual control. On
    synthetic data the truth stands in for the reviewer's judgement of each record's
    identity; what follows from a confirmed identity (referral or not) is decided from
    the triage, and a referral turns the confirmed records' sexual and domestic abuse
    events into allegations."""
    true_pairs = _true_pairs(truth)
    riley, robin = team["riley.reviewer"], team["robin.reviewer"]
    tally = ReviewTally()
    with session_scope(settings) as session:

        def decide(person_id: str, decision: str, reason: str, **extra: Any) -> None:
            """Riley decides; where dual control holds the decision, Robin countersigns."""
            row = review.decide(
                session,
                riley,
                person_id=person_id,
                decision=decision,
                reason=f"Demo: {reason}",
                **extra,
            )
            if row.status == "pending":
                review.countersign(session, robin, person_id=person_id, reason="Demo: agreed.")

        review.set_deadline(
            session, team["sam.supervisor"], run_id=run_id, due_on=today + DEADLINE_AFTER
        )
        waiting = review.export_queue(
            session, riley, QueueFilter(states=[State.NEW.value], run_id=run_id)
        )
        for row in waiting[: round(len(waiting) * REVIEWED_SHARE)]:
            view = review.show(session, riley, row.person_id)
            live = [c for c in view.candidates if c.status != "disappeared"]
            ours = {c.record_id for c in live if (row.person_id, c.record_id) in true_pairs}
            marks = [
                review.RecordMark(
                    c.record_id,
                    RecordIdentity.THIS_PERSON
                    if c.record_id in ours
                    else RecordIdentity.NOT_THIS_PERSON,
                )
                for c in live
            ]
            tally.reviewed += 1
            if not ours:
                decide(
                    row.person_id,
                    "not_the_person",
                    "dates of birth and addresses differ.",
                    marks=marks,
                )
                tally.not_the_person += 1
                continue
            decide(
                row.person_id,
                "identity_confirmed",
                "name, birth date and addresses agree.",
                marks=marks,
            )
            tally.confirmed += 1
            events = [
                e
                for e in review.show(session, riley, row.person_id).referral_options
                if _calls_for_referral(e)
            ]
            if events:
                decide(
                    row.person_id,
                    "referred",
                    "suspect in a sexual or domestic abuse matter.",
                    referral="misconduct_investigation",
                    allegations=[review.AllegationChoice(e.event_id) for e in events],
                )
                tally.referred += 1
            else:
                decide(row.person_id, "no_further_action", "nothing affecting integrity.")
                tally.no_further_action += 1
    return tally


def answer_seed_request(settings: Settings, foi_officer: Actor, *, today: date) -> FoiOutcome:
    """Receive the seed request today, answer it from the register and the wash, send it,
    and write the letter (HTML, PDF, DOCX) and the disclosure log. Everything is rendered
    inside the transaction and written to disk only once it has committed."""
    from datawash.foi.letter import RENDERERS, build_letter
    from datawash.foi.log import render_disclosure_log
    from datawash.foi.seed import build_seed_response
    from datawash.foi.service import get_request, send_response

    authority = settings.authority_name
    with session_scope(settings) as session:
        reference = build_seed_response(
            session,
            foi_officer,
            authority=authority,
            received_on=today,
            as_of=today,
        )
        send_response(session, foi_officer, reference=reference, on=today)
        session.flush()
        due_on = get_request(session, foi_officer, reference).due_on
        letter = build_letter(session, foi_officer, reference, authority=authority, addressed=True)
        rendered = {f"{reference}.{fmt}": render(letter) for fmt, render in RENDERERS.items()}
        published = render_disclosure_log(session, foi_officer, authority=authority)
    out = settings.data_dir / "foi"
    files = []
    for name, data in rendered.items():
        files.append(write_private(out / name, data))
    for name, text in published.items():
        files.append(write_private(out / "disclosure-log" / name, text))
    return FoiOutcome(reference=reference, due_on=due_on, files=files)


def _against_truth(truth_path: Path, pairs_path: Path) -> list[str]:
    """On synthetic data the truth is known: say how the wash did, and show evidence."""
    truth = _true_pairs(truth_path)
    with pairs_path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    found = {(r["person_id"], r["record_id"]) for r in rows}
    hits = found & truth
    lines = [
        f"against the synthetic truth: {len(hits):,} of {len(truth):,} true pairs found "
        f"(recall {len(hits) / max(len(truth), 1):.1%}), "
        f"precision {len(hits) / max(len(found), 1):.1%}"
    ]
    shown = [r for r in rows if r["band"] == "review"][:2] + [
        r for r in rows if r["band"] == "confirmed"
    ][:1]
    for r in shown:
        p = float(r["match_probability"])
        lines.append(f"  {r['person_id']} ~ {r['record_id']} ({r['band']}, p={p:.3f})")
        lines.extend(f"      {part}" for part in r["explanation"].split(" | "))
    return lines
