"""Answering once, the closed loop for unhappy partners, and editing survey templates with versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import abort
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lms import audit, events
from lms.checkins.calendar import holidays_of, today_for, zone_of
from lms.checkins.sla import business_deadline
from lms.db import utcnow
from lms.errors import DomainError
from lms.models import (
    Partner, Survey, SurveyAnswer, SurveyFollowUp, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyVersion,
    User,
)
from lms.surveys.invitations import quarter_of
from lms.surveys.scores import is_detractor

MAX_TEXT = 5000
FOLLOW_UP_BUSINESS_HOURS = 16  # 2 business days of 8 hours in the manager's zone


class SurveyError(DomainError):
    field = None


class AlreadyAnswered(SurveyError):
    pass


# --- loaders (load-or-404 with the ownership check) -------------------------------------------------------

def load_invitation(db: Session, user: User, token: str) -> SurveyInvitation:
    """The invitation of this token, only for the person it was sent to: any other token is a 404."""
    if not token or len(token) > 64 or "\x00" in token:
        abort(404)
    invitation = db.scalar(select(SurveyInvitation).where(SurveyInvitation.token == token))
    if invitation is None or invitation.user_id != user.id:
        abort(404)
    return invitation


def load_follow_up(db: Session, user: User, follow_up_id: int) -> SurveyFollowUp:
    follow_up = db.get(SurveyFollowUp, follow_up_id)
    if follow_up is None or not (user.is_admin or (user.is_manager and follow_up.partner.manager_id == user.id)):
        abort(404)
    return follow_up


def load_survey(db: Session, survey_id: int) -> Survey:
    survey = db.get(Survey, survey_id)
    if survey is None:
        abort(404)
    return survey


def current_version(db: Session, survey_id: int) -> SurveyVersion:
    return db.scalar(
        select(SurveyVersion).where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.number.desc()).limit(1).options(selectinload(SurveyVersion.questions))
    )


# --- answering ---------------------------------------------------------------------------------------------

def field_name(question: SurveyQuestion) -> str:
    return f"q{question.id}"


def clean_answer(question: SurveyQuestion, raw: Any) -> int | str | None:
    """The answer to one question, checked (None: skipped). Raises SurveyError naming the field."""
    name = field_name(question)
    text = raw.strip() if isinstance(raw, str) else raw
    if text in (None, ""):
        if question.required:
            raise SurveyError("Please answer this question.", field=name)
        return None
    if isinstance(text, str) and "\x00" in text:
        raise SurveyError("This answer contains a character we cannot store.", field=name)
    if question.kind in ("nps", "csat"):
        low, high = (0, 10) if question.kind == "nps" else (1, 5)
        try:
            score = int(text)
        except (TypeError, ValueError):
            score = None
        if score is None or not low <= score <= high:
            raise SurveyError(f"Choose a score from {low} to {high}.", field=name)
        return score
    if question.kind == "choice":
        if text not in question.choice_list:
            raise SurveyError("Choose one of the answers offered.", field=name)
        return text
    if len(text) > MAX_TEXT:
        raise SurveyError(f"Please keep it under {MAX_TEXT:,} characters.", field=name)
    return text


class InvalidAnswers(SurveyError):
    """Some answers are not acceptable: `errors` maps each field to its message; nothing was stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Please check the answers marked below.")
        self.errors = errors


def check_answers(version: SurveyVersion, data: dict[str, Any]) -> tuple[list[tuple[SurveyQuestion, Any]], dict[str, str]]:
    """Every question's answer, checked: (question, value) pairs and {field: message} for the bad ones."""
    answers, errors = [], {}
    for question in version.questions:
        try:
            answers.append((question, clean_answer(question, data.get(field_name(question)))))
        except SurveyError as error:
            errors[error.field] = error.message
    return answers, errors


