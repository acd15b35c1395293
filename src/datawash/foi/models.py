"""FOI request register. The requester is kept in a table of its own, read only by the
FOI team and never joined into anything published (letters for the log, the log)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from datawash.db import Base, UTCDateTime, utcnow


class FoiRequest(Base):
    __tablename__ = "foi_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    received_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    request_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="open")
    due_on: Mapped[date | None] = mapped_column(Date)
    due_explanation: Mapped[str | None] = mapped_column(Text)
    # s12: estimated hours to locate, retrieve and extract (limit 18 h = £450 at £25/h).
    hours_estimate: Mapped[float | None] = mapped_column(Float)
    sent_on: Mapped[date | None] = mapped_column(Date)
    # The audit chain's head when the response was sent (audit/chain.py).
    sent_audit_head: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    questions: Mapped[list[FoiQuestion]] = relationship(
        back_populates="request", order_by="FoiQuestion.number", cascade="all, delete-orphan"
    )
    clock_stops: Mapped[list[FoiClockStop]] = relationship(
        back_populates="request", order_by="FoiClockStop.id", cascade="all, delete-orphan"
    )


class FoiRequester(Base):
    __tablename__ = "foi_requesters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(300))


class FoiQuestion(Base):
    __tablename__ = "foi_questions"
    __table_args__ = (UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("foi_requests.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    request: Mapped[FoiRequest] = relationship(back_populates="questions")
    answer: Mapped[FoiAnswer | None] = relationship(
        back_populates="question", uselist=False, cascade="all, delete-orphan"
    )


class FoiAnswer(Base):
    """One answer per question. ``blocks`` is the answer as it will be published, frozen
    when answered: statistic tables with their parameters and the disclosure decision,
    free text, and the neither-confirm-nor-deny statement."""

    __tablename__ = "foi_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("foi_questions.id", ondelete="CASCADE"), unique=True
    )
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    exemptions: Mapped[list[str]] = mapped_column(JSON, default=list)
    ncnd: Mapped[bool] = mapped_column(default=False)
    disclosure: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    answered_by: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[FoiQuestion] = relationship(back_populates="answer")


class FoiClockStop(Base):
    __tablename__ = "foi_clock_stops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("foi_requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # clarification | fee
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[FoiRequest] = relationship(back_populates="clock_stops")
