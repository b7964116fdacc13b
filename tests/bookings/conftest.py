"""Helpers for booking tests: a manager with published availability, partners at each tier."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.bookings import service
from lms.bookings.slots import Window
from lms.db import utcnow
from lms.models import Booking, GroupSession


class Bookings:
    def __init__(self, db, make):
        self.db = db
        self.make = make

    def publish(self, manager, *, zone="Europe/Berlin", slot_minutes=30, notice_hours=24, horizon_days=30,
                windows=None, buffer_before=0, buffer_after=0, meeting_url="https://meet.example.com/kickoff"):
        windows = windows or [Window(d, 9 * 60, 17 * 60) for d in range(7)]
        availability = service.save_availability(
            self.db, manager, manager, timezone=zone, slot_minutes=slot_minutes,
            buffer_before_minutes=buffer_before, buffer_after_minutes=buffer_after, min_notice_hours=notice_hours,
            horizon_days=horizon_days, meeting_url=meeting_url, windows=windows,
        )
        self.db.flush()
        return availability

    def past_call(self, partner, user, *, kind="kickoff", hours_ago=2):
        """A call that already happened (booked directly: no slot can be booked in the past)."""
        start = utcnow().replace(microsecond=0) - timedelta(hours=hours_ago)
        booking = Booking(kind=kind, status="booked", partner_id=partner.id, manager_id=partner.manager_id,
                          booked_by_id=user.id, starts_at=start, ends_at=start + timedelta(minutes=30))
        self.db.add(booking)
        self.db.flush()
        return booking

    def session(self, manager, *, days=5, capacity=3, title="Group onboarding"):
        start = (utcnow() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        return service.create_group_session(self.db, manager, manager, starts_at=start, minutes=60,
                                            capacity=capacity, title=title,
                                            meeting_url="https://meet.example.com/group")

    def past_session(self, manager, *, capacity=3):
        start = utcnow().replace(microsecond=0) - timedelta(hours=3)
        session = GroupSession(manager_id=manager.id, title="Past group session", starts_at=start,
                               ends_at=start + timedelta(hours=1), capacity=capacity, seats_taken=0)
        self.db.add(session)
        self.db.flush()
        return session


@pytest.fixture
def bookings(db, make) -> Bookings:
    return Bookings(db, make)


@pytest.fixture
def gold(make, bookings):
    """A Gold partner with one user, whose manager has published availability."""
    manager = make.manager(name="Anna Host", timezone="Europe/Berlin", phone="+49 30 1234")
    partner = make.partner("gold", manager=manager, name="Goldfinch Ltd")
    user = make.user("partner", partner=partner, name="Gina Gold", timezone="America/New_York")
    bookings.publish(manager)
    return partner, user, manager
