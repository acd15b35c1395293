"""Review tables: one item per workforce person, its candidates across washes, its
decisions (history, never overwritten) and a deadline per wash run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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

    candidates: Mapped[list[ReviewCandidate]] = relationship(
        back_populates="item", order_by="ReviewCandidate.id"
    )
    decisions: Mapped[list[ReviewDecision]] = relationship(
        back_populates="item", order_by="ReviewDecision.id"
    )


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

    item: Mapped[ReviewItem] = relationship(back_populates="candidates")


class ReviewDecision(Base):
    """One decision on an item: who, when, why; pending until countersigned if needed."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    referral: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12))  # pending | effective | rejected
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
