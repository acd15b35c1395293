"""The supervisor's pages: the wash run's progress against its deadline (burn-down chart,
needed against achieved, forecast), each reviewer's throughput and load, pending
countersignatures, setting the deadline and sharing unassigned work out evenly."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from datawash.auth.sessions import SessionEnded
from datawash.clock import UK
from datawash.errors import DatawashError, InputError
from datawash.permissions import require
from datawash.review import service as review
from datawash.review.read import QueueFilter
from datawash.vocabulary import Category
from datawash.wash import service as wash
from datawash.web.common import form_errors, settings_of_app, signed_in, to_sign_in, transaction

bp = Blueprint("supervise", __name__)


def _burn_down_png(s: Any, actor: Any, due_on: date | None) -> str | None:
    from datawash.foi.charts import burn_down
    from datawash.stats import service as stats
    from datawash.stats.registry import StatParams

    table = stats.run_statistic(s, actor, "wash_burn_down", StatParams())
    if not table.rows:
        return None
    png = burn_down(table, due_on, threshold=1)  # the team's own figures: nothing withheld
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _page(errors: list[dict[str, str]] | None = None, status: int = 200) -> ResponseReturnValue:
    with transaction() as s:
        actor = signed_in(s)
        require(actor, "review.assign")
        progress = review.progress(s, actor)
        team = review.team_throughput(s, actor)
        chart = _burn_down_png(s, actor, progress.due_on)
        run = wash.run_summary(s, actor, progress.run_id)
    return (
        render_template(
            "supervise/dashboard.html", actor=actor, progress=progress, team=team,
            chart=chart, run=run, run_rows=_run_rows(run), errors=errors or [],
            field_errors={e["href"][1:]: e["text"] for e in errors or []},
            category_items=[{"value": "", "text": "Any"}]
            + [{"value": c.value, "text": c.label} for c in Category],
        ),
        status,
    )  # fmt: skip


def _run_rows(run: wash.RunSummary | None) -> list[dict[str, Any]]:
    if run is None:
        return []
    took = f" in {run.seconds:.0f} s" if run.seconds else ""
    rows = [("Started", run.started_at.astimezone(UK).strftime("%d/%m/%Y %H:%M")),
            ("Status", run.status + took)]  # fmt: skip
    rows += [(k.capitalize(), f"{v:,}") for k, v in run.counts.items()]
    rows += [(f"Input: {i['kind']}", f"{i['rows']:,} rows, SHA-256 {i['sha256'][:16]}…")
             for i in run.inputs]  # fmt: skip
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


@bp.get("/supervise")
def dashboard() -> ResponseReturnValue:
    try:
        return _page()
    except SessionEnded as ended:
        return to_sign_in(ended.reason)


@bp.post("/supervise/deadline")
def deadline() -> ResponseReturnValue:
    try:
        with transaction() as s:
            actor = signed_in(s)
            progress = review.progress(s, actor)
            if progress.run_id is None:
                raise InputError("there is no wash run yet", field="due_on")
            try:
                due = date.fromisoformat(request.form.get("due_on", "").strip())
            except ValueError:
                raise InputError("the deadline is a date (YYYY-MM-DD)", field="due_on") from None
            review.set_deadline(s, actor, run_id=progress.run_id, due_on=due)
    except SessionEnded as ended:
        return to_sign_in(ended.reason)
    except DatawashError as exc:
        return _page(form_errors(exc), 400)
    return redirect(url_for("supervise.dashboard"))


@bp.post("/supervise/target")
def target() -> ResponseReturnValue:
    from datawash.review import learning

    try:
        with transaction() as s:
            actor = signed_in(s)
            # The run the page showed, not whichever is latest when the form arrives.
            run_id = request.form.get("run_id", "").strip()
            if not run_id.isdigit():
                raise InputError("there is no wash run yet", field="share")
            text = request.form.get("share", "").strip().removesuffix("%").strip()
            try:
                share = float(text) / 100  # the field is in per cent
            except ValueError:
                raise InputError("the share is a per cent, e.g. 97", field="share") from None
            learning.set_target_share(
                s, actor, settings_of_app(), run_id=int(run_id), share=share,
                reason=request.form.get("reason", ""),
            )  # fmt: skip
    except SessionEnded as ended:
        return to_sign_in(ended.reason)
    except DatawashError as exc:
        return _page(form_errors(exc), 400)
    return redirect(url_for("supervise.dashboard"))


@bp.post("/supervise/assign")
def assign() -> ResponseReturnValue:
    try:
        with transaction() as s:
            actor = signed_in(s)
            category = request.form.get("category") or None
            review.assign_evenly(
                s,
                actor,
                reviewers=request.form.getlist("reviewers"),
                filters=QueueFilter(category=category),
            )
    except SessionEnded as ended:
        return to_sign_in(ended.reason)
    except DatawashError as exc:
        return _page(form_errors(exc), 400)
    return redirect(url_for("supervise.dashboard"))
