"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from datawash.audit.models import AuditChainHead, AuditEvent
from datawash.auth.models import User, WebSession
from datawash.cases.models import Allegation, Case, CaseSubject
from datawash.foi.models import FoiAnswer, FoiClockStop, FoiQuestion, FoiRequest, FoiRequester
from datawash.review.models import ReviewCandidate, ReviewDeadline, ReviewDecision, ReviewItem
from datawash.safeguards.models import SafeguardSetting
from datawash.wash.models import (
    WashCandidate,
    WashEvent,
    WashInput,
    WashPerson,
    WashRecord,
    WashRun,
)

__all__ = [
    "Allegation",
    "AuditChainHead",
    "AuditEvent",
    "Case",
    "CaseSubject",
    "FoiAnswer",
    "FoiClockStop",
    "FoiQuestion",
    "FoiRequest",
    "FoiRequester",
    "ReviewCandidate",
    "ReviewDeadline",
    "ReviewDecision",
    "ReviewItem",
    "SafeguardSetting",
    "User",
    "WashCandidate",
    "WashEvent",
    "WashInput",
    "WashPerson",
    "WashRecord",
    "WashRun",
    "WebSession",
]
