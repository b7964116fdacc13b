"""Partner tiers: the service level, check-in rhythm and commission a partner gets."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base

ONBOARDING_KINDS = {"group": "Group onboarding session", "dedicated": "Dedicated 1:1 kickoff call"}
SLA_COVERAGES = {
    "none": "No response target",
    "business": "Business hours (8/5, the manager's time zone)",
    "always": "Around the clock (24/7)",
}


class Tier(Base):
    __tablename__ = "tiers"
    __table_args__ = (
        UniqueConstraint("key"),
        UniqueConstraint("name"),
        CheckConstraint("onboarding_kind IN ('group', 'dedicated')", name="onboarding_kind_known"),
        CheckConstraint("sla_coverage IN ('none', 'business', 'always')", name="sla_coverage_known"),
        CheckConstraint(
            "(sla_coverage = 'none' AND sla_hours IS NULL) OR (sla_coverage <> 'none' AND sla_hours > 0)",
            name="sla_hours_match_coverage",
        ),
        CheckConstraint(
            "onboarding_kind <> 'group' OR group_capacity > 0", name="group_has_capacity"
        ),
        CheckConstraint("checkin_cadence_months BETWEEN 1 AND 12", name="cadence_range"),
        CheckConstraint("commission_rate >= 0 AND commission_rate <= 100", name="commission_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    # Higher rank is the higher tier (used by the "higher tier wins" lead policy).
    rank: Mapped[int] = mapped_column(Integer)
    onboarding_kind: Mapped[str] = mapped_column(String(16))
    group_capacity: Mapped[int | None] = mapped_column(Integer)
    support_channel: Mapped[str] = mapped_column(Text)
    sla_hours: Mapped[int | None] = mapped_column(Integer)
    sla_coverage: Mapped[str] = mapped_column(String(16))
    checkin_cadence_months: Mapped[int] = mapped_column(Integer)
    quarterly_business_review: Mapped[bool] = mapped_column(Boolean, default=False)
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # percent of the won deal

    @property
    def is_group_onboarding(self) -> bool:
        return self.onboarding_kind == "group"

    @property
    def personal_support(self) -> bool:
        """The manager's own email and phone are a support channel only for tiers that promise a response
        time (Gold, Platinum); the others write to the collective inbox."""
        return self.sla_coverage != "none"

    @property
    def sla_text(self) -> str:
        """The response promise in plain words."""
        if self.sla_coverage == "none" or not self.sla_hours:
            return "No guaranteed response time"
        unit = "hour" if self.sla_hours == 1 else "hours"
        if self.sla_coverage == "business":
            return f"Answer within {self.sla_hours} business {unit} (Monday to Friday, 8 hours a day)"
        return f"Answer within {self.sla_hours} {unit}, 24/7"

    @property
    def cadence_text(self) -> str:
        months = self.checkin_cadence_months
        text = {1: "Monthly", 3: "Quarterly", 6: "Twice a year", 12: "Yearly"}.get(months, f"Every {months} months")
        return text + (", plus a quarterly business review" if self.quarterly_business_review else "")

    def __repr__(self) -> str:
        return f"<Tier {self.key}>"
