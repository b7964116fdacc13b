"""Booking records of another organisation, for the authorization walk (tests/test_authorization.py)."""

from __future__ import annotations

from datetime import date, timedelta

from lms.db import utcnow
from lms.models import Availability, Booking, DayOff, GroupSession, SessionSeat


def foreign_values(db, other_partner, other_user) -> dict[str, object]:
    """A call, a group session, a seat and a day off that belong to organisation B and its manager."""
    manager_id = other_partner.manager_id
    start = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    db.add(Availability(manager_id=manager_id, timezone="Europe/Berlin", slot_minutes=30, feed_token="b-secret-feed"))
    booking = Booking(kind="kickoff", partner_id=other_partner.id, manager_id=manager_id, booked_by_id=other_user.id,
                      starts_at=start, ends_at=start + timedelta(minutes=30))
    session = GroupSession(manager_id=manager_id, title="Zebra Secret Session", starts_at=start + timedelta(days=1),
                           ends_at=start + timedelta(days=1, hours=1), capacity=5, seats_taken=1)
    db.add_all([booking, session])
    db.flush()
    seat = SessionSeat(session_id=session.id, partner_id=other_partner.id, booked_by_id=other_user.id)
    day_off = DayOff(manager_id=manager_id, first_day=date(2030, 1, 1), last_day=date(2030, 1, 2))
    db.add_all([seat, day_off])
    db.flush()
    return {"booking_id": booking.id, "session_id": session.id, "seat_id": seat.id, "day_off_id": day_off.id}
