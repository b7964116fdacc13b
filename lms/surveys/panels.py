"""What surveys add to other features' pages and mail: the partner's open surveys, the manager's follow-ups."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from lms.events import DigestSection, Panel
from lms.mail import absolute_url
from lms.models import Partner, SurveyFollowUp, SurveyInvitation, User


def open_invitations(db: Session, user: User, now: datetime) -> list[SurveyInvitation]:
    return list(db.scalars(
        select(SurveyInvitation).where(SurveyInvitation.user_id == user.id, SurveyInvitation.answered_at.is_(None),
                                       SurveyInvitation.expires_at > now)
        .order_by(SurveyInvitation.created_at.desc()).options(joinedload(SurveyInvitation.survey))
    ))


AGENDA_FOLLOW_UPS = 20  # the panel's short list; the rest are paged on /surveys/follow-ups


def open_follow_ups(db: Session, user: User, limit: int | None = None) -> list[SurveyFollowUp]:
    """Unresolved follow-ups of the viewer's partners, the nearest due first, with their partner (one query)."""
    query = (select(SurveyFollowUp).where(SurveyFollowUp.status != "resolved")
             .order_by(SurveyFollowUp.due_at, SurveyFollowUp.id))
    if user.is_manager:
        query = query.join(Partner, Partner.id == SurveyFollowUp.partner_id).where(Partner.manager_id == user.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query.options(joinedload(SurveyFollowUp.response), joinedload(SurveyFollowUp.partner))))


def partner_home(_sender, *, db: Session, user: User, now: datetime, **_kwargs) -> Panel | None:
    """Receiver of `partner_home_requested`: the surveys waiting for this person (one query)."""
    invitations = open_invitations(db, user, now)
    if not invitations:
        return None
    return Panel("surveys/_home_panel.html", {"invitations": invitations}, order=40)


def manager_agenda(_sender, *, db: Session, user: User, now: datetime, **_kwargs) -> Panel | None:
    """Receiver of `manager_agenda_requested`: the first unhappy answers to follow up, overdue first (one query)."""
    if not (user.is_manager or user.is_admin):
        return None
    follow_ups = open_follow_ups(db, user, limit=AGENDA_FOLLOW_UPS + 1)
    if not follow_ups:
        return None
    return Panel("surveys/_agenda_panel.html", {"follow_ups": follow_ups[:AGENDA_FOLLOW_UPS],
                                                "more": len(follow_ups) > AGENDA_FOLLOW_UPS, "now": now}, order=20)


def overdue_digest(_sender, *, db: Session, now: datetime, **_kwargs) -> dict[int, DigestSection]:
    """Receiver of `overdue_digest_requested`: each manager's overdue follow-ups, for the weekly digest."""
    overdue = db.scalars(
        select(SurveyFollowUp).join(Partner, Partner.id == SurveyFollowUp.partner_id)
        .where(SurveyFollowUp.status != "resolved", SurveyFollowUp.due_at < now)
        .order_by(SurveyFollowUp.due_at, SurveyFollowUp.id).options(joinedload(SurveyFollowUp.partner))
    )
    by_manager: dict[int, list[str]] = defaultdict(list)
    for follow_up in overdue:
        state = "contacted, not resolved" if follow_up.status == "contacted" else "not contacted yet"
        by_manager[follow_up.partner.manager_id].append(
            f"{follow_up.partner.name}: unhappy survey answer, follow-up due {follow_up.due_at:%Y-%m-%d} ({state})"
        )
    link = absolute_url("surveys.follow_ups")
    return {manager_id: DigestSection("Overdue survey follow-ups", lines, link)
            for manager_id, lines in by_manager.items()}
