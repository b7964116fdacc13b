"""Who is asked, when: invitations from events and the quarterly job, the fatigue rule, reminders.

An event invites once (unique user + survey + source key). The fatigue rule holds back an invitation
that comes too soon after another one and records it as a suppression, with why.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.mail import absolute_url, queue_message
from lms.models import (
    Survey, SurveyInvitation, SurveySettings, SurveySuppression, User,
)

EXPIRY_DAYS = 30
REMINDER_AFTER_DAYS = 5


def quarter_of(moment: datetime) -> str:
    """The calendar quarter (UTC) a moment falls in, e.g. "2026-Q4"."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def get_settings(db: Session) -> SurveySettings:
    """The one settings row (the migration creates it; made here too if someone deleted it)."""
    settings = db.get(SurveySettings, 1)
    if settings is None:
        settings = SurveySettings(id=1, min_days_between=14, nps_min_days=60, public_page=False)
        db.add(settings)
        db.flush()
    return settings


def fatigue_reason(db: Session, user_id: int, survey: Survey, settings: SurveySettings, now: datetime,
                   last_any: datetime | None = None, last_nps: datetime | None = None,
                   preloaded: bool = False) -> str | None:
    """Why an invitation for `survey` must be held back now, or None when it may go out."""
    if not preloaded:
        last_any = db.scalar(select(func.max(SurveyInvitation.created_at)).where(SurveyInvitation.user_id == user_id))
        last_nps = db.scalar(
            select(func.max(SurveyInvitation.created_at)).join(Survey)
            .where(SurveyInvitation.user_id == user_id, Survey.trigger == "quarterly")
        )
    if survey.trigger == "quarterly" and last_nps is not None \
            and now - last_nps < timedelta(days=settings.nps_min_days):
        return f"Quarterly survey already sent on {last_nps:%Y-%m-%d} (at most every {settings.nps_min_days} days)"
    if last_any is not None and now - last_any < timedelta(days=settings.min_days_between):
        return f"Invited on {last_any:%Y-%m-%d} (at most one invitation per {settings.min_days_between} days)"
    return None


def invite(db: Session, user: User, trigger: str, source_key: str, now: datetime, *, subject: str | None = None,
           survey: Survey | None = None, settings: SurveySettings | None = None,
           fatigue: tuple[datetime | None, datetime | None] | None = None) -> SurveyInvitation | None:
    """Invite `user` to the survey of `trigger` because of `source_key`; once per event, fatigue permitting.

    Returns the invitation, or None when the event already invited (or was suppressed) or is held back now.
    """
    if not (user.is_partner and user.active and user.has_password):
        return None
    survey = survey or db.scalar(select(Survey).where(Survey.trigger == trigger, Survey.active.is_(True)))
    if survey is None:
        return None
    key = (SurveyInvitation.user_id == user.id, SurveyInvitation.survey_id == survey.id,
           SurveyInvitation.source_key == source_key)
    if db.scalar(select(SurveyInvitation.id).where(*key)) or db.scalar(
        select(SurveySuppression.id).where(SurveySuppression.user_id == user.id,
                                           SurveySuppression.survey_id == survey.id,
                                           SurveySuppression.source_key == source_key)
    ):
        return None
    settings = settings or get_settings(db)
    if fatigue is None:
        reason = fatigue_reason(db, user.id, survey, settings, now)
    else:
        reason = fatigue_reason(db, user.id, survey, settings, now, *fatigue, preloaded=True)
    if reason is not None:
        try:
            with db.begin_nested():
                db.add(SurveySuppression(survey_id=survey.id, user_id=user.id, partner_id=user.partner_id,
                                         source_key=source_key, reason=reason, quarter=quarter_of(now),
                                         created_at=now))
        except IntegrityError:  # a concurrent run recorded it
            pass
        return None
    invitation = SurveyInvitation(survey_id=survey.id, user_id=user.id, partner_id=user.partner_id,
                                  source_key=source_key, subject=subject, quarter=quarter_of(now), created_at=now,
                                  expires_at=now + timedelta(days=EXPIRY_DAYS))
    try:
        with db.begin_nested():
            db.add(invitation)
    except IntegrityError:  # the same event, sent twice at once: the unique key makes it one
        return None
    queue_message(
        db, user.email, f"{survey.title}: a minute for your feedback?", "survey_invitation",
        dedupe_key=f"survey-invitation:{invitation.id}", user=user, survey=survey, invitation=invitation,
        link=absolute_url("surveys.answer", token=invitation.token), reminder=False,
    )
    return invitation


