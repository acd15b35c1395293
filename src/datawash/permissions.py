"""Which role may take which named action: the one table every service checks against,
and :func:`require`, the one check. A domain adds its actions here, in its own block, as
"domain.verb"; docs/architecture.md prints the table from here.
"""

from __future__ import annotations

from datawash.actor import Actor, Role
from datawash.errors import PermissionDenied

R = Role
_REVIEW_STAFF = frozenset({R.REVIEWER, R.SUPERVISOR})
_PSD = frozenset({R.PSD_INVESTIGATOR, R.SUPERVISOR})
# Who may read the register case by case (people, allegations, outcomes); analysts and
# FOI officers answer from counts and never need a named person.
_READ_REGISTER = frozenset({R.PSD_INVESTIGATOR, R.SUPERVISOR})
_COUNT_REGISTER = _READ_REGISTER | {R.ANALYST, R.FOI_OFFICER}

PERMISSIONS: dict[str, frozenset[Role]] = {
    # users
    "users.manage": frozenset({R.ADMINISTRATOR}),
    "safeguards.change": frozenset({R.ADMINISTRATOR}),
    "system.backup": frozenset({R.ADMINISTRATOR}),
    # wash
    "wash.run": frozenset({R.SUPERVISOR, R.ADMINISTRATOR}),
    # review workflow
    "review.view": _REVIEW_STAFF,
    "review.decide": _REVIEW_STAFF,
    "review.countersign": _REVIEW_STAFF,
    "review.reopen": frozenset({R.SUPERVISOR}),
    "review.export": _REVIEW_STAFF,
    "review.assign": frozenset({R.SUPERVISOR}),
    "review.set_deadline": frozenset({R.SUPERVISOR}),
    "review.set_target": frozenset({R.SUPERVISOR}),
    "review.progress": _REVIEW_STAFF | {R.ANALYST},
    # misconduct case register
    "cases.view": _READ_REGISTER,
    "cases.count": _COUNT_REGISTER,
    "cases.create": _PSD,
    "cases.update": _PSD,
    "cases.import": _PSD | {R.ADMINISTRATOR},
    # audit
    "audit.view": frozenset({R.SUPERVISOR, R.ADMINISTRATOR}),
    "audit.verify": frozenset({R.SUPERVISOR, R.ADMINISTRATOR}),
    # statistics and FOI
    "stats.run": frozenset({R.ANALYST, R.FOI_OFFICER, R.SUPERVISOR}),
    "foi.view": frozenset({R.FOI_OFFICER, R.SUPERVISOR}),
    "foi.manage": frozenset({R.FOI_OFFICER}),
    "foi.publish": frozenset({R.FOI_OFFICER}),
}


def require(actor: Actor, action: str) -> None:
    """Raise PermissionDenied unless the actor's role may take the named action."""
    allowed = PERMISSIONS.get(action)
    if allowed is None:
        raise KeyError(f"unknown action {action!r}: add it to datawash/permissions.py")
    if actor.role not in allowed:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not {action}")


def may(actor: Actor, action: str) -> bool:
    """Whether the actor may take the action (for adapters deciding what to offer)."""
    return actor.role in PERMISSIONS.get(action, frozenset())


# What each role is for, reviewed role by role against the table above (least privilege):
# printed beside it in docs/architecture.md.
ROLE_DUTIES: dict[Role, str] = {
    R.REVIEWER: "Works the wash queue: reads a person's HR record beside their candidate "
    "national records, marks each record, decides and countersigns others' decisions.",
    R.SUPERVISOR: "Runs washes, sets deadlines, assigns and reopens reviews, reads the audit "
    "log and the register; decides and countersigns like a reviewer.",
    R.PSD_INVESTIGATOR: "Keeps the misconduct register (import, stages, outcomes, closing); "
    "no access to the wash queue.",
    R.FOI_OFFICER: "Answers FOI requests from statistics (counts only, after disclosure "
    "control) and keeps requesters' details; never reads a person's case or review.",
    R.ANALYST: "Runs statistics and counts; never reads a person's case or review.",
    R.ADMINISTRATOR: "Manages users and safeguards, runs washes on a fresh install, reads the "
    "audit log; does not review, decide or read the register.",
}
