"""Commission and its payout: pending -> invoiced -> paid, or on hold with a reason, each step dated."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from lms import audit, events
from lms.leads.commission import commission_for
from lms.leads.history import add_event
from lms.models import Lead, User

TRANSITIONS = {
    "pending": ("invoiced", "on_hold"),
    "invoiced": ("paid", "on_hold"),
    "on_hold": ("pending", "invoiced"),
    "paid": (),
}


class PayoutError(Exception):
    pass


def start_payout(db: Session, actor: User | None, lead: Lead, now: datetime) -> None:
    """A partner-registered lead was won: its commission is the tier's rate (times the split share)."""
    if lead.direction != "in":
        return  # a vendor referral earns the partner the deal itself, not a commission
    from lms.leads.service import partner_of

    rate = partner_of(db, lead).tier.commission_rate
    lead.commission_rate = rate
    lead.commission = commission_for(lead.actual_value, rate, lead.share_percent, lead.currency)
    lead.payout_stage = "pending"
    add_event(db, lead, actor, "payout", now, field="commission", new=lead.commission,
              note=f"{rate}% of the actual value" + (f", {lead.share_percent}% share" if lead.share_percent != 100 else ""))
    add_event(db, lead, actor, "payout", now, field="payout_stage", new="pending")
    db.flush()
    events.lead_payout_changed.send("leads", db=db, actor=actor, lead=lead, from_stage=None, to_stage="pending",
                                    now=now)


def set_payout_stage(db: Session, actor: User, lead: Lead, stage: str, on: date, reason: str | None,
                     now: datetime) -> None:
    from lms.leads.service import LeadError, NotAllowed, lock_lead

    lock_lead(db, lead)
    if lead.payout_stage is None:
        raise NotAllowed("This lead has no commission to pay out.")
    if stage not in TRANSITIONS[lead.payout_stage]:
        raise LeadError(f"A payout that is {lead.payout_label.lower()} cannot move to that stage.", "stage")
    reason = (reason or "").strip() or None
    if stage == "on_hold" and not reason:
        raise LeadError("Say why the payout is on hold; the partner sees it.", "reason")
    if lead.closed_at and on < lead.closed_at.date():
        raise LeadError("The date cannot be before the deal was won.", "on")
    old = lead.payout_stage
    lead.payout_stage = stage
    lead.payout_reason = reason if stage == "on_hold" else None
    if stage == "invoiced":
        lead.invoiced_on = on
    elif stage == "paid":
        lead.paid_on = on
    add_event(db, lead, actor, "payout", now, field="payout_stage", old=old, new=stage,
              note=reason if stage == "on_hold" else f"on {on.isoformat()}")
    db.flush()
    audit.record(db, actor, "leads.payout", lead, f"Payout for {lead.company_name}: {old} -> {stage}",
                 partner_id=lead.partner_id, changes={"payout_stage": [old, stage]})
    events.lead_payout_changed.send("leads", db=db, actor=actor, lead=lead, from_stage=old, to_stage=stage, now=now)
