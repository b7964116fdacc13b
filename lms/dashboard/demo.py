"""Demo partners for the dashboard: one gathering dust, one just invited. Idempotent (found by name)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.accounts import service as accounts
from lms.db import utcnow
from lms.models import AuditEvent, Partner, Tier, User
from lms.partners import service as partners

# name, domain, tier, manager email, joined days ago, user (email, name, zone), last sign-in days ago
DEMO_PARTNERS = [
    ("Dustbowl Traders", "dustbowl.example", "bronze", "anna.berg@example.com", 75,
     ("dusty@example.com", "Dan Dusty", "Europe/Madrid"), 48),
    ("Northwind Resellers", "northwind.example", "gold", "anna.berg@example.com", 6,
     ("northwind@example.com", "Nora Wind", "Europe/Oslo"), None),
]


def load_dashboard_demo(db: Session, admin: User, password: str) -> None:
    tiers = {tier.key: tier for tier in db.scalars(select(Tier))}
    now = utcnow()
    for name, domain, tier_key, manager_email, joined, (email, user_name, zone), signed_in in DEMO_PARTNERS:
        if db.scalar(select(Partner.id).where(Partner.name_key == partners.name_key(name))) is not None:
            continue
        manager = accounts.find_user_by_email(db, manager_email)
        partner = partners.create_partner(db, admin, name=name, tier=tiers[tier_key], manager=manager, web_domain=domain)
        user = accounts.create_user(db, None, email=email, password=password, name=user_name, role="partner",
                                    partner=partner, timezone=zone)
        joined_at = now - timedelta(days=joined)
        partner.created_at = user.created_at = user.activated_at = joined_at
        user.last_login_at = now - timedelta(days=signed_in) if signed_in is not None else None
        db.execute(update(AuditEvent).where(AuditEvent.partner_id == partner.id).values(occurred_at=joined_at))
        db.flush()
