"""Factories for partnership plans (used by tests/plans, tests/workspace and the authorization walk)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.models import Partner, User
from lms.plans import service


def terms(**overrides) -> service.Terms:
    today = utcnow().date()
    values = dict(
        commission="10% of the first year's licence", discounts="20% off list", rules_of_engagement="Register first.",
        lead_division="Partner keeps the SMB segment.", conflict_policy="first_claim",
        communication_boundaries="No promises on the roadmap.",
        period_starts_on=today - timedelta(days=30), period_ends_on=today + timedelta(days=335),
        goals={"people_certified": 4, "checkins_held": 12},
    )
    values.update(overrides)
    return service.Terms(**values)


def partner_admin(db: Session, make, partner: Partner, **kwargs) -> User:
    user = make.user("partner", partner=partner, **kwargs)
    user.partner_admin = True
    db.flush()
    return user


def agreed_plan(db: Session, make, partner: Partner, **overrides):
    """A plan whose revision 1 both sides signed; returns (plan, revision, owner)."""
    owner = partner_admin(db, make, partner)
    manager = db.get(User, partner.manager_id)
    revision = service.revise_plan(db, manager, partner, terms(**overrides))
    service.sign_revision(db, owner, revision)
    service.sign_revision(db, manager, revision)
    return service.plan_of(db, partner.id), revision, owner
