"""Lead lifecycle: register (partner to vendor), refer (vendor to partner), decide, close, renew, edit.

Rules as verb-noun functions that flush and never commit. Partner to vendor: registered -> accepted |
rejected -> won | lost (or expired). Vendor to partner: offered -> accepted | declined -> won | lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from lms import audit, events
from lms.access import can_see_partner
from lms.errors import DomainError
from lms.leads import policy
from lms.leads.commission import CURRENCIES, is_valid_amount
from lms.leads.history import add_event, set_status
from lms.leads.identity import identity_key, registrable_domain
from lms.mail import absolute_url, queue_message
from lms.models import Lead, Partner, User
from lms.models.lead import OPEN_STATUSES

EDITABLE = ("contact_name", "contact_email", "contact_phone", "estimated_value", "currency", "expected_close", "notes")


class LeadError(DomainError):
    field = None


class NotAllowed(LeadError):
    """The lead is not in a state (or not of a direction) that allows this."""


@dataclass(frozen=True)
class Prospect:
    """What a form says about the prospect and the deal."""

    company_name: str
    domain_text: str | None = None
    country: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    estimated_value: Decimal | None = None
    currency: str = "EUR"
    expected_close: date | None = None
    notes: str | None = None


# --- load-or-404 -------------------------------------------------------------------------------------

def can_see_lead(user: User, lead: Lead) -> bool:
    return can_see_partner(user, lead.partner)


def load_lead(db: Session, user: User, lead_id: int) -> Lead:
    """The lead, if `user` may see it (its partner's people, that partner's manager, admins); 404 otherwise."""
    lead = db.scalar(select(Lead).where(Lead.id == lead_id).options(joinedload(Lead.partner), joinedload(Lead.identity)))
    if lead is None or not can_see_lead(user, lead):
        abort(404)
    return lead


def lock_lead(db: Session, lead: Lead) -> Lead:
    """Re-read `lead` FOR UPDATE (PostgreSQL) so two managers' decisions queue instead of both applying."""
    db.refresh(lead, attribute_names=_COLUMNS, with_for_update=True)
    return lead


_COLUMNS = [column.key for column in Lead.__table__.columns]


def partner_of(db: Session, lead: Lead) -> Partner:
    """The lead's partner (from the identity map when already loaded, with its tier)."""
    return db.get(Partner, lead.partner_id)


# --- registering and referring -----------------------------------------------------------------------

def _check_prospect(prospect: Prospect) -> tuple[str | None, str]:
    if prospect.currency not in CURRENCIES:
        raise LeadError("Choose a currency from the list.", "currency")
    if prospect.estimated_value is not None and not is_valid_amount(prospect.estimated_value, prospect.currency):
        raise LeadError(f"Enter an amount in {prospect.currency} with at most the currency's decimals.",
                        "estimated_value")
    domain = None
    if prospect.domain_text:
        domain = registrable_domain(prospect.domain_text)
        if domain is None:
            raise LeadError("That is not a web domain we can use (e.g. example.com, a link or an email address).",
                            "domain")
    key = identity_key(domain=domain, company=prospect.company_name, country=prospect.country)
    if key is None:
        raise LeadError("Enter the company's name.", "company_name")
    return domain, key


def _new_lead(prospect: Prospect, domain: str | None, **values) -> Lead:
    return Lead(company_name=prospect.company_name, domain=domain, country=prospect.country or None,
                contact_name=prospect.contact_name, contact_email=prospect.contact_email,
                contact_phone=prospect.contact_phone, estimated_value=prospect.estimated_value,
                currency=prospect.currency, expected_close=prospect.expected_close, notes=prospect.notes, **values)


def open_registrations(db: Session, partner_id: int) -> int:
    return db.scalar(select(func.count(Lead.id)).where(
        Lead.partner_id == partner_id, Lead.direction == "in", Lead.status.in_(OPEN_STATUSES))) or 0


