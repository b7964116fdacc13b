"""Demo leads: both directions, one conflict under each policy, an undecided registration on Anna's agenda,
and a won lead whose commission is still unpaid 40 days after the win. Idempotent (each lead is looked up
by partner and prospect before it is made)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.leads import policy, service
from lms.leads.service import Prospect
from lms.models import Lead, LeadIdentity, Partner, User

# (policy in force, partner key, domain, company, contact, value, currency, days ago, notes)
REGISTRATIONS = [
    ("first_claim", "goldcrest integrations", "northwind.example", "Northwind Traders Ltd", "Nora North", "42000", "GBP", 12,
     "Met their CIO at the London summit; evaluating in Q1."),
    ("first_claim", "brightpath solutions", "https://www.northwind.example/about", "Northwind Traders", "Ned West", "30000",
     "GBP", 3, "Inbound enquiry through our website."),
    ("higher_tier", "brightpath solutions", "contoso.example", "Contoso GmbH", "Carla Conte", "18000", "EUR", 9,
     "Small pilot first."),
    ("higher_tier", "summit platinum systems", "sales@contoso.example", "Contoso", "Chris Cole", "65000", "EUR", 2,
     "Global roll-out, 400 seats."),
    ("split", "goldcrest integrations", "fabrikam.example", "Fabrikam, Inc.", "Fay Brick", "2500000", "JPY", 8,
     "Tokyo office; needs a Japanese-speaking partner for delivery."),
    ("split", "summit platinum systems", "fabrikam.example", "Fabrikam Inc", "Kenji Sato", "2500000", "JPY", 7,
     "We run their Tokyo delivery."),
    ("first_claim", "brightpath solutions", "litware.example", "Litware S.A.", "Luis Ware", "9500", "EUR", 6,
     "Waiting for the manager's decision."),
]
WON_UNPAID = ("summit platinum systems", "tailspin.example", "Tailspin Toys B.V.", "48000", "EUR")
REFERRALS = [  # manager, partner key, domain, company, status to reach
    ("anna.berg@example.com", "goldcrest integrations", "woodgrove.example", "Woodgrove Bank", "offered"),
    ("marco.rossi@example.com", "summit platinum systems", "adventure-works.example", "Adventure Works Pty Ltd",
     "accepted"),
]


def _partner(db: Session, key: str) -> Partner | None:
    return db.scalar(select(Partner).where(Partner.name_key == key))


def _first_user(db: Session, partner: Partner) -> User | None:
    return db.scalar(select(User).where(User.partner_id == partner.id).order_by(User.id))


def _exists(db: Session, partner: Partner, domain: str) -> bool:
    from lms.leads.identity import registrable_domain

    key = f"d:{registrable_domain(domain)}"
    return db.scalar(select(Lead.id).join(LeadIdentity).where(Lead.partner_id == partner.id, LeadIdentity.key == key)) is not None


def load_lead_demo(db: Session) -> None:
    settings = policy.get_settings(db)
    in_force = settings.policy
    now = utcnow()
    try:
        for rule, key, domain, company, contact, value, currency, days, notes in REGISTRATIONS:
            partner = _partner(db, key)
            user = partner and _first_user(db, partner)
            if user is None or _exists(db, partner, domain):
                continue
            settings.policy = rule  # one conflict under each policy
            service.register_lead(db, user, Prospect(
                company_name=company, domain_text=domain, contact_name=contact, estimated_value=Decimal(value),
                currency=currency, notes=notes), now - timedelta(days=days))
    finally:
        settings.policy = in_force
    _won_unpaid(db, now)
    for manager_email, key, domain, company, status in REFERRALS:
        partner = _partner(db, key)
        manager = db.scalar(select(User).where(User.email == manager_email))
        if partner is None or manager is None or _exists(db, partner, domain):
            continue
        lead = service.refer_lead(db, manager, partner, Prospect(company_name=company, domain_text=domain,
                                                                  contact_name="Pat Prospect"), now - timedelta(days=4))
        if status == "accepted":
            service.respond_to_referral(db, _first_user(db, partner), lead, True, None, now - timedelta(days=3))
    db.flush()


def _won_unpaid(db: Session, now) -> None:
    key, domain, company, value, currency = WON_UNPAID
    partner = _partner(db, key)
    user = partner and _first_user(db, partner)
    if user is None or _exists(db, partner, domain):
        return
    manager = db.get(User, partner.manager_id)
    lead, _ = service.register_lead(db, user, Prospect(company_name=company, domain_text=domain, contact_name="Tess Tail",
                                                       estimated_value=Decimal(value), currency=currency),
                                    now - timedelta(days=75))
    service.decide_lead(db, manager, lead, True, None, now - timedelta(days=73))
    service.close_lead(db, manager, lead, True, Decimal(value), None, now - timedelta(days=40))
