"""Which role may take which named action: the one table every service checks against.

A domain adds its actions here, in its own block, as "domain.verb".
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    PSD_INVESTIGATOR = "psd_investigator"
    FOI_OFFICER = "foi_officer"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"


R = Role
_REVIEW_STAFF = frozenset({R.REVIEWER, R.SUPERVISOR})
_PSD = frozenset({R.PSD_INVESTIGATOR, R.SUPERVISOR})
_READ_REGISTER = frozenset({R.PSD_INVESTIGATOR, R.SUPERVISOR, R.ANALYST, R.FOI_OFFICER})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # users
    "users.manage": frozenset({R.ADMINISTRATOR}),
    # wash
    "wash.run": frozenset({R.SUPERVISOR, R.ADMINISTRATOR}),
    "wash.view": _REVIEW_STAFF | {R.ANALYST, R.ADMINISTRATOR},
    # review workflow
    "review.view": _REVIEW_STAFF,
    "review.decide": _REVIEW_STAFF,
    "review.countersign": _REVIEW_STAFF,
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
