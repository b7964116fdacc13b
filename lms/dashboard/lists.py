"""The dashboard's short lists, each one query for its rows and one for its total, linking to its page.

Each list is one function of the same shape, `(rows, total)`; the rows come with the partner they name.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from lms.dashboard.service import SHORT_LIST
from lms.models import CheckIn, Lead, Partner, SupportRequest, SurveyFollowUp


def _count(db: Session, stmt: Select) -> int:
    return db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def overdue_checkins(db: Session, partner_ids: Select, today: date, limit: int = SHORT_LIST) -> tuple[list[CheckIn], int]:
    """Planned check-ins past their due date, oldest first."""
    stmt = (
        select(CheckIn).join(Partner, Partner.id == CheckIn.partner_id)
        .where(CheckIn.partner_id.in_(partner_ids.scalar_subquery()), CheckIn.status == "planned",
               CheckIn.due_on < today)
        .order_by(CheckIn.due_on, Partner.name, CheckIn.id)
    )
    shown = stmt.options(joinedload(CheckIn.partner))
    return list(db.scalars(shown.limit(limit))), _count(db, stmt)


def open_support_requests(db: Session, partner_ids: Select, limit: int = SHORT_LIST) -> tuple[list[SupportRequest], int]:
    """Unanswered support requests, the nearest SLA deadline first (no deadline last)."""
    stmt = (
        select(SupportRequest)
        .where(SupportRequest.partner_id.in_(partner_ids.scalar_subquery()), SupportRequest.answered_at.is_(None))
        .order_by(SupportRequest.due_at.is_(None), SupportRequest.due_at, SupportRequest.created_at, SupportRequest.id)
    )
    shown = stmt.options(joinedload(SupportRequest.partner))
    return list(db.scalars(shown.limit(limit))), _count(db, stmt)


def undecided_leads(db: Session, partner_ids: Select, limit: int = SHORT_LIST) -> tuple[list[Lead], int]:
    """Registrations waiting for the manager's decision, conflicts first, then the oldest."""
    stmt = (
        select(Lead)
        .where(Lead.partner_id.in_(partner_ids.scalar_subquery()), Lead.direction == "in",
               Lead.status == "registered")
        .order_by(Lead.conflict_with_id.is_(None), Lead.registered_at, Lead.id)
    )
    shown = stmt
    return list(db.scalars(shown.limit(limit))), _count(db, stmt)


def open_lead_conflicts(db: Session, partner_ids: Select) -> int:
    """Open leads that met another partner's claim on the same prospect."""
    return _count(db, select(Lead.id).where(
        Lead.partner_id.in_(partner_ids.scalar_subquery()), Lead.conflict_with_id.is_not(None),
        Lead.status.in_(("registered", "accepted"))))


def detractor_follow_ups(db: Session, partner_ids: Select, limit: int = SHORT_LIST) -> tuple[list[SurveyFollowUp], int]:
    """Unhappy survey answers not yet resolved, the nearest due date first."""
    stmt = (
        select(SurveyFollowUp)
        .where(SurveyFollowUp.partner_id.in_(partner_ids.scalar_subquery()), SurveyFollowUp.status != "resolved")
        .order_by(SurveyFollowUp.due_at, SurveyFollowUp.id)
    )
    shown = stmt.options(joinedload(SurveyFollowUp.partner))
    return list(db.scalars(shown.limit(limit))), _count(db, stmt)
