"""Self-paced courses: content synced from Markdown (courses, lessons, checks, figures) and tier paths."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.tier import Tier

COURSE_STATUSES = ("draft", "published")
CHECK_KINDS = ("single", "multiple", "text")


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("slug"),
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        CheckConstraint("estimated_minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[str] = mapped_column(String(40), default="1")
    # The database owns the status once the course exists: admins publish and unpublish it.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str] = mapped_column(String(16), default="portal")  # "portal" (courses/) or "carpentries"
    attribution: Mapped[str | None] = mapped_column(Text)  # licence and authors of imported material
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(120))
    # Percent of the lesson's knowledge-check questions to get right (front matter `pass_mark`).
    pass_mark: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    # Renumbered on every sync from the course's lesson order.
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Rendered and sanitised once, at sync time; large, so only loaded when a lesson is shown.
    body_html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    headings: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[level, id, text], ...]
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(back_populates="lessons")
    checks: Mapped[list[KnowledgeCheck]] = relationship(
        back_populates="lesson", order_by="KnowledgeCheck.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.slug}>"


class LessonVersion(Base):
    """One row per content hash a lesson has had, with what changed from the version before."""

    __tablename__ = "lesson_versions"
    __table_args__ = (UniqueConstraint("lesson_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # {"added": [heading...], "removed": [...], "words_added": n, "words_removed": n}; None for the first.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The words of this version, so the next version can be compared with it.
    words: Mapped[list[str]] = mapped_column(JSON, default=list, deferred=True)


class KnowledgeCheck(Base):
    """A question in a lesson. `answer` is the server's secret: it never goes to a template."""

    __tablename__ = "knowledge_checks"
    __table_args__ = (
        UniqueConstraint("lesson_id", "key"),
        CheckConstraint("kind IN ('single', 'multiple', 'text')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    prompt_html: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)  # choice texts, in order (HTML-safe text)
    # {"correct": [indexes]} for choices, {"accepted": [normalised texts]} for a short answer.
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation_html: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[Lesson] = relationship(back_populates="checks")


class CourseAsset(Base):
    """A figure of a course, stored in the database so every worker and host can serve it."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class LearningPathItem(Base):
    """A course a tier requires, at a position in that tier's path."""

    __tablename__ = "learning_path_items"
    __table_args__ = (
        UniqueConstraint("tier_id", "course_id"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    tier: Mapped[Tier] = relationship()
    course: Mapped[Course] = relationship()
