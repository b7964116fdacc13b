"""The dashboard's short lists, each one query for its rows and one for its total, linking to its page.

Lead conflicts, undecided registrations and detractor follow-ups join here when the leads and surveys
features are on this branch (one function each, same shape: `(rows, total)`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lms.dashboard.service import SHORT_LIST
from lms.models import CheckIn, Partner, SupportRequest


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
    return list(db.scalars(stmt.limit(limit))), _count(db, stmt)


def open_support_requests(db: Session, partner_ids: Select, limit: int = SHORT_LIST) -> tuple[list[SupportRequest], int]:
    """Unanswered support requests, the nearest SLA deadline first (no deadline last)."""
    stmt = (
        select(SupportRequest)
        .where(SupportRequest.partner_id.in_(partner_ids.scalar_subquery()), SupportRequest.answered_at.is_(None))
        .order_by(SupportRequest.due_at.is_(None), SupportRequest.due_at, SupportRequest.created_at, SupportRequest.id)
    )
    return list(db.scalars(stmt.limit(limit))), _count(db, stmt)
