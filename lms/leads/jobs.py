"""The leads' scheduled work, run by `flask jobs run`: expiry, expiry notices, unpaid-commission notices.

Each job flushes only; every message carries a dedupe key, so running twice sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from lms.leads import policy
from lms.leads.history import set_status
from lms.leads.service import _tell_partner
from lms.models import Lead

NOTICE_DAYS = 14  # expiry notice this many days before
UNPAID_AFTER_DAYS = 30  # first payout notice this long after the win
UNPAID_EVERY_DAYS = 14  # then again this often until paid


def expire(db: Session, now: datetime) -> str:
    """Open registrations past their expiry end, and release the prospect."""
    leads = db.scalars(
        select(Lead).where(Lead.direction == "in", Lead.status.in_(("registered", "accepted")),
                           Lead.expires_at <= now).order_by(Lead.id).with_for_update()
    ).all()
    for lead in leads:
        set_status(db, lead, None, "expired", now, kind="expiry",
                   note=f"Not renewed; expired {lead.expires_at:%-d %B %Y}.")
        lead.status_reason = "The registration expired without renewal."
        policy.release_claim(db, lead, None, now)
    db.flush()
    return f"{len(leads)} registration(s) expired"


def expiry_notices(db: Session, now: datetime) -> str:
    """Tell the partner 14 days before a registration expires (once per expiry date, so a renewal re-arms it)."""
    leads = db.scalars(
        select(Lead).where(Lead.direction == "in", Lead.status.in_(("registered", "accepted")),
                           Lead.expires_at > now, Lead.expires_at <= now + timedelta(days=NOTICE_DAYS))
        .options(joinedload(Lead.partner)).order_by(Lead.id)
    )
    settings = policy.get_settings(db)
    queued = 0
    for lead in leads:
        queued += _tell_partner(db, lead, lead.partner, f"Your lead {lead.company_name} expires {lead.expires_at:%-d %b %Y}",
                                "lead_expiring", f"lead-expiry:{lead.id}:{lead.expires_at:%Y%m%d}",
                                renewals_left=max(0, settings.max_renewals - lead.renewals))
    return f"{queued} expiry notice(s) queued"


def payout_notices(db: Session, now: datetime) -> str:
    """Unpaid 30 days after the win: tell the partner the payout's stage, again every 14 days until paid."""
    leads = db.scalars(
        select(Lead).where(Lead.status == "won", Lead.payout_stage.is_not(None), Lead.payout_stage != "paid",
                           Lead.closed_at <= now - timedelta(days=UNPAID_AFTER_DAYS))
        .options(joinedload(Lead.partner)).order_by(Lead.id)
    )
    queued = 0
    for lead in leads:
        days = (now - lead.closed_at).days
        round_no = (days - UNPAID_AFTER_DAYS) // UNPAID_EVERY_DAYS
        queued += _tell_partner(db, lead, lead.partner, f"Your commission for {lead.company_name}: {lead.payout_label.lower()}",
                                "lead_payout_unpaid", f"lead-payout:{lead.id}:{round_no}", days=days)
    return f"{queued} payout notice(s) queued"
