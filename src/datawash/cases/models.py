"""Case register tables. A case is LIVE while closed_on is empty and COMPLETED once it is
set; an allegation is completed when it has an outcome. Counts of people are distinct
person_id: one case can have several subjects and one person can be in several cases."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from datawash.db import Base, UTCDateTime, utcnow


def import_digest(values: dict[str, Any]) -> str:
    """The digest of a row's fields as an import wrote them: a stored row whose fields no
    longer give its digest was changed in datawash since (an outcome recorded, a stage
    moved), and a later import must not overwrite that."""
    text = json.dumps(
        {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Case(Base):
    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    recorded_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str | None] = mapped_column(String(20))
    closed_on: Mapped[date | None] = mapped_column(Date)
    # The data-wash review item that referred it (review_items.id), if any.
    origin_review_item_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # import_digest() of the fields the last import wrote; None if the row was not
    # imported (opened from a data-wash referral).
    imported_digest: Mapped[str | None] = mapped_column(String(64))
    # Optimistic lock (two people updating one case at once: exactly one wins).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    subjects: Mapped[list[CaseSubject]] = relationship(
        back_populates="case", order_by="CaseSubject.id"
    )
    allegations: Mapped[list[Allegation]] = relationship(
        back_populates="case", order_by="Allegation.allegation_id"
    )

    @property
    def live(self) -> bool:
        return self.closed_on is None


class CaseSubject(Base):
    __tablename__ = "case_subjects"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    role_at_time: Mapped[str] = mapped_column(String(20))
    resigned_or_retired_under_investigation: Mapped[bool] = mapped_column(Boolean, default=False)
    barred_list_referred_on: Mapped[date | None] = mapped_column(Date)
    advisory_list_referred_on: Mapped[date | None] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="subjects")


class Allegation(Base):
    __tablename__ = "allegations"
    __table_args__ = (
        Index("ix_allegations_person", "person_id"),
        Index("ix_allegations_category", "category"),
        Index("ix_allegations_outcome_on", "outcome_on"),
    )

    allegation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(64))
    role_at_time: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    recorded_on: Mapped[date | None] = mapped_column(Date)
    severity_assessed_on: Mapped[date | None] = mapped_column(Date)
    investigation_started_on: Mapped[date | None] = mapped_column(Date)
    investigation_ended_on: Mapped[date | None] = mapped_column(Date)
    # Beyond the outcome (migration 0008, docs/formats.md).
    offence_code: Mapped[str | None] = mapped_column(String(20))
    criminal_proceedings: Mapped[str | None] = mapped_column(String(24))
    criminal_outcome_on: Mapped[date | None] = mapped_column(Date)
    charged_on: Mapped[date | None] = mapped_column(Date)  # migration 0011
    rank_at_time: Mapped[str | None] = mapped_column(String(24))  # migration 0011
    hearing_held_on: Mapped[date | None] = mapped_column(Date)
    appeal_on: Mapped[date | None] = mapped_column(Date)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    suspension_ended_on: Mapped[date | None] = mapped_column(Date)
    restricted_on: Mapped[date | None] = mapped_column(Date)
    restriction_ended_on: Mapped[date | None] = mapped_column(Date)
    left_force_on: Mapped[date | None] = mapped_column(Date)
    leaving_reason: Mapped[str | None] = mapped_column(String(12))
    # migration 0012: the subject's gender and ethnic group; the IOPC referral.
    gender: Mapped[str | None] = mapped_column(String(1))
    ethnicity: Mapped[str | None] = mapped_column(String(12))
    iopc_referred_on: Mapped[date | None] = mapped_column(Date)
    imported_digest: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    case: Mapped[Case] = relationship(back_populates="allegations")
