"""The check-in rhythm after the kickoff: a partner's plan, its check-ins, agreed next steps, holidays."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.booking import Booking
    from lms.models.partner import Partner
    from lms.models.user import User

CHECKIN_KINDS = {"checkin": "Check-in", "qbr": "Quarterly business review", "adhoc": "Ad hoc check-in",
                 "review": "Partnership plan review"}
CHECKIN_STATUSES = ("planned", "held", "skipped")
STEP_OWNERS = {"us": "Us (vendor)", "partner": "Partner"}


class CheckinPlan(Base):
    """One row per partner whose rhythm has started: the anchor every due date is counted from."""

    __tablename__ = "checkin_plans"
    __table_args__ = (UniqueConstraint("partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    anchor_on: Mapped[date] = mapped_column(Date)  # the day the kickoff was held, in the manager's zone
    kickoff_booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replanned_at: Mapped[datetime | None]


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        # Planning twice (or the nightly run after a kickoff) creates nothing twice.
        UniqueConstraint("partner_id", "kind", "due_on"),
        CheckConstraint("kind IN ('checkin', 'qbr', 'adhoc', 'review')", name="kind_known"),
        CheckConstraint("status IN ('planned', 'held', 'skipped')", name="status_known"),
        CheckConstraint("(status = 'held') = (held_on IS NOT NULL)", name="held_has_date"),
        CheckConstraint("status <> 'skipped' OR skip_reason IS NOT NULL", name="skip_has_reason"),
        CheckConstraint("pulse IS NULL OR pulse BETWEEN 1 AND 5", name="pulse_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    # Who runs it: the partner's manager while planned, handed over when the partner changes hands.
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="checkin")
    due_on: Mapped[date] = mapped_column(Date, index=True)  # a date in the manager's zone, not a time
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    # Booked as a call through the bookings capability (same slots, invites and guarantees).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    held_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    pulse: Mapped[int | None] = mapped_column(SmallInteger)  # satisfaction 1-5, optional
    skip_reason: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    booking: Mapped[Booking | None] = relationship()
    next_steps: Mapped[list[NextStep]] = relationship(
        back_populates="checkin", order_by="NextStep.id", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def kind_label(self) -> str:
        return CHECKIN_KINDS.get(self.kind, self.kind)

    @property
    def is_open(self) -> bool:
        return self.status == "planned"

    def __repr__(self) -> str:
        return f"<CheckIn {self.id} {self.kind} {self.due_on} {self.status}>"


class NextStep(Base):
    """A step agreed at a check-in; open ones are carried to the next check-in until done."""

    __tablename__ = "next_steps"
    __table_args__ = (
        CheckConstraint("owner IN ('us', 'partner')", name="owner_known"),
        CheckConstraint("(done_at IS NULL) = (done_by_id IS NULL)", name="done_has_who"),
        # Agreed at a check-in, or at a call without one (the kickoff): one list whichever call it was.
        CheckConstraint("checkin_id IS NOT NULL OR booking_id IS NOT NULL", name="step_has_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[CheckIn | None] = relationship(back_populates="next_steps")
    done_by: Mapped[User | None] = relationship()

    @property
    def owner_label(self) -> str:
        return STEP_OWNERS.get(self.owner, self.owner)


class PublicHoliday(Base):
    """A public holiday of a country (ISO 3166 code); a manager's country comes from their time zone."""

    __tablename__ = "public_holidays"
    __table_args__ = (
        UniqueConstraint("country", "day"),
        CheckConstraint("length(country) = 2 AND country = upper(country)", name="country_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
