"""Calls between a partner and its manager (kickoff, check-in) and group onboarding sessions with seats.

The database keeps the promises: a manager has at most one live call starting at a given time, a
partner has at most one live kickoff, and a session's seat counter never passes its capacity.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.partner import Partner
    from lms.models.user import User

BOOKING_KINDS = ("kickoff", "checkin")
BOOKING_STATUSES = ("booked", "cancelled", "held", "no_show")
# A booking in one of these states still occupies its slot / counts as the partner's kickoff.
LIVE_STATUSES = ("booked", "held")
SESSION_STATUSES = ("scheduled", "cancelled")


def new_uid() -> str:
    return f"{uuid.uuid4()}@partner-portal"


class Booking(Base):
    """A 1:1 call of a partner with its manager."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("uid"),
        CheckConstraint("kind IN ('kickoff', 'checkin')", name="kind_known"),
        CheckConstraint("status IN ('booked', 'cancelled', 'held', 'no_show')", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_positive"),
        # Never two live calls of one manager at the same start (the double-booking guard).
        Index(
            "uq_bookings_manager_start_live", "manager_id", "starts_at", unique=True,
            sqlite_where=text("status IN ('booked', 'held')"),
            postgresql_where=text("status IN ('booked', 'held')"),
        ),
        # One live kickoff per partner organisation (a no-show or cancellation frees it).
        Index(
            "uq_bookings_partner_kickoff_live", "partner_id", unique=True,
            sqlite_where=text("kind = 'kickoff' AND status IN ('booked', 'held')"),
            postgresql_where=text("kind = 'kickoff' AND status IN ('booked', 'held')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    # iCalendar identity: the UID never changes; SEQUENCE goes up with every reschedule and the cancel.
    uid: Mapped[str] = mapped_column(String(100), default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None]
    outcome_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship()
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.kind} {self.status} {self.starts_at}>"


class GroupSession(Base):
    """A group onboarding session run by a manager for partners of group-onboarding tiers."""

    __tablename__ = "group_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity BETWEEN 1 AND 500", name="capacity_range"),
        # The seat counter is moved only by conditional UPDATEs; this makes overfilling impossible.
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    manager: Mapped[User] = relationship()
    seats: Mapped[list[SessionSeat]] = relationship(back_populates="session", order_by="SessionSeat.id", lazy="raise")

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)


class SessionSeat(Base):
    """A partner's place in a group session; each seat has its own calendar invite."""

    __tablename__ = "session_seats"
    __table_args__ = (
        UniqueConstraint("uid"),
        CheckConstraint("status IN ('booked', 'cancelled', 'held', 'no_show')", name="status_known"),
        # One live group onboarding per partner organisation, across sessions.
        Index(
            "uq_session_seats_partner_live", "partner_id", unique=True,
            sqlite_where=text("status IN ('booked', 'held')"),
            postgresql_where=text("status IN ('booked', 'held')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    uid: Mapped[str] = mapped_column(String(100), default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    outcome_at: Mapped[datetime | None]

    session: Mapped[GroupSession] = relationship(back_populates="seats")
    partner: Mapped[Partner] = relationship()
    booked_by: Mapped[User | None] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES
