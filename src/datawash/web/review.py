"""The reviewers' pages: the queue, a person's records side by side, per-record identity,
decisions and countersignatures (the password again to countersign). Each handler parses
the form, calls one review service and renders its read model."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from datawash.actor import Actor, Channel
from datawash.auth import service as auth
from datawash.auth import sessions
from datawash.auth.sessions import SessionEnded
from datawash.db import session_scope
from datawash.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    DatawashError,
    InputError,
    PermissionDenied,
)
from datawash.permissions import may
from datawash.review import service as review
from datawash.review.read import QueueFilter
from datawash.review.workflow import parse_identity
from datawash.vocabulary import Category, RecordIdentity, Referral, ReviewState, WorkforceRole
from datawash.web import oidc
from datawash.web.common import form_errors, settings_of_app, signed_in, to_sign_in, transaction

bp = Blueprint("review", __name__)

DECISIONS = [s.value for s in ReviewState if s is not ReviewState.NEW]
MARKS = [m for m in RecordIdentity if m is not RecordIdentity.UNMARKED]


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("review.queue"))


def _filters(args: Any, actor_name: str) -> QueueFilter:
    state = args.get("state") or None
    return QueueFilter(
        states=[state] if state else [],
        awaiting_my_countersignature=args.get("view") == "countersign",
        returned_to_me=args.get("view") == "returned",
        assigned_to=actor_name if args.get("view") == "mine" else None,
        category=args.get("category") or None,
        role=args.get("role") or None,
        sort=args.get("sort") or "priority",
        page=max(1, int(args.get("page", "1") or 1)) if (args.get("page") or "1").isdigit() else 1,
        per_page=25,
    )


@bp.route("/review", methods=["GET", "POST"])
def queue() -> ResponseReturnValue:
    """GET filters by state, category, role and view; a name search is POSTed so that a
    person's name never appears in a URL."""
    try:
        with transaction() as s:
            actor = signed_in(s)
            filters = _filters(request.args, actor.username)
            if request.method == "POST":
                filters.search = (request.form.get("search") or "").strip() or None
            page = review.queue(s, actor, filters)
            team = review.team_throughput(s, actor) if may(actor, "review.assign") else []
    except SessionEnded as ended:
        return to_sign_in(ended.reason)
    except DatawashError as exc:
        return render_template("error.html", title="The queue could not be shown",
                               message=str(exc), status=400), 400  # fmt: skip

    def items(options: list[Any], chosen: str | None) -> list[dict[str, Any]]:
        return [{"value": "", "text": "Any"}] + [
            {"value": o.value, "text": o.label, "selected": o.value == chosen} for o in options
        ]

    next_url = None
    if page.page < page.pages:
        query: dict[str, Any] = {**request.args.to_dict(), "page": str(page.page + 1)}
        next_url = url_for("review.queue", **query)
    return render_template(
        "review/queue.html",
        page=page,
        actor=actor,
        category_items=items(list(Category), request.args.get("category")),
        role_items=items(list(WorkforceRole), request.args.get("role")),
        state_items=items(list(ReviewState), request.args.get("state")),
        next_url=next_url,
        team_items=[
            {"value": t.username, "text": f"{t.username} ({t.assigned_open} open)"} for t in team
        ],
        back=request.full_path if request.method == "GET" else url_for("review.queue"),
    )


@bp.post("/review/assign")
def assign() -> ResponseReturnValue:
    """A supervisor gives the people ticked on a page of the queue to one reviewer."""
    back = oidc.safe_next(request.form.get("back", "")) or ""
    if not back.startswith("/review"):
        back = url_for("review.queue")  # only ever back to the queue: no open redirect
    try:
        with transaction() as s:
            actor = signed_in(s)
            chosen = request.form.getlist("person")
            if not chosen:
                raise InputError("tick at least one person to assign", field="reviewer")
            review.assign(s, actor, person_ids=chosen, reviewer=request.form.get("reviewer", ""))
    except SessionEnded as ended:
        return to_sign_in(ended.reason)
    except DatawashError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return render_template("error.html", title="Nobody was assigned", message=str(exc),
                               status=400), 400  # fmt: skip
    return redirect(back)


def _person(
    person_id: str, errors: list[dict[str, str]] | None = None, status: int = 200
) -> tuple[str, int]:
    with transaction() as s:
        actor = signed_in(s)
        item = review.show(s, actor, person_id)  # the view is logged
        following = review.next_person(s, actor, after=person_id)
        confirmed = oidc.reauthenticated_recently(s) if session.get("method") == "oidc" else False
    return (
        render_template(
            "review/person.html", item=item, actor=actor, errors=errors or [],
            decision_items=[{"value": d, "text": d.replace("_", " ")} for d in DECISIONS],
            referral_items=[{"value": "", "text": "-"}]
            + [{"value": r.value, "text": r.label} for r in Referral],
            hr_rows=_hr_rows, side_by_side=_side_by_side, mark_items=_mark_items,
            waterfall=waterfall, oidc_session=session.get("method") == "oidc",
            reauthenticated=confirmed,
            next_person=following, may_reopen=may(actor, "review.reopen"),
        ),
        status,
    )  # fmt: skip


def _hr_rows(person: Any) -> list[dict[str, Any]]:
    return [
        {"key": {"text": k.replace("_", " ").capitalize()}, "value": {"text": v}}
        for k, v in person.hr.items()
    ]


