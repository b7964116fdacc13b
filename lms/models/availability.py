"""A manager's published availability: weekly windows in their zone, slot rules, days off, feed secret."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.user import User

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class Availability(Base):
    """One row per manager: how their free time is cut into bookable slots."""

    __tablename__ = "availabilities"
    __table_args__ = (
        UniqueConstraint("manager_id"),
        UniqueConstraint("feed_token"),
        CheckConstraint("slot_minutes BETWEEN 15 AND 120", name="slot_length_range"),
        CheckConstraint("buffer_before_minutes BETWEEN 0 AND 240", name="buffer_before_range"),
        CheckConstraint("buffer_after_minutes BETWEEN 0 AND 240", name="buffer_after_range"),
        CheckConstraint("min_notice_hours BETWEEN 0 AND 720", name="notice_range"),
        CheckConstraint("horizon_days BETWEEN 1 AND 365", name="horizon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA zone the windows are written in
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=24)
    horizon_days: Mapped[int] = mapped_column(Integer, default=60)
    # How to join a 1:1 call (video link or dial-in), copied into each booking and its invite.
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    # Secret part of the manager's .ics feed URL; replacing it revokes every old subscription.
    feed_token: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    manager: Mapped[User] = relationship()
    windows: Mapped[list[AvailabilityWindow]] = relationship(
        primaryjoin="Availability.manager_id == foreign(AvailabilityWindow.manager_id)",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)",
        viewonly=True,
    )


class AvailabilityWindow(Base):
    """A weekly window, for example Tuesday 09:00-12:00 in the manager's zone (minutes after midnight)."""

    __tablename__ = "availability_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class DayOff(Base):
    """Dates (inclusive, in the manager's zone) when nothing can be booked."""

    __tablename__ = "days_off"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="range_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
