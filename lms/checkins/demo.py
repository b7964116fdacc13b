"""Demo data for check-ins: held kickoffs (so rhythms are planned), a held and an overdue check-in, a
booked check-in call, open steps, public holidays and support requests. Idempotent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.bookings import service as bookings
from lms.checkins import service
from lms.checkins.calendar import zone_of
from lms.db import utcnow
from lms.models import Booking, CheckIn, Partner, PublicHoliday, User

HOLIDAYS = {
    "GB": [("2026-12-25", "Christmas Day"), ("2026-12-28", "Boxing Day (substitute)"), ("2027-01-01", "New Year's Day"),
           ("2027-03-26", "Good Friday"), ("2027-03-29", "Easter Monday"), ("2027-05-03", "Early May bank holiday"),
           ("2027-05-31", "Spring bank holiday"), ("2027-08-30", "Summer bank holiday"),
           ("2027-12-27", "Christmas Day (substitute)"), ("2027-12-28", "Boxing Day (substitute)")],
    "DE": [("2026-12-25", "1. Weihnachtstag"), ("2026-12-26", "2. Weihnachtstag"), ("2027-01-01", "Neujahr"),
           ("2027-03-26", "Karfreitag"), ("2027-03-29", "Ostermontag"), ("2027-05-01", "Tag der Arbeit"),
           ("2027-05-06", "Christi Himmelfahrt"), ("2027-05-17", "Pfingstmontag"),
           ("2027-10-03", "Tag der Deutschen Einheit"), ("2027-12-25", "1. Weihnachtstag"),
           ("2027-12-26", "2. Weihnachtstag")],
}

# partner name key, days since the kickoff, what happened at the first check-in
KICKOFFS = [
    ("goldcrest integrations", 75, "Reviewed the first month: two reps certified, pipeline of three deals.", 4,
     [("us", "Send the co-marketing kit", 7), ("partner", "Register the Northwind deal", 14)]),
    ("summit platinum systems", 40, "Exec sponsor joined; agreed targets for the quarter.", 5,
     [("partner", "Nominate a second technical contact", 10)]),
]


def _weekday_at(zone: ZoneInfo, day: date, hour: int) -> datetime:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime.combine(day, time(hour), zone).astimezone(ZoneInfo("UTC"))


def load_checkin_demo(db: Session) -> None:
    for country, days in HOLIDAYS.items():
        known = set(db.scalars(select(PublicHoliday.day).where(PublicHoliday.country == country)))
        for text, name in days:
            if date.fromisoformat(text) not in known:
                db.add(PublicHoliday(country=country, day=date.fromisoformat(text), name=name))
    db.flush()
    now = utcnow()
    for key, days_ago, notes, pulse, steps in KICKOFFS:
        partner = db.scalar(select(Partner).where(Partner.name_key == key).options(selectinload(Partner.users)))
        if partner is None or service.plan_of(db, partner.id) is not None or bookings.live_kickoff(db, partner.id):
            continue
        manager = partner.manager
        user = next((u for u in partner.users if u.active), None)
        zone = zone_of(manager)
        starts_at = _weekday_at(zone, (now - timedelta(days=days_ago)).astimezone(zone).date(), 10)
        kickoff = Booking(kind="kickoff", status="booked", partner_id=partner.id, manager_id=manager.id,
                          booked_by_id=user.id if user else None, starts_at=starts_at,
                          ends_at=starts_at + timedelta(minutes=45), meeting_url="https://meet.example.com/kickoff")
        db.add(kickoff)
        db.flush()
        # Recorded an hour after it started: the bookings hook plans the year from the kickoff day.
        bookings.record_outcome(db, manager, kickoff, "held", notes="Kickoff: goals, contacts, first courses.",
                                now=starts_at + timedelta(hours=1))
        first = db.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id).order_by(CheckIn.due_on).limit(1))
        if partner.tier.key == "gold":
            # Goldcrest: the first check-in was held; the second is overdue (Anna's agenda shows it).
            service.record_checkin(
                db, manager, first, held_on=first.due_on, notes=notes, pulse=pulse,
                steps=[service.StepInput(owner, text, first.due_on + timedelta(days=d)) for owner, text, d in steps],
                now=datetime.combine(first.due_on, time(17), zone),
            )
    _support_requests(db, now)


def book_demo_checkin_call(db: Session) -> None:
    """Summit's first check-in is overdue; its next one is booked as a call with Marco (needs his availability)."""
    partner = db.scalar(select(Partner).where(Partner.name_key == "summit platinum systems"))
    user = db.scalar(select(User).where(User.email == "platinum@example.com"))
    if partner is None or user is None or service.plan_of(db, partner.id) is None:
        return
    planned = list(db.scalars(select(CheckIn).where(CheckIn.partner_id == partner.id).order_by(CheckIn.due_on)))
    if len(planned) < 2 or any(c.booking_id for c in planned):
        return
    second, zone = planned[1], zone_of(partner.manager)
    slots = [s for s in bookings.free_slots(db, partner.manager_id)
             if s.starts_at.astimezone(zone).date() >= second.due_on - timedelta(days=2)]
    if slots:
        service.book_checkin_call(db, user, second, slots[0].starts_at)


def _support_requests(db: Session, now: datetime) -> None:
    requests = [
        ("gold@example.com", "demo-goldcrest-deal-registration", timedelta(hours=3), "Deal registration rejected",
         "Registering Northwind Traders fails with 'domain already claimed'. Can you check?"),
        ("platinum@example.com", "demo-summit-sso", timedelta(hours=3), "SSO for our support team",
         "We need SAML SSO enabled for 40 support agents before our go-live on Monday."),
        ("bronze@example.com", "demo-brightpath-invoice", timedelta(days=2), "Where do we send invoices?",
         "Which address should our finance team use for commission invoices?"),
    ]
    for email, key, ago, subject, body in requests:
        user = db.scalar(select(User).where(User.email == email))
        if user is not None and user.partner is not None:
            service.request_support(db, user, user.partner, subject=subject, body=body, request_key=key,
                                    now=now - ago)
