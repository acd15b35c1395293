"""Review tables: one item per workforce person, its candidates across washes, its
decisions (history, never overwritten) and a deadline per wash run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from datawash.db import Base, UTCDateTime, utcnow


class ReviewItem(Base):
    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(32), default="new")
    priority: Mapped[int] = mapped_column(Integer, default=9)
    priority_reason: Mapped[str | None] = mapped_column(Text)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id"))
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    # Filled at each wash from the person and the triage of their candidates' events, so
    # the queue filters without reading every event: the person's workforce role and the
    # categories (sorted, comma-separated) and parts (integrity, welfare) of their events.
    person_role: Mapped[str | None] = mapped_column(String(20))
    categories: Mapped[str] = mapped_column(Text, default="")
    role_kinds: Mapped[str] = mapped_column(String(40), default="")
    # Optimistic lock: every change bumps it, and a change made on a stale copy fails
    # (two people acting at the same moment: exactly one wins).
    version: Mapped[int] = mapped_column(Integer, default=1)

    candidates: Mapped[list[ReviewCandidate]] = relationship(
        back_populates="item", order_by="ReviewCandidate.id"
    )
    decisions: Mapped[list[ReviewDecision]] = relationship(
        back_populates="item", order_by="ReviewDecision.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReviewCandidate(Base):
    """A national record proposed for the person; kept (status disappeared) when a later
    wash no longer proposes it."""

    __tablename__ = "review_candidates"
    __table_args__ = (UniqueConstraint("item_id", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"))
    record_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="new")  # new|active|changed|disappeared
    first_seen_run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id"))
    last_seen_run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    match_probability: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(12))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The reviewers' effective answer to "is this record our person?" (a label for the
    # wash), set when the decision that carried it takes effect; reset to unmarked when
    # the record's content changes in a later wash.
    identity: Mapped[str] = mapped_column(String(20), default="unmarked")
    identity_reason: Mapped[str | None] = mapped_column(Text)
    identity_decision_id: Mapped[int | None] = mapped_column(Integer)

    item: Mapped[ReviewItem] = relationship(back_populates="candidates")


class ReviewDecision(Base):
    """One change of an item's state: who, when, why; pending until a different person
    countersigns (dual control). ``kind`` is ``decision`` (a reviewer's), ``reopen`` (a
    supervisor's, countersigned too) or ``rewash`` (a later wash found new or changed
    candidates): the item's whole history, read from here and never from the audit log."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    referral: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(12), default="decision")
    status: Mapped[str] = mapped_column(String(12))  # pending|effective|rejected|withdrawn
    # False when dual control was switched off (by an administrator) as it was made: such
    # a decision is marked wherever it is shown or counted.
    dual_control: Mapped[bool] = mapped_column(Boolean, default=True)
    # Per-record identity marks it carries: [{"record_id", "identity", "reason"}].
    marks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # With a referral: the events chosen to become allegations
    # [{"event_id", "record_id", "category", "role_at_time"}].
    allegations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    countersigned_by: Mapped[str | None] = mapped_column(String(64))
    countersigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    countersign_reason: Mapped[str | None] = mapped_column(Text)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[ReviewItem] = relationship(back_populates="decisions")


class ReviewDeadline(Base):
    __tablename__ = "review_deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id"), unique=True)
    due_on: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