def _side_by_side(person: Any, record: Any) -> list[tuple[str, str, str]]:
    """Field, the HR value, the record's value: the page highlights where they differ."""

    def v(x: Any) -> str:
        return str(x) if x not in (None, "") else "-"

    if record is None:
        return []
    p = person
    return [
        ("Forenames", v(p and p.forenames), v(record.forenames)),
        ("Surname", v(p and p.surname), v(record.surname)),
        ("Other names", v(p and p.previous_surnames), v(record.aliases)),
        ("Date of birth", v(p and p.date_of_birth), v(record.date_of_birth)),
        ("Gender", v(p and p.gender), v(record.gender)),
        ("Address", v(p and p.address), v(record.address)),
        ("Postcode", v(p and p.postcode), v(record.postcode)),
    ]


class Step(NamedTuple):
    """One bar of the waterfall: the running match weight before and after a field."""

    label: str
    weight: float
    start: float
    end: float


def waterfall(candidate: Any) -> tuple[list[Step], float, float]:
    """The explanation as a waterfall of match weights: the prior (how likely any pair is a
    match before the evidence), then each field's weight, strongest first, ending at the
    pair's match weight. Returns the steps and the scale's low and high ends."""
    items = sorted(candidate.explanation, key=lambda e: -abs(float(e.get("weight") or 0.0)))
    p = min(max(float(candidate.match_probability), 1e-12), 1 - 1e-12)
    total = math.log2(p / (1 - p))
    prior = total - sum(float(e.get("weight") or 0.0) for e in items)
    steps = [Step("before the evidence", prior, 0.0, prior)]
    at = prior
    for e in items:
        w = float(e.get("weight") or 0.0)
        steps.append(Step(f"{e['field']}: {e['level']}", w, at, at + w))
        at += w
    ends = [0.0] + [s.start for s in steps] + [s.end for s in steps]
    return steps, min(ends), max(ends)


def _mark_items(candidate: Any) -> list[dict[str, Any]]:
    return [
        {"value": m.value, "text": m.label.capitalize(), "checked": candidate.identity == m.value}
        for m in MARKS
    ]


@bp.get("/review/<person_id>")
def person(person_id: str) -> ResponseReturnValue:
    try:
        return _person(person_id)
    except SessionEnded as ended:
        return to_sign_in(ended.reason)


def _version(form: Any) -> int | None:
    """The item version the page showed: a change made since is a conflict."""
    text = form.get("version", "")
    return int(text) if text.isascii() and text.isdigit() else None


def _act(
    person_id: str, act: Callable[[Session, Actor, Any], object], then: str
) -> ResponseReturnValue:
    """One form on the person page: the service call in one transaction; a service's
    refusal shown in the error summary beside the evidence; a conflict or a role that may
    not act answered by the app's own pages (409, 403)."""
    try:
        with transaction() as s:
            act(s, signed_in(s), request.form)
    except SessionEnded as ended:
        return to_sign_in(ended.reason)
    except DatawashError as exc:
        refused_user = getattr(g, "password_refused_for", None)
        if refused_user:
            with session_scope(settings_of_app()) as own:
                auth.record_failed_attempt(own, refused_user, channel=Channel.WEB, os_account=None)
        denied = isinstance(exc, PermissionDenied) and not isinstance(exc, AuthenticationFailed)
        if denied or isinstance(exc, Conflict):
            raise
        return _person(person_id, form_errors(exc), 400)
    return redirect(then)


@bp.post("/review/<person_id>/decide")
def decide(person_id: str) -> ResponseReturnValue:
    def act(s: Session, actor: Actor, form: Any) -> object:
        marks = [
            review.RecordMark(key.removeprefix("mark-"), parse_identity(value),
                              form.get("why-" + key.removeprefix("mark-")) or None)
            for key, value in form.items()
            if key.startswith("mark-") and value
        ]  # fmt: skip
        return review.decide(
            s,
            actor,
            person_id=person_id,
            decision=form.get("decision", ""),
            reason=form.get("reason", ""),
            referral=form.get("referral") or None,
            marks=marks,
            allegations=[review.AllegationChoice(e) for e in form.getlist("allegation")],
            expected_version=_version(form),
        )

    return _act(person_id, act, url_for("review.person", person_id=person_id))


@bp.post("/review/<person_id>/reopen")
def reopen(person_id: str) -> ResponseReturnValue:
    """A supervisor sends a decided person back to be reviewed again (countersigned)."""

    def act(s: Session, actor: Actor, form: Any) -> object:
        return review.reopen(
            s, actor, person_id=person_id, reason=form.get("reopen_reason", ""),
            expected_version=_version(form),
        )  # fmt: skip

    return _act(person_id, act, url_for("review.person", person_id=person_id))


@bp.post("/review/<person_id>/countersign")
def countersign(person_id: str) -> ResponseReturnValue:
    def act(s: Session, actor: Actor, form: Any) -> object:
        # Countersigning is a second person's act: they prove it again, with their password
        # or (signed in by the force's identity provider) by signing in there again.
        if session.get("method") == "oidc":
            # One confirmation, one signature: used up in this transaction (kept if the
            # countersignature is refused).
            if not sessions.take_reauthentication(s, session.get("token"), oidc.REAUTH_SECONDS):
                raise AuthenticationFailed(
                    "confirm it is you with your force account, then countersign"
                )
        else:
            try:
                auth.authenticate(s, actor.username, form.get("password"), channel=Channel.WEB)
            except AuthenticationFailed as refused:
                # Counted towards lockout like a failed sign-in, once this transaction has
                # been rolled back (see _act), so a password cannot be guessed here either.
                if not isinstance(refused, AccountLocked):
                    g.password_refused_for = actor.username
                raise
        return review.countersign(
            s,
            actor,
            person_id=person_id,
            reason=form.get("countersign_reason", ""),
            reject=form.get("outcome") == "reject",
            expected_version=_version(form),
        )

    return _act(person_id, act, url_for("review.queue", view="countersign"))