def register_lead(db: Session, actor: User, prospect: Prospect, now: datetime) -> tuple[Lead, policy.Claim]:
    """A partner user registers a prospect for their organisation; the conflict policy decides its claim."""
    domain, key = _check_prospect(prospect)
    settings = policy.get_settings(db)
    # The partner row lock makes the open-registration limit hold for two tabs submitting at once.
    partner = db.scalars(select(Partner).where(Partner.id == actor.partner_id).with_for_update(of=Partner)).one()
    if open_registrations(db, partner.id) >= settings.max_open:
        raise LeadError(f"Your organisation already has {settings.max_open} open registrations, the programme's "
                        "limit. Close or let one expire first.", None)
    identity = policy.lock_identity(db, key)
    lead = _new_lead(prospect, domain, direction="in", partner_id=partner.id, created_by_id=actor.id,
                     identity_id=identity.id, status="registered", registered_at=now,
                     expires_at=now + timedelta(days=settings.expiry_days))
    try:
        claim = policy.claim_prospect(db, lead, partner, settings, now)
    except IntegrityError:  # only without the lock (a bug): the index still keeps one holder
        raise LeadError("Someone registered this prospect at the same moment. Please try again.", "domain") from None
    add_event(db, lead, actor, "created", now, field="status", new="registered")
    if claim.outcome == "duplicate":
        add_event(db, lead, None, "status", now, field="status", old="registered", new="rejected",
                  note=lead.status_reason)
    audit.record(db, actor, "leads.register", lead, f"Lead registered: {lead.company_name} ({claim.outcome})",
                 partner_id=partner.id)
    events.lead_registered.send("leads", db=db, actor=actor, lead=lead, outcome=claim.outcome, now=now)
    return lead, claim


def refer_lead(db: Session, actor: User, partner: Partner, prospect: Prospect, now: datetime) -> Lead:
    """A manager hands a lead to one of their partners to work (vendor to partner)."""
    if not can_see_partner(actor, partner) or actor.is_partner:
        raise LeadError("Choose one of your partners.", "partner_id")
    domain, key = _check_prospect(prospect)
    identity = policy.lock_identity(db, key)
    lead = _new_lead(prospect, domain, direction="out", partner_id=partner.id, created_by_id=actor.id,
                     identity_id=identity.id, status="offered", registered_at=now)
    db.add(lead)
    db.flush()
    add_event(db, lead, actor, "created", now, field="status", new="offered")
    audit.record(db, actor, "leads.refer", lead, f"Lead referred to {partner.name}: {lead.company_name}",
                 partner_id=partner.id)
    _tell_partner(db, lead, partner, f"New lead for you: {lead.company_name}", "lead_offered")
    events.lead_registered.send("leads", db=db, actor=actor, lead=lead, outcome="offered", now=now)
    return lead


# --- deciding and closing ------------------------------------------------------------------------------

def _change_status(db: Session, actor: User, lead: Lead, status: str, now: datetime, reason: str | None = None,
                   kind: str = "status") -> None:
    old = set_status(db, lead, actor, status, now, note=reason, kind=kind)
    if status in ("rejected", "declined", "lost", "expired"):
        policy.release_claim(db, lead, actor, now)
        lead.status_reason = reason
    db.flush()
    audit.record(db, actor, f"leads.{status}", lead, f"Lead {lead.company_name}: {old} -> {status}",
                 partner_id=lead.partner_id, changes={"status": [old, status]})
    events.lead_status_changed.send("leads", db=db, actor=actor, lead=lead, from_status=old, to_status=status,
                                    reason=reason, now=now)


def decide_lead(db: Session, actor: User, lead: Lead, accept: bool, reason: str | None, now: datetime) -> None:
    """The manager accepts or rejects a partner's registration (a rejection says why)."""
    lock_lead(db, lead)
    if lead.direction != "in" or lead.status != "registered":
        raise NotAllowed(f"This lead is {lead.status_label.lower()}; only a registered lead can be decided.")
    if not accept and not (reason or "").strip():
        raise LeadError("Say why the registration is rejected; the partner sees it.", "reason")
    lead.decided_at = now
    _change_status(db, actor, lead, "accepted" if accept else "rejected", now, None if accept else reason.strip())
    _tell_partner(db, lead, partner_of(db, lead), f"Your lead {lead.company_name} was {lead.status}", "lead_decided")


def respond_to_referral(db: Session, actor: User, lead: Lead, accept: bool, reason: str | None, now: datetime) -> None:
    """The partner takes on (or declines) a lead the vendor referred to them."""
    lock_lead(db, lead)
    if lead.direction != "out" or lead.status != "offered":
        raise NotAllowed("Only a lead offered to your organisation can be accepted or declined.")
    lead.decided_at = now
    _change_status(db, actor, lead, "accepted" if accept else "declined", now,
                   None if accept else (reason or "").strip() or None)


