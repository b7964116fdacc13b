"""Demo data for `make run`: an admin, two managers, and a partner at each tier. Idempotent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import service as accounts
from lms.bookings.demo import load_booking_demo
from lms.checkins.demo import book_demo_checkin_call, load_checkin_demo
from lms.courses.demo import load_course_demo
from lms.leads.demo import load_lead_demo
from lms.models import Partner, Tier, User
from lms.partners import service as partners
from lms.surveys.demo import load_survey_demo

DEMO_PASSWORD = "portal-demo-2026"

MANAGERS = [
    ("anna.berg@example.com", "Anna Berg", "Europe/London", "+44 20 7946 0018"),
    ("marco.rossi@example.com", "Marco Rossi", "Europe/Berlin", "+49 30 901820"),
]
PARTNERS = [
    # name, domain, tier key, manager email, first user (email, name, zone)
    ("Brightpath Solutions", "brightpath.example", "bronze", "anna.berg@example.com",
     ("bronze@example.com", "Priya Shah", "Asia/Kolkata")),
    ("Goldcrest Integrations", "goldcrest.example", "gold", "anna.berg@example.com",
     ("gold@example.com", "Liam O'Connor", "Europe/Dublin")),
    ("Summit Platinum Systems", "summit-systems.example", "platinum", "marco.rossi@example.com",
     ("platinum@example.com", "Sofia Martins", "America/New_York")),
]


def _user(db: Session, email: str, **kwargs) -> User:
    user = accounts.find_user_by_email(db, email)
    if user is None:
        user = accounts.create_user(db, None, email=email, password=DEMO_PASSWORD, **kwargs)
    return user


def load_demo(db: Session) -> list[tuple[str, str, str]]:
    """Create what is missing; returns (role, email, where) for each demo sign-in."""
    people = []
    admin = _user(db, "admin@example.com", name="Ada Admin", role="admin", timezone="Europe/London")
    people.append(("admin", admin.email, "programme set-up"))
    managers = {}
    for email, name, zone, phone in MANAGERS:
        managers[email] = _user(db, email, name=name, role="manager", timezone=zone, phone=phone)
        people.append(("manager", email, f"manages partners, {zone}"))
    tiers = {tier.key: tier for tier in db.scalars(select(Tier))}
    for name, domain, tier_key, manager_email, (email, user_name, zone) in PARTNERS:
        partner = db.scalar(select(Partner).where(Partner.name_key == partners.name_key(name)))
        if partner is None:
            partner = partners.create_partner(
                db, admin, name=name, tier=tiers[tier_key], manager=managers[manager_email], web_domain=domain
            )
        _user(db, email, name=user_name, role="partner", partner=partner, timezone=zone)
        people.append(("partner", email, f"{name} ({tiers[tier_key].name})"))
    load_checkin_demo(db)  # before bookings: kickoffs held, check-ins planned
    load_booking_demo(db)
    book_demo_checkin_call(db)
    load_course_demo(db, admin, DEMO_PASSWORD)  # after `flask courses sync`; does nothing without courses
    load_survey_demo(db)
    load_lead_demo(db)
    return people
