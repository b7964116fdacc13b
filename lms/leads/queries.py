"""Reading leads: the filtered, paginated lists, totals per partner, the CSV export, the agenda panel."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from lms.access import visible_partners
from lms.checkins.calendar import holidays_of, zone_of
from lms.checkins.sla import business_deadline
from lms.leads.commission import format_money
from lms.leads.identity import display_domain
from lms.leads.policy import get_settings
from lms.csvexport import safe_cell  # noqa: F401  (the one formula-injection helper; re-exported)
from lms.models import Lead, LeadEvent, Partner, Tier, User
from lms.models.lead import DIRECTIONS, STATUSES


PARTNER_LIST_MAX = 300  # partners listed in the filter; beyond it, a name search
PARTNER_NAME_MAX = 100


@dataclass(frozen=True)
class LeadFilters:
    direction: str = ""
    status: str = ""
    tier: str = ""
    partner_id: int | None = None
    conflict: str = ""  # "yes": only leads in a conflict
    partner_name: str = ""  # part of the partner's name (instead of the list when a viewer sees many partners)

    def as_args(self) -> dict:
        return {k: v for k, v in (("direction", self.direction), ("status", self.status), ("tier", self.tier),
                                  ("partner_id", self.partner_id), ("conflict", self.conflict),
                                  ("partner_name", self.partner_name)) if v}


def parse_filters(args) -> LeadFilters:
    """Filters from the query string; anything unknown is ignored rather than an error."""
    direction = args.get("direction", "")
    status = args.get("status", "")
    tier = args.get("tier", "")
    partner_raw = args.get("partner_id", "")
    return LeadFilters(
        direction=direction if direction in DIRECTIONS else "",
        status=status if status in STATUSES else "",
        tier=tier if tier.isalnum() and len(tier) <= 32 else "",
        partner_id=int(partner_raw) if partner_raw.isdigit() and len(partner_raw) < 10 else None,
        conflict="yes" if args.get("conflict") == "yes" else "",
        partner_name=" ".join(args.get("partner_name", "").split())[:PARTNER_NAME_MAX],
    )


def lead_query(user: User, filters: LeadFilters) -> Select:
    """Leads `user` may see, filtered, newest first, with partner and tier in the same query."""
    stmt = visible_partners(user, select(Lead).join(Lead.partner).join(Partner.tier)).options(
        contains_eager(Lead.partner).contains_eager(Partner.tier))
    if filters.direction:
        stmt = stmt.where(Lead.direction == filters.direction)
    if filters.status:
        stmt = stmt.where(Lead.status == filters.status)
    if filters.tier:
        stmt = stmt.where(Tier.key == filters.tier)
    if filters.partner_id:
        stmt = stmt.where(Lead.partner_id == filters.partner_id)
    if filters.partner_name:
        stmt = stmt.where(func.lower(Partner.name).contains(filters.partner_name.lower(), autoescape=True))
    if filters.conflict and not user.is_partner:
        stmt = stmt.where(Lead.conflict_outcome.is_not(None))
    return stmt.order_by(Lead.registered_at.desc(), Lead.id.desc())


def partner_choices(db: Session, user: User, *, every: bool = False) -> list[tuple[int, str]] | None:
    """(id, name) of the partners `user` sees, by name; unless `every`, None when there are more than
    PARTNER_LIST_MAX (the list page of an admin of a large programme offers a name search instead)."""
    stmt = visible_partners(user, select(Partner.id, Partner.name)).order_by(Partner.name, Partner.id)
    rows = list(db.execute(stmt if every else stmt.limit(PARTNER_LIST_MAX + 1)))
    return None if not every and len(rows) > PARTNER_LIST_MAX else [(row.id, row.name) for row in rows]


def tier_choices(db: Session) -> list[Tier]:
    return list(db.scalars(select(Tier).order_by(Tier.rank)))


@dataclass
class PartnerTotals:
    partner_name: str
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (direction, status) -> n
    won: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (direction, currency) -> actual value
    commission: dict[str, Decimal] = field(default_factory=dict)  # currency -> commission

    def count(self, direction: str, *statuses: str) -> int:
        return sum(n for (d, s), n in self.counts.items() if d == direction and (not statuses or s in statuses))

    def money(self, amounts: dict) -> str:
        return ", ".join(format_money(v, c if isinstance(c, str) else c[1]) for c, v in sorted(amounts.items(),
                                                                                               key=lambda kv: str(kv[0])))


def _filtered_lead_ids(user: User, filters: LeadFilters) -> Select:
    sub = lead_query(user, filters).order_by(None).options().with_only_columns(Lead.id).subquery()
    return select(sub.c.id)


def totals_partners_query(user: User, filters: LeadFilters) -> Select:
    """(id, name) of the partners with leads under `filters`, by name: paginate it (scalars=False), then
    pass the page's ids to `totals_by_partner`."""
    with_leads = select(Lead.partner_id).where(Lead.id.in_(_filtered_lead_ids(user, filters)))
    return select(Partner.id, Partner.name).where(Partner.id.in_(with_leads)).order_by(Partner.name, Partner.id)


