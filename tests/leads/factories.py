"""Lead factories: registrations through the real service, so the policy and history apply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from lms.db import utcnow
from lms.leads import policy, service
from lms.leads.service import Prospect
from lms.models import Lead, Partner, User


def set_policy(db, name: str, split: int = 50, **values) -> None:
    settings = policy.get_settings(db)
    settings.policy = name
    settings.split_sourcing_percent = split
    for key, value in values.items():
        setattr(settings, key, value)
    db.flush()


def register(db, user: User, domain: str | None = "example.com", *, company: str = "Example Ltd",
             now: datetime | None = None, **values) -> tuple[Lead, policy.Claim]:
    values.setdefault("contact_name", "Casey Contact")
    values.setdefault("estimated_value", Decimal("10000"))
    return service.register_lead(db, user, Prospect(company_name=company, domain_text=domain, **values), now or utcnow())


def won_lead(db, user: User, manager: User, value: str = "1000", *, domain: str = "won.example", now=None,
             currency: str = "EUR") -> Lead:
    now = now or utcnow()
    lead, _ = register(db, user, domain, now=now, currency=currency)
    service.decide_lead(db, manager, lead, True, None, now)
    service.close_lead(db, manager, lead, True, Decimal(value), None, now)
    return lead


def referral(db, manager: User, partner: Partner, domain: str = "referred.example") -> Lead:
    return service.refer_lead(db, manager, partner, Prospect(company_name="Referred Co", domain_text=domain), utcnow())


def foreign_values(db, other_partner: Partner, other_user: User) -> dict[str, object]:
    """For tests/test_authorization.py: a lead of organisation B."""
    lead, _ = register(db, other_user, "zebra-secret-prospect.example", company="Zebra Prospect")
    return {"lead_id": lead.id}
