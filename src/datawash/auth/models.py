"""Users of datawash: their role, their password hash (argon2id) and whether they may act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from datawash.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # argon2id hash (argon2-cffi's encoded form, parameters included); None = no password
    # yet, and a user without one cannot act.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Refused attempts since the last success, and when the last was: after
    # LOCKOUT_AFTER of them the account waits LOCKOUT_MINUTES (auth.service).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The identity provider's account ("issuer|subject", stable and never reassigned)
    # this user is bound to, at their first sign-in through it (migration 0010): later
    # sign-ins must come from the same account, whatever the username claim says.
    oidc_subject: Mapped[str | None] = mapped_column(String(400), unique=True)


class WebSession(Base):
    """A web session, kept on the server so that it can be revoked: the cookie holds a
    random token, this table its SHA-256 (a copy of the table gives no session)."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # signed_out|idle|expired|revoked
    # When the user last proved it was them again at the identity provider (to countersign);
    # used once, then cleared (migration 0009).
    reauthenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
