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
_READ_REGISTER = frozenset({R.PSD_INVESTIGATOR, R.SUPERVISOR, R.ANALYST, R.FOI_OFFICER})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # users
    "users.manage": frozenset({R.ADMINISTRATOR}),
    "safeguards.change": frozenset({R.ADMINISTRATOR}),
    # wash
    "wash.run": frozenset({R.SUPERVISOR, R.ADMINISTRATOR}),
    "wash.view": _REVIEW_STAFF | {R.ANALYST, R.ADMINISTRATOR},
    # review workflow
    "review.view": _REVIEW_STAFF,
    "review.decide": _REVIEW_STAFF,
    "review.countersign": _REVIEW_STAFF,
    "review.reopen": frozenset({R.SUPERVISOR}),
    "review.export": _REVIEW_STAFF,
    "review.assign": frozenset({R.SUPERVISOR}),
    "review.set_deadline": frozenset({R.SUPERVISOR}),
    "review.progress": _REVIEW_STAFF | {R.ANALYST},
    # misconduct case register
    "cases.view": _READ_REGISTER,
    "cases.create": _PSD,
    "cases.update": _PSD,
    "cases.import": _PSD | {R.ADMINISTRATOR},
    # audit
    "audit.view": frozenset({R.SUPERVISOR, R.ADMINISTRATOR}),
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
