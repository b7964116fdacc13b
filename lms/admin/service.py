"""Admin rules: tiers and the audit log."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from lms import audit
from lms.errors import DomainError
from lms.models import AuditEvent, Tier, User


class TierError(DomainError):
    field = "name"


def update_tier(
    db: Session, actor: User, tier: Tier, *, name: str, onboarding_kind: str, group_capacity: int | None,
    support_channel: str, sla_coverage: str, sla_hours: int | None, checkin_cadence_months: int,
    quarterly_business_review: bool, commission_rate: Decimal,
) -> dict:
    name = name.strip()
    clash = db.scalar(select(Tier.id).where(func.lower(Tier.name) == name.lower(), Tier.id != tier.id))
    if clash is not None:
        raise TierError("Another tier has this name.")
    values = {
        "name": name,
        "onboarding_kind": onboarding_kind,
        "group_capacity": group_capacity if onboarding_kind == "group" else tier.group_capacity,
        "support_channel": support_channel.strip(),
        "sla_coverage": sla_coverage,
        "sla_hours": sla_hours if sla_coverage != "none" else None,
        "checkin_cadence_months": checkin_cadence_months,
        "quarterly_business_review": quarterly_business_review,
        "commission_rate": Decimal(commission_rate).quantize(Decimal("0.01")),
    }
    changes = audit.diff(tier, values)
    if changes:
        for field, value in values.items():
            setattr(tier, field, value)
        db.flush()
        audit.record(db, actor, "tier.updated", tier, f"Updated tier {tier.name}: {', '.join(changes)}", changes=changes)
    return changes


def audit_query(*, action: str | None = None, actor_id: int | None = None):
    """The audit log, newest first, with each actor in the same query (paginate it)."""
    query = (
        select(AuditEvent).options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    return query


def audit_action_prefixes(db: Session) -> list[str]:
    actions = db.scalars(select(AuditEvent.action).distinct())
    return sorted({action.split(".", 1)[0] for action in actions})