def close_lead(db: Session, actor: User, lead: Lead, won: bool, actual_value: Decimal | None, reason: str | None,
               now: datetime) -> None:
    """Record how an accepted lead ended: won (with the actual value, which earns commission) or lost."""
    from lms.leads.payouts import start_payout

    lock_lead(db, lead)
    if lead.status != "accepted":
        raise NotAllowed("Only an accepted lead can be marked won or lost.")
    if won:
        if actual_value is None or not is_valid_amount(actual_value, lead.currency):
            raise LeadError(f"Enter the deal's actual value in {lead.currency}.", "actual_value")
        lead.actual_value = actual_value
        lead.closed_at = now
        _change_status(db, actor, lead, "won", now)
        add_event(db, lead, actor, "field", now, field="actual_value", new=actual_value)
        start_payout(db, actor, lead, now)
    else:
        lead.closed_at = now
        _change_status(db, actor, lead, "lost", now, (reason or "").strip() or None)


def renew_lead(db: Session, actor: User, lead: Lead, now: datetime) -> None:
    """The partner keeps an open registration for another period (at most the programme's renewals)."""
    settings = policy.get_settings(db)
    lock_lead(db, lead)
    if lead.direction != "in" or lead.status not in ("registered", "accepted") or lead.expires_at is None:
        raise NotAllowed("Only an open registration can be renewed.")
    if lead.renewals >= settings.max_renewals:
        raise NotAllowed(f"This registration was already renewed {lead.renewals} times, the programme's limit.")
    old = lead.expires_at
    lead.expires_at = max(old, now) + timedelta(days=settings.expiry_days)
    lead.renewals += 1
    add_event(db, lead, actor, "renewal", now, field="expires_at", old=old, new=lead.expires_at,
              note=f"Renewal {lead.renewals} of {settings.max_renewals}")
    db.flush()


def edit_lead(db: Session, actor: User, lead: Lead, now: datetime, **values) -> int:
    """Change the deal's details (not the prospect's identity); one history row per changed field."""
    lock_lead(db, lead)
    if not lead.is_open:
        raise NotAllowed("A closed lead can no longer be edited.")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    currency = values.get("currency", lead.currency)
    if currency not in CURRENCIES:
        raise LeadError("Choose a currency from the list.", "currency")
    value = values.get("estimated_value", lead.estimated_value)
    if value is not None and not is_valid_amount(value, currency):
        raise LeadError(f"Enter an amount in {currency} with at most the currency's decimals.", "estimated_value")
    changed = 0
    for name, new in values.items():
        old = getattr(lead, name)
        if old != new:
            add_event(db, lead, actor, "field", now, field=name, old=old, new=new)
            setattr(lead, name, new)
            changed += 1
    db.flush()
    return changed


def override_conflict(db: Session, actor: User, lead: Lead, reason: str, now: datetime) -> list[Lead]:
    """A manager gives the prospect to `lead` against the policy's outcome, with a reason in both histories."""
    if not (reason or "").strip():
        raise LeadError("Write why you override the policy; it goes into both leads' histories.", "reason")
    if lead.direction != "in" or lead.status in ("won", "lost", "expired"):
        raise NotAllowed("Only an open or rejected registration can be given the prospect.")
    settings = policy.get_settings(db)
    others = policy.override_claim(db, actor, lead, reason.strip(), now, timedelta(days=settings.expiry_days))
    audit.record(db, actor, "leads.override", lead, f"Conflict on {lead.company_name} overridden: {reason.strip()}",
                 partner_id=lead.partner_id)
    for other in others:
        events.lead_status_changed.send("leads", db=db, actor=actor, lead=other, from_status=None,
                                        to_status=other.status, reason=reason, now=now)
    return others


# --- mail ---------------------------------------------------------------------------------------------

def _tell_partner(db: Session, lead: Lead, partner: Partner, subject: str, template: str, key: str | None = None,
                  **context) -> int:
    """Mail the partner's active people about their own lead (never about anyone else's)."""
    people = db.scalars(select(User).where(User.partner_id == partner.id, User.active.is_(True),
                                           User.password_hash.is_not(None)).order_by(User.id))
    sent = 0
    for user in people:
        message = queue_message(db, user.email, subject, template,
                                dedupe_key=f"{key}:user:{user.id}" if key else None, lead=lead, person=user,
                                link=absolute_url("leads.detail", lead_id=lead.id), **context)
        sent += message is not None
    return sent
