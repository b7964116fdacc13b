"""Support requests from partner users, with the response deadline their tier promises."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.partner import Partner
    from lms.models.user import User


class SupportRequest(Base):
    __tablename__ = "support_requests"
    __table_args__ = (
        # The form carries a one-time key: a double click or a resubmitted page records one request.
        UniqueConstraint("partner_id", "request_key"),
        CheckConstraint("(answered_at IS NULL) = (answered_by_id IS NULL)", name="answered_has_who"),
        CheckConstraint("due_at IS NULL OR due_at >= created_at", name="due_after_created"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    request_key: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The tier's promise at the time of asking (None: collective inbox, no deadline).
    sla_text: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answer_note: Mapped[str | None] = mapped_column(Text)

    partner: Mapped[Partner] = relationship()
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    def is_breached(self, now: datetime) -> bool:
        """Past its deadline without an answer, or answered after it."""
        if self.due_at is None:
            return False
        return (self.answered_at or now) > self.due_at
