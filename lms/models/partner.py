"""Partner organisations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow
from lms.models.tier import Tier

if TYPE_CHECKING:
    from lms.models.user import User


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # The name folded for uniqueness ("ACME Ltd" and "acme ltd" are one partner).
    name_key: Mapped[str] = mapped_column(String(160))
    web_domain: Mapped[str | None] = mapped_column(String(253))
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id", ondelete="RESTRICT"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The funnel stage the webhooks last saw (API key, e.g. "kickoff_held"); None until a stage event is seen.
    funnel_stage: Mapped[str | None] = mapped_column(String(32))

    tier: Mapped[Tier] = relationship()
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    users: Mapped[list[User]] = relationship(
        back_populates="partner", foreign_keys="User.partner_id", order_by="User.name", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name}>"
