"""Misconduct stages and outcomes (Police (Conduct) Regulations 2020), as one table each."""

from __future__ import annotations

from datetime import date

from datawash.errors import ForbiddenTransition, InputError
from datawash.vocabulary import Outcome, Stage, parse

STAGE_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("assessment", "investigation"),
        ("assessment", "closed"),
        ("investigation", "meeting"),
        ("investigation", "hearing"),
        ("investigation", "accelerated_hearing"),
        ("investigation", "closed"),
        ("meeting", "appeal"),
        ("meeting", "closed"),
        ("hearing", "appeal"),
        ("hearing", "closed"),
        ("accelerated_hearing", "appeal"),
        ("accelerated_hearing", "closed"),
        ("appeal", "closed"),
    }
)

# Outcomes a misconduct meeting can give, and those of a hearing (or accelerated hearing).
MEETING_OUTCOMES = frozenset(
    {"no_case_to_answer", "reflective_practice", "written_warning", "final_written_warning"}
)
HEARING_OUTCOMES = frozenset(
    {
        "no_case_to_answer",
        "written_warning",
        "final_written_warning",
        "reduction_in_rank",
        "dismissed",
        "would_have_been_dismissed",
    }
)
# Management advice / action replaced by reflective practice in February 2020.
LEGACY_OUTCOMES = frozenset({"management_advice", "management_action"})
LEGACY_UNTIL = date(2020, 2, 1)
OFFICER_ONLY = frozenset({"reduction_in_rank"})
OFFICER_ROLES = ("officer", "special")  # the roles OFFICER_ONLY outcomes apply to


def check_stage(current: str | None, target: str) -> None:
    target = parse(Stage, target, what="stage").value
    start = current or "assessment"
    if start == target or (start, target) not in STAGE_TRANSITIONS:
        raise ForbiddenTransition(f"an allegation cannot move from {start} to {target}")


def check_outcome(*, outcome: str, stage: str | None, role: str, recorded_on: date) -> None:
    """Refuse an outcome the vocabulary does not know, or that the stage, the person's role
    or the date rules out; the same check for import and for update."""
    outcome = parse(Outcome, outcome, what="outcome").value
    if outcome in LEGACY_OUTCOMES and recorded_on >= LEGACY_UNTIL:
        raise InputError(f"{outcome} is a legacy outcome, only for cases recorded before Feb 2020")
    if outcome in OFFICER_ONLY and role not in OFFICER_ROLES:
        raise InputError(f"{outcome} applies to officers and specials only, not {role}")
    if stage == "meeting" and outcome not in MEETING_OUTCOMES:
        raise InputError(f"a misconduct meeting cannot give the outcome {outcome}")
    if stage in ("hearing", "accelerated_hearing") and outcome not in HEARING_OUTCOMES:
        raise InputError(f"a misconduct hearing cannot give the outcome {outcome}")
