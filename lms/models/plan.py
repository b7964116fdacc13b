"""The partnership plan: versioned terms and goals both sides sign, review dates, status, quiet spells."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.partner import Partner

PLAN_STATUSES = {"on_track": "On track", "at_risk": "At risk", "ending": "Ending"}
CONFLICT_POLICIES = {
    "first_claim": "First claim wins",
    "higher_tier": "Higher tier wins (ties: first claim)",
    "split": "Split commission",
}
# The measurable goals the portal can count itself; see lms/plans/goals.py for how each is measured.
GOAL_KINDS = {
    "people_certified": "People certified",
    "path_complete": "People with the required path complete",
    "checkins_held": "Check-ins held",
    "leads_registered": "Leads registered",
    "leads_won": "Leads won",
    "leads_won_value": "Value of leads won",
    "nps": "Net Promoter Score",
}
# The terms of a revision, in the order a reader (and the diff) goes through them.
TERM_FIELDS = {
    "commission": "Referral fee or commission",
    "discounts": "Discounts and mark-ups",
    "rules_of_engagement": "Rules of engagement",
    "lead_division": "Lead division",
    "conflict_policy": "Conflict policy",
    "communication_boundaries": "Communication boundaries (who may promise what)",
}


class Plan(Base):
    """One current partnership plan per partner; its terms live in revisions."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("partner_id"),
        CheckConstraint("status IN ('on_track', 'at_risk', 'ending')", name="status_known"),
        CheckConstraint("review_months BETWEEN 1 AND 12", name="review_months_range"),
        CheckConstraint(
            "status <> 'ending' OR (wind_down_reason IS NOT NULL AND ends_on IS NOT NULL)", name="ending_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="on_track")
    status_note: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    review_months: Mapped[int] = mapped_column(Integer, default=3)
    next_review_on: Mapped[date] = mapped_column(Date)
    last_review_on: Mapped[date | None] = mapped_column(Date)
    # The terms in force: the last revision both sides signed (None until the first is agreed).
    agreed_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_revisions.id", ondelete="SET NULL", use_alter=True)
    )
    wind_down_reason: Mapped[str | None] = mapped_column(Text)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship(lazy="raise")
    revisions: Mapped[list[PlanRevision]] = relationship(
        back_populates="plan", foreign_keys="PlanRevision.plan_id", order_by="PlanRevision.number", lazy="raise"
    )

    @property
    def status_label(self) -> str:
        return PLAN_STATUSES.get(self.status, self.status)


class PlanRevision(Base):
    """One version of the terms and goals. Agreed once the partner's plan owner and the manager both signed."""

    __tablename__ = "plan_revisions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("period_ends_on > period_starts_on", name="period_order"),
        CheckConstraint("conflict_policy IN ('first_claim', 'higher_tier', 'split')", name="conflict_policy_known"),
        CheckConstraint("(partner_signed_at IS NULL) = (partner_signer_name IS NULL)", name="partner_signature_named"),
        CheckConstraint("(manager_signed_at IS NULL) = (manager_signer_name IS NULL)", name="manager_signature_named"),
        CheckConstraint(
            "agreed_at IS NULL OR (partner_signed_at IS NOT NULL AND manager_signed_at IS NOT NULL)",
            name="agreed_needs_both",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    period_starts_on: Mapped[date] = mapped_column(Date)
    period_ends_on: Mapped[date] = mapped_column(Date)
    commission: Mapped[str] = mapped_column(Text, default="")
    discounts: Mapped[str] = mapped_column(Text, default="")
    rules_of_engagement: Mapped[str] = mapped_column(Text, default="")
    lead_division: Mapped[str] = mapped_column(Text, default="")
    conflict_policy: Mapped[str] = mapped_column(String(16), default="first_claim")
    communication_boundaries: Mapped[str] = mapped_column(Text, default="")
    change_note: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    partner_signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    partner_signer_name: Mapped[str | None] = mapped_column(String(120))
    partner_signed_at: Mapped[datetime | None]
    manager_signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    manager_signer_name: Mapped[str | None] = mapped_column(String(120))
    manager_signed_at: Mapped[datetime | None]
    agreed_at: Mapped[datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="revisions", foreign_keys=[plan_id], lazy="raise")
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="revision", order_by="PlanGoal.id", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at is not None

    @property
    def conflict_policy_label(self) -> str:
        return CONFLICT_POLICIES.get(self.conflict_policy, self.conflict_policy)


class PlanGoal(Base):
    """A measurable target of a revision, for its period (a count, a value in whole currency units, or NPS)."""

    __tablename__ = "plan_goals"
    __table_args__ = (
        UniqueConstraint("revision_id", "kind"),
        CheckConstraint(
            "kind IN ('people_certified', 'path_complete', 'checkins_held', 'leads_registered', 'leads_won', "
            "'leads_won_value', 'nps')",
            name="kind_known",
        ),
        CheckConstraint("kind = 'nps' OR target >= 0", name="target_not_negative"),
        CheckConstraint("kind <> 'nps' OR target BETWEEN -100 AND 100", name="nps_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revisions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[int] = mapped_column(Integer)

    revision: Mapped[PlanRevision] = relationship(back_populates="goals", lazy="raise")

    @property
    def kind_label(self) -> str:
        return GOAL_KINDS.get(self.kind, self.kind)


class QuietSpell(Base):
    """A partner gone quiet since `last_active_at`: nudged once, flagged at risk once, closed when it wakes up."""

    __tablename__ = "quiet_spells"
    __table_args__ = (UniqueConstraint("partner_id", "last_active_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    # The last activity before the silence (or the partner's creation when it never did anything).
    last_active_at: Mapped[datetime]
    nudged_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_step: Mapped[str] = mapped_column(String(300))
    at_risk_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship(lazy="raise")
