"""Demo data for bookings: both demo managers publish availability; Anna runs group sessions. Idempotent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.bookings import service
from lms.bookings.slots import Window
from lms.db import utcnow
from lms.models import Booking, GroupSession, Partner, User

AVAILABILITY = {
    # manager email: (zone, slot minutes, buffer after, windows Mon-Fri, video link)
    "anna.berg@example.com": ("Europe/London", 30, 10, [(9 * 60, 12 * 60), (14 * 60, 17 * 60)],
                              "https://meet.example.com/anna-berg"),
    "marco.rossi@example.com": ("Europe/Berlin", 45, 15, [(8 * 60 + 30, 11 * 60 + 30), (13 * 60, 16 * 60)],
                                "https://meet.example.com/marco-rossi"),
}


def _next_weekday_at(zone: str, days_ahead: int, hour: int) -> datetime:
    tz = ZoneInfo(zone)
    day = (utcnow().astimezone(tz) + timedelta(days=days_ahead)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tz).astimezone(ZoneInfo("UTC"))


def load_booking_demo(db: Session) -> None:
    managers = {u.email: u for u in db.scalars(select(User).where(User.email.in_(list(AVAILABILITY))))}
    for email, (zone, minutes, after, windows, link) in AVAILABILITY.items():
        manager = managers.get(email)
        if manager is None or service.get_availability(db, manager.id) is not None:
            continue
        service.save_availability(
            db, manager, manager, timezone=zone, slot_minutes=minutes, buffer_before_minutes=0,
            buffer_after_minutes=after, min_notice_hours=24, horizon_days=45, meeting_url=link,
            windows=[Window(day, start, end) for day in range(5) for start, end in windows],
        )
        service.add_day_off(db, manager, manager, (utcnow() + timedelta(days=20)).date(),
                            (utcnow() + timedelta(days=22)).date(), "Partner summit")
    anna = managers.get("anna.berg@example.com")
    if anna is not None and not db.scalar(select(GroupSession.id).where(GroupSession.manager_id == anna.id)):
        for days, title in ((6, "Bronze onboarding: getting started"), (13, "Bronze onboarding: getting started")):
            service.create_group_session(
                db, anna, anna, starts_at=_next_weekday_at("Europe/London", days, 15), minutes=60, capacity=12,
                title=title, meeting_url="https://meet.example.com/bronze-onboarding",
            )
    # Summit (Platinum) already booked its kickoff with Marco, so his agenda is not empty.
    summit = db.scalar(select(Partner).where(Partner.name_key == "summit platinum systems"))
    sofia = db.scalar(select(User).where(User.email == "platinum@example.com"))
    if summit is not None and sofia is not None and not db.scalar(
        select(Booking.id).where(Booking.partner_id == summit.id)
    ):
        slots = service.free_slots(db, summit.manager_id)
        if len(slots) > 12:
            service.book_call(db, sofia, summit, slots[12].starts_at)