def submit_response(db: Session, user: User, invitation: SurveyInvitation, data: dict[str, Any],
                    now: datetime | None = None) -> SurveyResponse:
    """Store the answers once. A second submit (double click, second tab, replay) raises AlreadyAnswered."""
    now = now or utcnow()
    if invitation.user_id != user.id:
        abort(404)
    if invitation.answered_at is not None:
        raise AlreadyAnswered("You already answered this survey. Thank you!")
    if invitation.expires_at <= now:
        raise SurveyError("This survey closed on "
                          f"{invitation.expires_at.astimezone(zone_of(user)):%-d %b %Y}; thank you all the same.")
    version = current_version(db, invitation.survey_id)
    answers, errors = check_answers(version, data)
    if errors:
        raise InvalidAnswers(errors)
    # The row lock (PostgreSQL) or the write lock (SQLite) makes one submit win; the unique key makes it true.
    claimed = db.execute(
        update(SurveyInvitation).where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered_at.is_(None))
        .values(answered_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyAnswered("You already answered this survey. Thank you!")
    partner = db.get(Partner, invitation.partner_id)
    response = SurveyResponse(invitation_id=invitation.id, survey_id=invitation.survey_id, version_id=version.id,
                              user_id=user.id, partner_id=partner.id, tier_id=partner.tier_id,
                              quarter=quarter_of(now), submitted_at=now)
    try:
        with db.begin_nested():
            db.add(response)
    except IntegrityError:
        raise AlreadyAnswered("You already answered this survey. Thank you!") from None
    for question, value in answers:
        if value is None:
            continue  # skipped: not an answer, not counted
        db.add(SurveyAnswer(
            response_id=response.id, question_id=question.id, position=question.position, kind=question.kind,
            prompt=question.prompt, score=value if question.kind in ("nps", "csat") else None,
            text=value if question.kind in ("choice", "text") else None,
        ))
    db.flush()
    invitation.answered_at = now
    unhappy = [q for q, value in answers if q.kind in ("nps", "csat") and is_detractor(q.kind, value)]
    follow_up = open_follow_up(db, response, partner, now) if unhappy else None
    audit.record(db, user, "survey.answered", response, f"{user.name} answered “{invitation.survey.title}”"
                 + (" (unhappy: follow-up opened for the manager)" if follow_up else ""), partner_id=partner.id)
    events.survey_response_created.send("surveys", db=db, user=user, response=response, now=now)
    return response


def open_follow_up(db: Session, response: SurveyResponse, partner: Partner, now: datetime) -> SurveyFollowUp:
    """A detractor answer: the partner's manager follows up within 2 business days (their zone and holidays)."""
    manager = partner.manager
    today = today_for(manager, now)
    holidays = holidays_of(db, manager, today, today + timedelta(days=30))
    due_at = business_deadline(now, FOLLOW_UP_BUSINESS_HOURS, zone_of(manager), holidays)
    follow_up = SurveyFollowUp(response_id=response.id, partner_id=partner.id, manager_id=manager.id,
                               status="open", due_at=due_at, created_at=now)
    db.add(follow_up)
    db.flush()
    return follow_up


def follow_up_for(db: Session, response_id: int) -> SurveyFollowUp | None:
    return db.scalar(select(SurveyFollowUp).where(SurveyFollowUp.response_id == response_id))


# --- the closed loop --------------------------------------------------------------------------------------

def _clean_note(note: str | None, *, required: bool) -> str | None:
    note = (note or "").strip()
    if "\x00" in note:
        raise SurveyError("The note contains a character we cannot store.", field="note")
    if len(note) > MAX_TEXT:
        raise SurveyError(f"Please keep the note under {MAX_TEXT:,} characters.", field="note")
    if required and not note:
        raise SurveyError("Say how it was resolved.", field="note")
    return note or None


def mark_contacted(db: Session, actor: User, follow_up: SurveyFollowUp, note: str | None,
                   now: datetime | None = None) -> SurveyFollowUp:
    now = now or utcnow()
    if follow_up.status != "open":
        raise SurveyError("This follow-up is already marked contacted.", field="note")
    follow_up.contact_note = _clean_note(note, required=False)
    follow_up.status, follow_up.contacted_at = "contacted", now
    db.flush()
    audit.record(db, actor, "survey.follow_up_contacted", follow_up, f"Contacted {follow_up.partner.name} about "
                 "their survey answer", partner_id=follow_up.partner_id)
    return follow_up


def resolve_follow_up(db: Session, actor: User, follow_up: SurveyFollowUp, note: str | None,
                      now: datetime | None = None) -> SurveyFollowUp:
    now = now or utcnow()
    if follow_up.status == "resolved":
        raise SurveyError("This follow-up is already resolved.", field="note")
    follow_up.resolution_note = _clean_note(note, required=True)
    follow_up.contacted_at = follow_up.contacted_at or now
    follow_up.status, follow_up.resolved_at = "resolved", now
    db.flush()
    audit.record(db, actor, "survey.follow_up_resolved", follow_up, f"Resolved the follow-up with "
                 f"{follow_up.partner.name}", partner_id=follow_up.partner_id,
                 changes={"note": follow_up.resolution_note})
    return follow_up


# --- editing a survey --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionInput:
    kind: str
    prompt: str
    required: bool
    choices: list[str]


def save_questions(db: Session, actor: User, survey: Survey, title: str, active: bool,
                   questions: list[QuestionInput]) -> SurveyVersion:
    """Change a survey. With answers on its current version a new version is made; old answers keep theirs."""
    if not questions:
        raise SurveyError("A survey needs at least one question.", field="questions")
    texts = [title] + [q.prompt for q in questions] + [c for q in questions for c in q.choices]
    if any("\x00" in text or "\n" in text or "\r" in text for text in texts):
        raise SurveyError("Titles, questions and answers cannot hold line breaks or control characters.",
                          field="questions")
    for question in questions:
        if question.kind == "choice" and len(question.choices) < 2:
            raise SurveyError("A single-choice question needs at least two answers, one per line.", field="questions")
    version = current_version(db, survey.id)
    answered = db.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.version_id == version.id))
    survey.title, survey.active = title.strip(), active
    if answered:
        version = SurveyVersion(survey_id=survey.id, number=version.number + 1)
        db.add(version)
        db.flush()
    else:
        for old in list(version.questions):
            db.delete(old)
        db.flush()
    for position, question in enumerate(questions, start=1):
        db.add(SurveyQuestion(version_id=version.id, position=position, kind=question.kind,
                              prompt=question.prompt.strip(), required=question.required,
                              choices="\n".join(question.choices) if question.kind == "choice" else None))
    db.flush()
    audit.record(db, actor, "survey.edited", survey, f"Edited survey “{survey.title}” (version {version.number})")
    return version
