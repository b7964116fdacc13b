"""Outgoing email: every message is written here first; `flask mail send` delivers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox"
    # A scheduled job names each message it sends; the key makes a second run a no-op.
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # [{"filename": ..., "content_type": "text/calendar; method=REQUEST", "content": "..."}]
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # After a failure the next try waits (exponential backoff); None: due now.
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    # Set when delivery stops for good (about a day of failures, or a message that cannot be built).
    given_up_at: Mapped[datetime | None] = mapped_column(index=True)