def totals_by_partner(db: Session, user: User, filters: LeadFilters,
                      partner_ids: list[int] | None = None) -> list[PartnerTotals]:
    """Per partner and direction: how many leads in each status, won value and commission per currency.

    With `partner_ids` (a page of `totals_partners_query`), only those partners, in that order."""
    stmt = (select(Partner.id, Partner.name, Lead.direction, Lead.status, Lead.currency, func.count(Lead.id),
                   func.sum(Lead.actual_value), func.sum(Lead.commission))
            .join(Lead, Lead.partner_id == Partner.id).where(Lead.id.in_(_filtered_lead_ids(user, filters)))
            .group_by(Partner.id, Partner.name, Lead.direction, Lead.status, Lead.currency)
            .order_by(Partner.name, Partner.id))
    if partner_ids is not None:
        if not partner_ids:
            return []
        stmt = stmt.where(Partner.id.in_(partner_ids))
    rows = db.execute(stmt)
    totals: dict[int, PartnerTotals] = {}
    for partner_id, name, direction, status, currency, n, value, commission in rows:
        item = totals.setdefault(partner_id, PartnerTotals(name))
        item.counts[(direction, status)] = item.counts.get((direction, status), 0) + n
        if status == "won":
            item.won[(direction, currency)] = item.won.get((direction, currency), Decimal(0)) + (value or 0)
            if commission is not None:
                item.commission[currency] = item.commission.get(currency, Decimal(0)) + commission
    return list(totals.values())


def lead_history(db: Session, lead: Lead) -> list[LeadEvent]:
    return list(db.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)
                           .options(joinedload(LeadEvent.actor)).order_by(LeadEvent.id)))


def conflict_sides(db: Session, lead: Lead) -> list[Lead]:
    """Every lead on the same prospect (both sides of a conflict), with partner and tier, oldest first."""
    return list(db.scalars(
        select(Lead).where(Lead.identity_id == lead.identity_id, Lead.direction == "in")
        .options(joinedload(Lead.partner), joinedload(Lead.created_by)).order_by(Lead.registered_at, Lead.id)
    ).unique())


# --- CSV ----------------------------------------------------------------------------------------------

CSV_COLUMNS = ["lead id", "direction", "status", "partner", "tier", "company", "domain", "country", "contact name",
               "contact email", "contact phone", "estimated value", "currency", "expected close", "registered",
               "expires", "renewals", "actual value", "commission", "payout stage", "invoiced on", "paid on",
               "reason"]


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")  # stored in UTC: 2026-11-30T09:15:00+00:00
    return value.isoformat()


def export_csv(db: Session, user: User, filters: LeadFilters, limit: int = 50_000) -> str:
    """The filtered leads as UTF-8 CSV (ISO dates, amounts as plain decimals), formula cells escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for lead in db.scalars(lead_query(user, filters).limit(limit)):
        writer.writerow([safe_cell(v) for v in (
            lead.id, lead.direction_label, lead.status_label, lead.partner.name, lead.partner.tier.name,
            lead.company_name, display_domain(lead.domain), lead.country, lead.contact_name, lead.contact_email,
            lead.contact_phone, lead.estimated_value, lead.currency, _iso(lead.expected_close),
            _iso(lead.registered_at), _iso(lead.expires_at), lead.renewals, lead.actual_value, lead.commission,
            lead.payout_label, _iso(lead.invoiced_on), _iso(lead.paid_on), lead.status_reason,
        )])
    return out.getvalue()


# --- the manager's agenda -------------------------------------------------------------------------------

def overdue_decisions(db: Session, user: User, now: datetime) -> list[tuple[Lead, datetime]]:
    """Registrations still undecided past the programme's target (business days in the viewer's calendar)."""
    settings = get_settings(db)
    leads = list(db.scalars(lead_query(user, LeadFilters(direction="in", status="registered"))
                            .order_by(None).order_by(Lead.registered_at, Lead.id)))
    if not leads:
        return []
    zone = zone_of(user)
    first = leads[0].registered_at.astimezone(zone).date()
    holidays = holidays_of(db, user, first, now.astimezone(zone).date() + timedelta(days=7))
    overdue = []
    for lead in leads:
        due = business_deadline(lead.registered_at, 8 * settings.decision_business_days, zone, holidays)
        if due < now:
            overdue.append((lead, due))
    return overdue
