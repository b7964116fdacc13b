"""Survey test data: invitations and answered responses (with a follow-up when unhappy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.models import Survey, SurveyInvitation, User
from lms.surveys import service
from lms.surveys.invitations import quarter_of


def survey(db: Session, trigger: str = "quarterly") -> Survey:
    return db.scalar(select(Survey).where(Survey.trigger == trigger))


def invitation(db: Session, user: User, trigger: str = "quarterly", *, created_at: datetime | None = None,
               source_key: str | None = None) -> SurveyInvitation:
    """An invitation made directly (no fatigue rule, no mail)."""
    created_at = created_at or utcnow()
    item = SurveyInvitation(survey_id=survey(db, trigger).id, user_id=user.id, partner_id=user.partner_id,
                            source_key=source_key or f"test:{user.id}:{created_at.timestamp()}",
                            quarter=quarter_of(created_at), created_at=created_at,
                            expires_at=created_at + timedelta(days=30))
    db.add(item)
    db.flush()
    return item


def answers_for(db: Session, item: SurveyInvitation, score: int, text: str | None = None) -> dict[str, str]:
    version = service.current_version(db, item.survey_id)
    data = {}
    for question in version.questions:
        if question.kind in ("nps", "csat"):
            data[f"q{question.id}"] = str(score)
        elif question.kind == "text" and text is not None:
            data[f"q{question.id}"] = text
    return data


def response(db: Session, user: User, score: int, text: str | None = None, trigger: str = "quarterly",
             now: datetime | None = None):
    """An answered invitation (a detractor score opens a follow-up)."""
    now = now or utcnow()
    item = invitation(db, user, trigger, created_at=now - timedelta(days=1))
    return service.submit_response(db, user, item, answers_for(db, item, score, text), now=now)
