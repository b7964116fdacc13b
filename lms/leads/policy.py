"""The programme's rules and the conflict policy: who holds a prospect when two partners claim it.

A prospect (its `LeadIdentity` row) is locked while a claim is decided, so concurrent registrations
of one prospect queue up and each sees the claims committed before it; the partial unique index
`uq_leads_active_claim` (one holder, one split partner per prospect) makes the outcome true even if
a code path forgot the lock. What the losing partner is told never names the other claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from lms import audit
from lms.db import utcnow
from lms.errors import DomainError
from lms.leads.history import add_event, set_status
from lms.models import Lead, LeadIdentity, LeadSettings, Partner, User
from lms.models.lead import POLICIES


class SettingsError(DomainError):
    field = None


@dataclass(frozen=True)
class Claim:
    """What happened to a new registration: 'registered', 'duplicate', 'took_over' or 'split'."""

    outcome: str
    since: datetime | None = None  # when the prospect was first registered, for the duplicate message


def get_settings(db: Session) -> LeadSettings:
    settings = db.get(LeadSettings, 1)
    if settings is None:  # the migration seeds it; a hand-made database may not have it
        settings = LeadSettings(id=1)
        db.add(settings)
        db.flush()
    return settings


def update_settings(db: Session, actor: User, *, policy: str, split_sourcing_percent: int, expiry_days: int,
                    max_renewals: int, max_open: int, decision_business_days: int) -> LeadSettings:
    if policy not in POLICIES:
        raise SettingsError("Choose one of the listed policies.", "policy")
    settings = get_settings(db)
    values = {"policy": policy, "split_sourcing_percent": split_sourcing_percent, "expiry_days": expiry_days,
              "max_renewals": max_renewals, "max_open": max_open, "decision_business_days": decision_business_days}
    changes = audit.diff(settings, values)
    for name, value in values.items():
        setattr(settings, name, value)
    db.flush()
    if changes:
        audit.record(db, actor, "leads.settings", settings, "Lead programme settings changed", changes=changes)
    return settings


def policy_text(settings: LeadSettings) -> str:
    """The policy in the words partners read on the form."""
    if settings.policy == "first_claim":
        rule = "the first partner to register a prospect holds it; a later registration is declined as a duplicate"
    elif settings.policy == "higher_tier":
        rule = ("a registration from a higher tier takes over a lower-tier one that is not yet accepted; "
                "between equal tiers the first registration holds it")
    else:
        rule = (f"a second partner may register the same prospect; the commission is split "
                f"{settings.split_sourcing_percent}% to the first (sourcing) partner and "
                f"{100 - settings.split_sourcing_percent}% to the second (closing) partner")
    return (f"{settings.policy_label}: {rule}. Registrations last {settings.expiry_days} days and can be renewed "
            f"{settings.max_renewals} times; your manager decides within {settings.decision_business_days} business days. "
            "Other partners never see your registration.")


def lock_identity(db: Session, key: str) -> LeadIdentity:
    """The prospect's row, created if new, locked FOR UPDATE until the transaction ends (PostgreSQL)."""
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.execute(insert(LeadIdentity).values(key=key, created_at=utcnow()).on_conflict_do_nothing(index_elements=["key"]))
    return db.scalars(select(LeadIdentity).where(LeadIdentity.key == key).with_for_update()).one()


def active_claims(db: Session, identity_id: int) -> dict[str, Lead]:
    leads = db.scalars(
        select(Lead).where(Lead.identity_id == identity_id, Lead.claim.is_not(None))
        .options(joinedload(Lead.partner)).with_for_update(of=Lead)
    )
    return {lead.claim: lead for lead in leads}


def release_claim(db: Session, lead: Lead, actor: User | None, now: datetime) -> None:
    """`lead` stops claiming its prospect; a split's closing partner then becomes the holder."""
    if lead.claim is None:
        return
    was = lead.claim
    lead.claim = None
    db.flush()
    if was == "holder":
        closing = db.scalar(select(Lead).where(Lead.identity_id == lead.identity_id, Lead.claim == "closing"))
        if closing is not None:
            closing.claim = "holder"
            add_event(db, closing, actor, "conflict", now, field="claim", old="closing", new="holder",
                      note="The other registration of this prospect ended; this one now holds it.")
            db.flush()


