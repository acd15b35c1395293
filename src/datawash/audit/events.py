"""Every kind of audit event, once, with what it records: services name one of these,
never a free-form string, and docs/architecture.md lists them from here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    action: str
    entity_type: str
    description: str

    def __str__(self) -> str:
        return self.action


CATALOGUE: dict[str, EventType] = {}


def _event(action: str, entity_type: str, description: str) -> EventType:
    event = EventType(action, entity_type, description)
    if action in CATALOGUE:  # pragma: no cover - a programming error caught at import
        raise ValueError(f"audit event {action} defined twice")
    CATALOGUE[action] = event
    return event


# users and sign-in
USER_ADDED = _event("users.add", "user", "An administrator added a user (or the first one).")
USER_PASSWORD_SET = _event("users.password_set", "user", "A user's password was set.")
USER_DEACTIVATED = _event("users.deactivated", "user", "A user can no longer act.")
USER_ROLE_CHANGED = _event("users.role_changed", "user", "A user's role was changed.")
SIGN_IN_FAILED = _event(
    "auth.failed", "user", "Someone tried to act as a user with a wrong or no password."
)
SIGNED_IN = _event("auth.signed_in", "user", "A user signed in to the web application.")
USER_OIDC_BOUND = _event(
    "auth.oidc_bound", "user", "A user was bound to their identity provider account."
)
SIGNED_OUT = _event(
    "auth.signed_out", "user", "A web session ended (signed out, idle, expired or revoked)."
)
SAFEGUARD_CHANGED = _event(
    "safeguards.changed", "safeguard", "An administrator changed a safeguard (reason kept)."
)
# wash and review
WASH_RUN = _event("wash.run", "wash_run", "A wash finished and its candidates were saved.")
WASH_RESCORED = _event(
    "wash.rescored", "wash_run", "A run's pending pairs were re-scored from reviewers' marks."
)
REVIEW_OPENED = _event("review.opened", "review_item", "A wash opened a person's review.")
REVIEW_REWASHED = _event(
    "review.reopened", "review_item", "A later wash found new or changed candidate records."
)
REVIEW_VIEWED = _event(
    "review.viewed", "review_item", "A person's records were viewed (who, when, which person)."
)
REVIEW_DECIDED = _event(
    "review.decided", "review_item", "A reviewer decided (pending until countersigned)."
)
REVIEW_COUNTERSIGNED = _event(
    "review.countersigned", "review_item", "A second person countersigned a decision."
)
REVIEW_REJECTED = _event(
    "review.rejected", "review_item", "A second person rejected a decision, with a reason."
)
REVIEW_REOPEN_ASKED = _event(
    "review.reopen_asked", "review_item", "A supervisor asked to reopen a decided review."
)
REVIEW_ASSIGNED = _event("review.assigned", "review_item", "A supervisor assigned a review.")
REVIEW_DEADLINE_SET = _event("review.deadline_set", "wash_run", "A run's deadline was set.")
REVIEW_TARGET_SET = _event(
    "review.target_set",
    "wash_run",
    "A supervisor moved a run's operating point: the share of matched people to find.",
)
REVIEW_EXPORTED = _event(
    "review.exported", "review_queue", "The queue (names included) was exported to a file."
)
LABELS_EXPORTED = _event(
    "review.labels_exported", "review_queue", "Reviewers' marks were exported as labelled pairs."
)
# case register
CASE_IMPORTED = _event("cases.imported", "case", "A case was imported or updated by import.")
ALLEGATION_IMPORTED = _event(
    "cases.allegation_imported", "allegation", "An allegation was imported or updated."
)
STAGE_MOVED = _event("cases.stage_moved", "allegation", "An allegation moved stage.")
OUTCOME_RECORDED = _event("cases.outcome_recorded", "allegation", "An outcome was recorded.")
CASE_CLOSED = _event("cases.closed", "case", "A case was closed.")
CASE_OPENED_FROM_REFERRAL = _event(
    "cases.opened_from_referral", "case", "A countersigned wash referral opened a case."
)
# FOI
FOI_RECEIVED = _event("foi.received", "foi_request", "An FOI request was received.")
FOI_REQUESTER_VIEWED = _event(
    "foi.requester_viewed", "foi_request", "The requester's details were read."
)
FOI_QUESTION_EDITED = _event("foi.question_edited", "foi_request", "A question was edited.")
FOI_QUESTION_ADDED = _event("foi.question_added", "foi_request", "A question was added.")
FOI_QUESTION_REMOVED = _event("foi.question_removed", "foi_request", "A question was removed.")
FOI_ESTIMATED = _event("foi.estimated", "foi_request", "An s12 cost estimate was recorded.")
FOI_CLARIFICATION_REQUESTED = _event(
    "foi.clarification_requested", "foi_request", "Clarification was asked for (clock stops)."
)
FOI_FEE_REQUESTED = _event(
    "foi.fee_requested", "foi_request", "A fees notice was sent (clock pauses)."
)
FOI_CLARIFICATION_RECEIVED = _event(
    "foi.clarification_received", "foi_request", "Clarification arrived (clock restarts)."
)
FOI_FEE_RECEIVED = _event("foi.fee_received", "foi_request", "The fee was paid (clock resumes).")
FOI_ANSWERED = _event("foi.answered", "foi_request", "A question was answered.")
FOI_SENT = _event("foi.sent", "foi_request", "The response was sent.")
FOI_WITHDRAWN = _event("foi.withdrawn", "foi_request", "The request was withdrawn.")

FOI_CLOCK_STOPS = {
    "clarification": (FOI_CLARIFICATION_REQUESTED, FOI_CLARIFICATION_RECEIVED),
    "fee": (FOI_FEE_REQUESTED, FOI_FEE_RECEIVED),
}
