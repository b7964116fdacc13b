"""A partner user's learning record: answers to knowledge checks, completed lessons, certificates."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.course import Course
    from lms.models.user import User


def new_certificate_code() -> str:
    """128 random bits, URL-safe: the code is the only secret of the public verification page."""
    return secrets.token_urlsafe(16)


class CheckAnswer(Base):
    """The latest answer of a user to a check: one row per user and check, whatever the clicks."""

    __tablename__ = "check_answers"
    __table_args__ = (UniqueConstraint("user_id", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    check_id: Mapped[int] = mapped_column(ForeignKey("knowledge_checks.id", ondelete="CASCADE"), index=True)
    response: Mapped[Any] = mapped_column(JSON)  # [indexes] or "text"
    correct: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    passed_at: Mapped[datetime | None]


class CheckAttempt(Base):
    """Every answer ever sent to a check, kept (CheckAnswer holds only the latest)."""

    __tablename__ = "check_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("knowledge_checks.id", ondelete="CASCADE"), index=True)
    response: Mapped[Any] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)


class LessonCompletion(Base):
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The lesson's content hash when it was completed: a later change is shown to the user.
    content_hash: Mapped[str] = mapped_column(String(64))


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("code"), UniqueConstraint("user_id", "course_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), default=new_certificate_code)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # Copied at issue time: the certificate says what was earned even if the course is renamed later.
    holder_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(200))
    course_version: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
