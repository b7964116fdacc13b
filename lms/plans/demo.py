"""Demo partnership plans: idempotent (loading twice adds nothing twice)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.checkins.planning import add_months
from lms.db import utcnow
from lms.models import CheckIn, Partner, User
from lms.plans import service

# The first user of each demo partner is its partner admin (plan owner).
PARTNER_ADMINS = ("bronze@example.com", "gold@example.com", "platinum@example.com")


def _terms(**overrides) -> service.Terms:
    today = utcnow().date()
    start = today.replace(day=1) - timedelta(days=60)
    values = dict(
        commission="10% of the first year's licence value on won referrals, paid 30 days after the customer pays.",
        discounts="20% off list price for resale.\nNo mark-up above list price.",
        rules_of_engagement="Register a lead before the first meeting.\nCall the vendor in for deals above EUR 50,000.",
        lead_division="Partner: companies under 250 employees in its region.\nVendor: named enterprise accounts.",
        conflict_policy="first_claim",
        communication_boundaries="Partners may quote list prices and published discounts.\n"
                                 "Only the vendor promises roadmap features or custom terms.",
        period_starts_on=start, period_ends_on=add_months(start, 12),
        goals={"people_certified": 3, "path_complete": 2, "checkins_held": 12, "leads_registered": 10},
    )
    values.update(overrides)
    return service.Terms(**values)


def load_plans_demo(db: Session) -> None:
    users = {u.email: u for u in db.scalars(select(User).where(User.email.in_(PARTNER_ADMINS)))}
    for user in users.values():
        user.partner_admin = True
    db.flush()
    partners = {p.id: p for p in db.scalars(select(Partner).where(Partner.id.in_([u.partner_id for u in users.values()])))}
    for email, user in users.items():
        partner = partners[user.partner_id]
        manager = db.get(User, partner.manager_id)
        if service.plan_of(db, partner.id) is None:
            first = service.revise_plan(db, manager, partner, _terms(), change_note="First version")
            service.sign_revision(db, user, first)
            service.sign_revision(db, manager, first)
            plan = service.plan_of(db, partner.id)
            if email == "gold@example.com":  # a change waiting for the partner's signature: shows the diff
                second = service.revise_plan(db, manager, partner, _terms(
                    commission="12% of the first year's licence value on won referrals, paid 30 days after the "
                               "customer pays.", conflict_policy="higher_tier",
                    goals={"people_certified": 4, "path_complete": 2, "checkins_held": 12, "leads_registered": 10},
                ), change_note="Commission up for Gold; higher tier wins conflicts")
                service.sign_revision(db, manager, second)
            if email == "bronze@example.com":  # a review date that passed: flagged on agenda and home
                plan.next_review_on = utcnow().date() - timedelta(days=5)
                db.execute(update(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.kind == "review",
                                                 CheckIn.status == "planned").values(due_on=plan.next_review_on))
