"""Partner admins: invite and deactivate colleagues of their own organisation (managers name the admins)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import audit
from lms.access import can_see_partner
from lms.accounts import service as accounts
from lms.errors import DomainError
from lms.models import Partner, User


class TeamError(DomainError):
    field = "email"


def may_manage_team(actor: User, partner: Partner) -> bool:
    """A partner admin of this very organisation, its manager, or an admin."""
    if actor.is_partner:
        return actor.partner_admin and actor.partner_id == partner.id and actor.active
    return can_see_partner(actor, partner)


def _check(actor: User, partner: Partner) -> None:
    if not may_manage_team(actor, partner):
        raise TeamError("Only a partner admin of this organisation can do that.", field=None)


def load_colleague(db: Session, actor: User, user_id: int) -> User:
    """The load-or-404 helper for people in a team: a partner user the actor's side may see."""
    user = db.get(User, user_id)
    if user is None or not user.is_partner or not can_see_partner(actor, db.get(Partner, user.partner_id)):
        abort(404)
    return user


def team_members(partner_id: int):
    """The statement listing a partner's people (paginate it)."""
    return select(User).where(User.partner_id == partner_id).order_by(User.active.desc(), User.name, User.id)


def invite_colleague(db: Session, actor: User, partner: Partner, *, email: str, name: str) -> User:
    _check(actor, partner)
    try:
        return accounts.invite_user(db, actor, email=email, name=name, role="partner", partner=partner)
    except accounts.EmailTaken:
        raise TeamError("Someone already has an account with this email.") from None


def set_colleague_active(db: Session, actor: User, user: User, active: bool) -> None:
    partner = db.get(Partner, user.partner_id)
    _check(actor, partner)
    if user.partner_id != partner.id or not user.is_partner:
        raise TeamError("That person is not in this organisation.", field=None)
    try:
        accounts.set_active(db, actor, user, active)
    except accounts.AccountError as error:
        raise TeamError(error.message, field=None) from None


def set_partner_admin(db: Session, actor: User, user: User, admin: bool) -> None:
    """Managers and admins name who are the partner's admins (plan owners)."""
    partner = db.get(Partner, user.partner_id)
    if actor.is_partner or not can_see_partner(actor, partner):
        raise TeamError("Only the partner's manager or an admin names partner admins.", field=None)
    if user.partner_admin == admin:
        return
    user.partner_admin = admin
    db.flush()
    audit.record(db, actor, "user.partner_admin", user,
                 f"{user.name} is {'now' if admin else 'no longer'} a partner admin of {partner.name}",
                 partner_id=partner.id)
