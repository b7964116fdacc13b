"""Lead referrals: the programme's settings, the prospects claimed, each lead and its history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.partner import Partner
    from lms.models.user import User

POLICIES = {
    "first_claim": "First claim wins",
    "higher_tier": "Higher tier wins",
    "split": "Split commission",
}
DIRECTIONS = {"in": "Registered by partner", "out": "Referred to partner"}
STATUSES = {
    "registered": "Registered", "offered": "Offered", "accepted": "Accepted", "rejected": "Rejected",
    "declined": "Declined", "won": "Won", "lost": "Lost", "expired": "Expired",
}
OPEN_STATUSES = ("registered", "offered", "accepted")
PAYOUT_STAGES = {"pending": "Pending", "invoiced": "Invoiced", "paid": "Paid", "on_hold": "On hold"}
CLAIMS = ("holder", "closing")  # the active claim on a prospect; "closing" is the second partner of a split


class LeadSettings(Base):
    """The programme's rules: one row (id 1), edited by admins, shown to partners on the lead form."""

    __tablename__ = "lead_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("policy IN ('first_claim', 'higher_tier', 'split')", name="policy_known"),
        CheckConstraint("split_sourcing_percent BETWEEN 0 AND 100", name="split_range"),
        CheckConstraint("expiry_days BETWEEN 1 AND 3650", name="expiry_range"),
        CheckConstraint("max_renewals BETWEEN 0 AND 100", name="renewals_range"),
        CheckConstraint("max_open BETWEEN 1 AND 100000", name="max_open_range"),
        CheckConstraint("decision_business_days BETWEEN 1 AND 60", name="decision_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    policy: Mapped[str] = mapped_column(String(16), default="first_claim")
    # The sourcing (first) partner's share of a split commission, in percent; the closing partner gets the rest.
    split_sourcing_percent: Mapped[int] = mapped_column(Integer, default=50)
    expiry_days: Mapped[int] = mapped_column(Integer, default=90)
    max_renewals: Mapped[int] = mapped_column(Integer, default=2)
    max_open: Mapped[int] = mapped_column(Integer, default=25)
    decision_business_days: Mapped[int] = mapped_column(Integer, default=2)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def policy_label(self) -> str:
        return POLICIES[self.policy]


class LeadIdentity(Base):
    """One row per prospect ever claimed: the row registrations lock, so concurrent claims queue."""

    __tablename__ = "lead_identities"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        CheckConstraint(
            "status IN ('registered', 'offered', 'accepted', 'rejected', 'declined', 'won', 'lost', 'expired')",
            name="status_known",
        ),
        CheckConstraint("claim IS NULL OR claim IN ('holder', 'closing')", name="claim_known"),
        CheckConstraint("claim IS NULL OR status IN ('registered', 'accepted', 'won')", name="claim_only_active"),
        CheckConstraint("payout_stage IS NULL OR payout_stage IN ('pending', 'invoiced', 'paid', 'on_hold')",
                        name="payout_stage_known"),
        CheckConstraint("(status = 'won') = (actual_value IS NOT NULL)", name="won_has_value"),
        CheckConstraint("estimated_value IS NULL OR estimated_value >= 0", name="estimate_positive"),
        CheckConstraint("actual_value IS NULL OR actual_value >= 0", name="actual_positive"),
        CheckConstraint("share_percent BETWEEN 0 AND 100", name="share_range"),
        CheckConstraint("renewals >= 0", name="renewals_positive"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        # At most one active holder and one split partner per prospect: the database keeps claims unique.
        Index("uq_leads_active_claim", "identity_id", "claim", unique=True,
              sqlite_where=text("claim IS NOT NULL"), postgresql_where=text("claim IS NOT NULL")),
        Index("ix_leads_partner_status", "partner_id", "status"),
        Index("ix_leads_status_registered", "status", "registered_at"),
        Index("ix_leads_direction_registered", "direction", "registered_at"),
        Index("ix_leads_conflict", "conflict_with_id"),
        Index("ix_leads_conflict_outcome", "conflict_outcome", "registered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("lead_identities.id", ondelete="RESTRICT"), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    country: Mapped[str | None] = mapped_column(String(2))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    estimated_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    currency: Mapped[str] = mapped_column(String(3))
    expected_close: Mapped[date | None] = mapped_column(Date)  # the first day of the expected month
    notes: Mapped[str | None] = mapped_column(Text)

    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)  # why rejected / declined / lost
    claim: Mapped[str | None] = mapped_column(String(8))
    # The active claim this one met when it was registered (or that took it over), for the manager's conflict view.
    conflict_with_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="RESTRICT"))
    conflict_outcome: Mapped[str | None] = mapped_column(String(16))  # duplicate, superseded, took_over, split, contested (a holder others ran into), overridden
    share_percent: Mapped[int] = mapped_column(Integer, default=100)  # of the commission, split policy

    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    renewals: Mapped[int] = mapped_column(Integer, default=0)

    actual_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    closed_at: Mapped[datetime | None]
    commission_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    commission: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    payout_stage: Mapped[str | None] = mapped_column(String(16))
    payout_reason: Mapped[str | None] = mapped_column(Text)
    invoiced_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)

    partner: Mapped[Partner] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")
    identity: Mapped[LeadIdentity] = relationship(lazy="raise")
    conflict_with: Mapped[Lead | None] = relationship(remote_side="Lead.id", lazy="raise")
    events: Mapped[list[LeadEvent]] = relationship(
        back_populates="lead", order_by="LeadEvent.id", lazy="raise"
    )

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def direction_label(self) -> str:
        return DIRECTIONS[self.direction]

    @property
    def payout_label(self) -> str:
        return PAYOUT_STAGES.get(self.payout_stage or "", "")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Lead {self.id} {self.direction} {self.status}>"


class LeadEvent(Base):
    """One change to a lead: who, when, what field, from what to what (and why). Never deleted."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="RESTRICT"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # created, field, status, override, payout, renewal, expiry
    field: Mapped[str | None] = mapped_column(String(40))
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    lead: Mapped[Lead] = relationship(back_populates="events", lazy="raise")
    actor: Mapped[User | None] = relationship(lazy="raise")
