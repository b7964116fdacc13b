"""Satisfaction surveys: versioned templates, invitations, answers once, suppressions, follow-ups, settings."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.partner import Partner
    from lms.models.user import User

QUESTION_KINDS = {"nps": "NPS (0-10)", "csat": "CSAT (1-5)", "choice": "Single choice", "text": "Free text"}
TRIGGERS = {"kickoff": "After the kickoff", "course": "After a course", "quarterly": "Quarterly relationship"}
FOLLOW_UP_STATUSES = ("open", "contacted", "resolved")


def new_survey_token() -> str:
    return secrets.token_urlsafe(24)


class Survey(Base):
    """A survey template; `trigger` says which event invites to it (one survey per trigger)."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("trigger"),
        CheckConstraint("trigger IN ('kickoff', 'course', 'quarterly')", name="trigger_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number", lazy="raise"
    )

    @property
    def trigger_label(self) -> str:
        return TRIGGERS.get(self.trigger, self.trigger)


class SurveyVersion(Base):
    """The questions of a survey at one time. Editing a survey that has answers makes a new version."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"), CheckConstraint("number >= 1", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    survey: Mapped[Survey] = relationship(back_populates="versions", lazy="raise")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="version", order_by="SurveyQuestion.position", cascade="all, delete-orphan", lazy="raise"
    )


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"
    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        CheckConstraint("kind IN ('nps', 'csat', 'choice', 'text')", name="kind_known"),
        CheckConstraint("kind <> 'choice' OR choices IS NOT NULL", name="choice_has_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(8))
    prompt: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    choices: Mapped[str | None] = mapped_column(Text)  # one offered answer per line, for kind "choice"

    version: Mapped[SurveyVersion] = relationship(back_populates="questions", lazy="raise")

    @property
    def choice_list(self) -> list[str]:
        return [line for line in (self.choices or "").splitlines() if line.strip()]

    @property
    def kind_label(self) -> str:
        return QUESTION_KINDS.get(self.kind, self.kind)


class SurveyInvitation(Base):
    """One person asked to answer one survey because of one event (`source_key`, e.g. "certificate:7")."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("token"),
        UniqueConstraint("user_id", "survey_id", "source_key"),  # an event invites once, however often it is sent
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), default=new_survey_token)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(200))  # what it is about, e.g. the course title
    quarter: Mapped[str] = mapped_column(String(7), index=True)  # "2026-Q4", UTC, for response rates
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    survey: Mapped[Survey] = relationship()
    user: Mapped[User] = relationship(lazy="raise")
    partner: Mapped[Partner] = relationship(lazy="raise")


class SurveySuppression(Base):
    """An invitation held back by the fatigue rule: recorded with why, never silently lost."""

    __tablename__ = "survey_suppressions"
    __table_args__ = (UniqueConstraint("user_id", "survey_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyResponse(Base):
    """The one answer to an invitation: the unique key makes a double submit store one response."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("invitation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitations.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    # The partner's tier when it answered: a later tier change does not rewrite history.
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id", ondelete="RESTRICT"), index=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    invitation: Mapped[SurveyInvitation] = relationship(lazy="raise")
    survey: Mapped[Survey] = relationship(lazy="raise")
    partner: Mapped[Partner] = relationship(lazy="raise")
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", order_by="SurveyAnswer.position", cascade="all, delete-orphan", lazy="raise"
    )
    follow_up: Mapped[SurveyFollowUp | None] = relationship(back_populates="response", lazy="raise")


class SurveyAnswer(Base):
    """One answered question; a skipped optional question has no row (it is not an answer)."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        CheckConstraint("kind IN ('nps', 'csat', 'choice', 'text')", name="kind_known"),
        CheckConstraint("kind <> 'nps' OR score BETWEEN 0 AND 10", name="nps_range"),
        CheckConstraint("kind <> 'csat' OR score BETWEEN 1 AND 5", name="csat_range"),
        CheckConstraint("kind IN ('nps', 'csat') OR score IS NULL", name="score_only_scored"),
        CheckConstraint("text IS NULL OR length(text) <= 5000", name="text_length"),
        Index("ix_survey_answers_kind_score", "kind", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(8))
    prompt: Mapped[str] = mapped_column(String(300))  # the question as it was asked
    score: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)  # a free-text answer, or the choice picked

    response: Mapped[SurveyResponse] = relationship(back_populates="answers", lazy="raise")


class SurveyFollowUp(Base):
    """The closed loop: a detractor's answer gives the partner's manager a follow-up, due in 2 business days."""

    __tablename__ = "survey_follow_ups"
    __table_args__ = (
        UniqueConstraint("response_id"),
        CheckConstraint("status IN ('open', 'contacted', 'resolved')", name="status_known"),
        CheckConstraint("status = 'open' OR contacted_at IS NOT NULL", name="contacted_has_time"),
        CheckConstraint("status <> 'resolved' OR (resolved_at IS NOT NULL AND resolution_note IS NOT NULL)",
                        name="resolved_has_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    contacted_at: Mapped[datetime | None]
    contact_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[SurveyResponse] = relationship(back_populates="follow_up", lazy="raise")
    partner: Mapped[Partner] = relationship()
    manager: Mapped[User] = relationship()

    def is_overdue(self, now: datetime) -> bool:
        return self.status != "resolved" and self.due_at < now


class SurveySettings(Base):
    """The programme's survey settings: one row (id 1), edited by an admin."""

    __tablename__ = "survey_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("min_days_between BETWEEN 0 AND 365", name="min_days_range"),
        CheckConstraint("nps_min_days BETWEEN 0 AND 365", name="nps_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    min_days_between: Mapped[int] = mapped_column(SmallInteger, default=14)  # any invitation, per person
    nps_min_days: Mapped[int] = mapped_column(SmallInteger, default=60)  # the quarterly NPS, per person
    public_page: Mapped[bool] = mapped_column(Boolean, default=False)  # /satisfaction, off: 404
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