# --- receivers of lms/events.py signals ---------------------------------------------------------------

def on_kickoff_held(_sender, *, db: Session, users: list[User], now: datetime, booking=None, seat=None,
                    **_kwargs) -> None:
    """The kickoff call (or group seat) was held: ask the people who attended how it went."""
    source = f"booking:{booking.id}" if booking is not None else f"seat:{seat.id}"
    for user in users:
        invite(db, user, "kickoff", source, now)


def on_certificate_issued(_sender, *, db: Session, user: User, course, certificate, now: datetime,
                          **_kwargs) -> None:
    """A partner user finished a course: ask about that course."""
    invite(db, user, "course", f"certificate:{certificate.id}", now, subject=course.title)


# --- scheduled jobs --------------------------------------------------------------------------------------

def quarterly(db: Session, now: datetime) -> str:
    """Once a calendar quarter every active partner user is asked the relationship NPS (fatigue permitting)."""
    survey = db.scalar(select(Survey).where(Survey.trigger == "quarterly", Survey.active.is_(True)))
    if survey is None:
        return "no active quarterly survey"
    settings = get_settings(db)
    users = db.scalars(
        select(User).where(User.role == "partner", User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.id)
    ).all()
    # The fatigue rule's dates for everyone in two queries, not two per person.
    last_any = dict(db.execute(select(SurveyInvitation.user_id, func.max(SurveyInvitation.created_at))
                               .group_by(SurveyInvitation.user_id)).all())
    last_nps = dict(db.execute(select(SurveyInvitation.user_id, func.max(SurveyInvitation.created_at))
                               .where(SurveyInvitation.survey_id == survey.id)
                               .group_by(SurveyInvitation.user_id)).all())
    source = f"quarter:{quarter_of(now)}"
    sent = sum(
        1 for user in users
        if invite(db, user, "quarterly", source, now, survey=survey, settings=settings,
                  fatigue=(last_any.get(user.id), last_nps.get(user.id))) is not None
    )
    return f"{sent} quarterly invitation(s)"


def reminders(db: Session, now: datetime) -> str:
    """One reminder, 5 days after an invitation that is still unanswered and not expired."""
    due = db.scalars(
        select(SurveyInvitation).where(
            SurveyInvitation.answered_at.is_(None), SurveyInvitation.reminded_at.is_(None),
            SurveyInvitation.created_at <= now - timedelta(days=REMINDER_AFTER_DAYS),
            SurveyInvitation.expires_at > now,
        ).order_by(SurveyInvitation.id)
    ).all()
    users = {user.id: user for user in db.scalars(select(User).where(User.id.in_({i.user_id for i in due})))}
    sent = 0
    for invitation in due:
        user = users[invitation.user_id]
        marked = db.execute(
            update(SurveyInvitation).where(SurveyInvitation.id == invitation.id, SurveyInvitation.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if marked != 1 or not user.active:
            continue
        message = queue_message(
            db, user.email, f"Reminder: {invitation.survey.title}", "survey_invitation",
            dedupe_key=f"survey-reminder:{invitation.id}", user=user, survey=invitation.survey,
            invitation=invitation, link=absolute_url("surveys.answer", token=invitation.token), reminder=True,
        )
        sent += message is not None
    return f"{sent} reminder(s) queued"


def is_open(invitation: SurveyInvitation, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return invitation.answered_at is None and invitation.expires_at > now