def claim_prospect(db: Session, lead: Lead, partner: Partner, settings: LeadSettings, now: datetime) -> Claim:
    """Apply the policy to the new registration `lead` (not yet flushed), whose identity row is locked."""
    claims = active_claims(db, lead.identity_id)
    holder, closing = claims.get("holder"), claims.get("closing")
    if holder is None:
        lead.claim = "holder"
        db.add(lead)
        db.flush()
        return Claim("registered")
    since = holder.registered_at
    if holder.partner_id == partner.id or (closing is not None and closing.partner_id == partner.id):
        mine = holder if holder.partner_id == partner.id else closing
        raise DomainError(f"Your organisation already registered this prospect (lead {mine.id}).", "domain")
    if (settings.policy == "higher_tier" and holder.status == "registered"
            and partner.tier.rank > holder.partner.tier.rank and closing is None):
        release_claim(db, holder, None, now)
        set_status(db, holder, None, "rejected", now,
                   note="Taken over by a registration from a higher tier, as the programme's policy says.")
        holder.status_reason = "Taken over by a higher-tier registration of the same prospect (programme policy)."
        holder.conflict_outcome = "superseded"
        lead.claim = "holder"
        lead.conflict_with_id = holder.id
        lead.conflict_outcome = "took_over"
        db.add(lead)
        db.flush()
        holder.conflict_with_id = lead.id
        return Claim("took_over", since)
    if settings.policy == "split" and closing is None and holder.status in ("registered", "accepted"):
        lead.claim = "closing"
        lead.share_percent = 100 - settings.split_sourcing_percent
        lead.conflict_with_id = holder.id
        lead.conflict_outcome = "split"
        db.add(lead)
        db.flush()
        add_event(db, holder, None, "conflict", now, field="share_percent", old=holder.share_percent,
                  new=settings.split_sourcing_percent,
                  note="Another partner registered the same prospect: the commission is split (programme policy).")
        holder.share_percent = settings.split_sourcing_percent
        holder.conflict_outcome = holder.conflict_outcome or "split"
        return Claim("split", since)
    holder.conflict_outcome = holder.conflict_outcome or "contested"
    lead.status = "rejected"
    lead.status_reason = f"Already registered in the programme since {since:%-d %B %Y}."
    lead.expires_at = None
    lead.conflict_with_id = holder.id
    lead.conflict_outcome = "duplicate"
    db.add(lead)
    db.flush()
    return Claim("duplicate", since)


def override_claim(db: Session, actor: User, lead: Lead, reason: str, now: datetime,
                   expiry: timedelta) -> list[Lead]:
    """A manager gives the prospect to `lead`; every other active claim on it is rejected. Returns those."""
    db.scalars(select(LeadIdentity).where(LeadIdentity.id == lead.identity_id).with_for_update()).one()
    others = [other for other in active_claims(db, lead.identity_id).values() if other.id != lead.id]
    if any(other.status == "won" for other in others):
        raise DomainError("The other registration is already won; its outcome cannot be overridden.", "reason")
    note = f"Conflict decision overridden by the partner manager: {reason}"
    for other in others:
        release_claim(db, other, actor, now)
        if other.claim is None and other.status != "rejected":
            set_status(db, other, actor, "rejected", now, note=note, kind="override")
        else:
            add_event(db, other, actor, "override", now, note=note)
        other.status_reason = note
        other.conflict_outcome = "overridden"
        other.conflict_with_id = other.conflict_with_id or lead.id
    db.flush()
    if lead.claim == "closing":
        lead.claim = None
        db.flush()
    if lead.status == "rejected":
        set_status(db, lead, actor, "registered", now, note=note, kind="override")
        lead.status_reason = None
        lead.expires_at = now + expiry
    else:
        add_event(db, lead, actor, "override", now, note=note)
    if lead.share_percent != 100:
        add_event(db, lead, actor, "override", now, field="share_percent", old=lead.share_percent, new=100)
        lead.share_percent = 100
    lead.claim = "holder"
    lead.conflict_outcome = "overridden"
    db.flush()
    return others
