"""What the plan does when other features speak: reviews held, the manager's agenda, the partner's home."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.events import Panel
from lms.models import Partner, Plan, PlanRevision, QuietSpell, User
from lms.plans import service


def on_checkin_recorded(sender, *, db: Session, actor: User, checkin, now: datetime, **kwargs) -> None:
    service.review_recorded(db, actor, checkin, now)


def agenda_panel(sender, *, db: Session, user: User, now: datetime, **kwargs) -> Panel | None:
    """Plan revisions to sign, missed plan reviews and quiet partners to call, on the manager's agenda
    (three queries)."""
    if user.is_partner:
        return None
    missed = service.missed_reviews(db, user, now.date())
    query = (
        select(QuietSpell, Partner).join(Partner, Partner.id == QuietSpell.partner_id)
        .where(QuietSpell.ended_at.is_(None)).order_by(QuietSpell.last_active_at).limit(50)
    )
    if user.is_manager:
        query = query.where(Partner.manager_id == user.id)
    quiet = list(db.execute(query))
    latest = (select(PlanRevision.plan_id, func.max(PlanRevision.number).label("number"))
              .group_by(PlanRevision.plan_id).subquery())
    unsigned = select(PlanRevision, Partner).join(Plan, Plan.id == PlanRevision.plan_id).join(
        latest, (latest.c.plan_id == PlanRevision.plan_id) & (latest.c.number == PlanRevision.number)
    ).join(Partner, Partner.id == Plan.partner_id).where(PlanRevision.manager_signed_at.is_(None)) \
        .order_by(PlanRevision.created_at).limit(50)
    if user.is_manager:
        unsigned = unsigned.where(Partner.manager_id == user.id)
    to_sign = list(db.execute(unsigned))
    if not missed and not quiet and not to_sign:
        return None
    return Panel("plans/_agenda_panel.html",
                 {"missed": missed, "quiet": quiet, "to_sign": to_sign, "today": now.date()}, order=40)


def home_panel(sender, *, db: Session, user: User, partner: Partner, now: datetime, **kwargs) -> Panel | None:
    """The partnership plan on the partner's home: status, review date (flagged when missed), signature due."""
    row = db.execute(
        select(Plan, PlanRevision).outerjoin(
            PlanRevision, (PlanRevision.plan_id == Plan.id) & (PlanRevision.number == (
                select(PlanRevision.number).where(PlanRevision.plan_id == Plan.id)
                .order_by(PlanRevision.number.desc()).limit(1).correlate(Plan).scalar_subquery()
            ))
        ).where(Plan.partner_id == partner.id)
    ).first()
    plan, latest = row if row else (None, None)
    return Panel("plans/_home_panel.html", {
        "plan": plan, "latest": latest, "today": now.date(),
        "missed": plan is not None and plan.status != "ending" and plan.next_review_on < now.date(),
        "owner": service.is_plan_owner(user, partner.id),
    }, order=40)
