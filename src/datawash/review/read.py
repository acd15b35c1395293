"""What the review services return: pydantic read models, never ORM objects, so the CLI
and the web pages render the same facts and cannot trip over lazy relations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from datawash.vocabulary import Category, WorkforceRole


class DecisionRead(BaseModel):
    id: int
    kind: str  # decision | reopen | rewash
    from_state: str
    to_state: str
    referral: str | None
    reason: str
    decided_by: str
    decided_at: datetime
    status: str  # pending | effective | rejected | withdrawn
    countersigned_by: str | None
    countersigned_at: datetime | None
    countersign_reason: str | None
    dual_control: bool
    marks: list[dict[str, Any]] = Field(default_factory=list)
    allegations: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def without_second_person(self) -> bool:
        """Took effect with nobody countersigning (dual control was switched off)."""
        return self.kind != "rewash" and not self.dual_control


class EventRead(BaseModel):
    event_id: str
    record_id: str
    event_date: str | None
    event_type: str
    role: str
    offence_code: str | None
    offence_description: str | None
    categories: list[str]
    role_kind: str
    triage_basis: str


class RecordRead(BaseModel):
    record_id: str
    forenames: str | None
    surname: str | None
    aliases: str | None
    date_of_birth: str | None
    gender: str | None
    address: str | None
    postcode: str | None
    extra: dict[str, Any] = Field(default_factory=dict)


class CandidateRead(BaseModel):
    record_id: str
    status: str  # new | active | changed | disappeared
    band: str
    match_probability: float
    explanation: list[dict[str, Any]]
    identity: str
    identity_reason: str | None
    record: RecordRead | None
    events: list[EventRead]


# HR columns the formats promise beyond the required ones, shown to reviewers.
HR_COLUMNS = ("collar_number", "rank_or_grade", "department", "vetting_level", "vetting_expiry")


class PersonRead(BaseModel):
    person_id: str
    role: str
    forenames: str
    surname: str
    previous_surnames: str | None
    date_of_birth: str | None
    gender: str | None
    address: str | None
    postcode: str | None
    hr: dict[str, str] = Field(default_factory=dict)  # collar number, department, vetting …


class CaseLink(BaseModel):
    case_id: str
    recorded_on: date
    live: bool
    source: str
    categories: list[str]


class ItemRead(BaseModel):
    person_id: str
    state: str
    version: int
    priority: int
    priority_reason: str | None
    assigned_to: str | None
    opened_at: datetime
    updated_at: datetime
    last_run_id: int
    reopened_count: int
    person: PersonRead | None
    candidates: list[CandidateRead]
    decisions: list[DecisionRead]
    pending: DecisionRead | None
    last_rejection: DecisionRead | None
    cases: list[CaseLink]
    # Events of the records marked this person: what a referral may turn into allegations.
    referral_options: list[EventRead]
    # Blind first look: scores, bands and the "why" are withheld until identity is marked.
    blind: bool = False
    due_on: date | None


class QueueRow(BaseModel):
    person_id: str
    name: str
    role: str | None
    state: str
    priority: int
    priority_reason: str | None
    candidates: int
    best_probability: float
    assigned_to: str | None
    categories: list[str]
    last_run_id: int
    due_on: date | None
    pending_decision: str | None  # the decision awaiting countersignature
    pending_by: str | None
    pending_at: datetime | None
    pending_reason: str | None
    rejected_reason: str | None  # the last decision was rejected: why
    rejected_by: str | None
    without_second_person: bool  # some decision took effect with no countersignature
    updated_at: datetime


class QueueFilter(BaseModel):
    """What a reviewer or supervisor narrows the queue to. Decided items are left out
    unless a state is asked for or ``include_done`` is set."""

    states: list[str] = Field(default_factory=list)
    awaiting_countersignature: bool = False
    awaiting_my_countersignature: bool = False
    returned_to_me: bool = False  # my decisions that were rejected
    assigned_to: str | None = None
    unassigned: bool = False
    max_priority: int | None = None
    category: Category | None = None
    role: WorkforceRole | None = None
    run_id: int | None = None
    due_on_or_before: date | None = None
    search: str | None = None  # person id, or part of a name
    include_done: bool = False
    sort: str = "priority"  # priority | probability | person | updated | name
    page: int = 1
    per_page: int = 50


class QueuePage(BaseModel):
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int
    pages: int
    by_state: dict[str, int]
    awaiting_countersignature: int
    # The queue is in learning order (the safeguard learning_reviews): least certain first.
    learning_order: bool = False
