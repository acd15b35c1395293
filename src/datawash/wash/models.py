"""Tables of a wash run: its inputs, the people screened, candidate pairs and their evidence.

A run is immutable once completed. The review workflow keys its items on person_id and its
candidates on (person_id, record_id), so a later run can be reconciled with earlier
decisions; `fingerprint` says whether a record's content changed between runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from datawash.db import Base, UTCDateTime, utcnow


class WashRun(Base):
    __tablename__ = "wash_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    label: Mapped[str | None] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_json: Mapped[str | None] = mapped_column(Text)
    blocking_plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    n_people: Mapped[int] = mapped_column(Integer, default=0)
    n_records: Mapped[int] = mapped_column(Integer, default=0)
    n_events: Mapped[int] = mapped_column(Integer, default=0)
    n_comparisons: Mapped[int] = mapped_column(Integer, default=0)
    n_confirmed: Mapped[int] = mapped_column(Integer, default=0)
    n_review: Mapped[int] = mapped_column(Integer, default=0)
    n_people_with_candidates: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)
    # The audit chain's head when the run was recorded (audit/chain.py).
    audit_head: Mapped[str | None] = mapped_column(String(64))

    inputs: Mapped[list[WashInput]] = relationship(back_populates="run", cascade="all")


class WashInput(Base):
    """One input file of a run, with its checksum so a run can be reproduced or compared."""

    __tablename__ = "wash_inputs"
    __table_args__ = (UniqueConstraint("run_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # workforce | records | events
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    column_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    run: Mapped[WashRun] = relationship(back_populates="inputs")


class WashPerson(Base):
    """A workforce member as screened in one run (HR's values, for the reviewer to see)."""

    __tablename__ = "wash_people"
    __table_args__ = (UniqueConstraint("run_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    forenames: Mapped[str] = mapped_column(Text)
    surname: Mapped[str] = mapped_column(Text)
    previous_surnames: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(4))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WashRecord(Base):
    """A national record that is a candidate for at least one person in the run."""

    __tablename__ = "wash_records"
    __table_args__ = (UniqueConstraint("run_id", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id", ondelete="CASCADE"))
    record_id: Mapped[str] = mapped_column(String(64))
    forenames: Mapped[str | None] = mapped_column(Text)
    surname: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(4))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # sha256 of the record's fields and its events: equal fingerprints = nothing changed.
    fingerprint: Mapped[str] = mapped_column(String(64))


class WashEvent(Base):
    """An event linked to a candidate record (crime, intelligence, custody …)."""

    __tablename__ = "wash_events"
    __table_args__ = (
        UniqueConstraint("run_id", "event_id"),
        Index("ix_wash_events_run_record", "run_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(40))
    offence_code: Mapped[str | None] = mapped_column(String(20))
    offence_description: Mapped[str | None] = mapped_column(Text)
    domestic_abuse: Mapped[str | None] = mapped_column(String(1))
    event_date: Mapped[str | None] = mapped_column(String(10))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WashCandidate(Base):
    """A (person, record) pair scored above the review threshold, with its evidence."""

    __tablename__ = "wash_candidates"
    __table_args__ = (
        UniqueConstraint("run_id", "person_id", "record_id"),
        Index("ix_wash_candidates_run_person", "run_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("wash_runs.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(12))  # confirmed | review
    # [{"field": "date of birth", "level": "day and month swapped", "weight": 3.9}, ...]
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
