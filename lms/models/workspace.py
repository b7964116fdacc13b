"""A partner's shared workspace: documents (and programme resources), the conversation, agenda items."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.checkin import CheckIn
    from lms.models.tier import Tier
    from lms.models.user import User

# Which tiers a programme resource is published to (none: every tier).
document_tiers = Table(
    "document_tiers",
    Base.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("tier_id", ForeignKey("tiers.id", ondelete="CASCADE"), primary_key=True),
)


class Document(Base):
    """A partner's document (partner_id set) or a programme-wide resource an admin publishes (partner_id NULL)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    tiers: Mapped[list[Tier]] = relationship(secondary=document_tiers, lazy="raise", order_by="Tier.rank")
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number.desc()", lazy="raise",
        cascade="all, delete-orphan",
    )

    @property
    def is_resource(self) -> bool:
        return self.partner_id is None


class DocumentVersion(Base):
    """The bytes of one upload, stored in the database so every web host serves the same file."""

    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))  # sniffed from the bytes, never the browser's word
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions", lazy="raise")


class Post(Base):
    """A message in a partner's conversation with its manager: plain text."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120))
    author_side: Mapped[str] = mapped_column(String(16))  # "partner" or "vendor"
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("author_side IN ('partner', 'vendor')", name="side_known"),)


class ThreadRead(Base):
    """How far a person has read a partner's conversation (the unread marker)."""

    __tablename__ = "thread_reads"
    __table_args__ = (UniqueConstraint("user_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    last_read_post_id: Mapped[int] = mapped_column(Integer, default=0)


class AgendaItem(Base):
    """Something either side wants to discuss at the next check-in; open until a check-in covers it.

    Behind-target goals and open next steps are proposed beside these automatically (computed, not stored)."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("covered_checkin_id IS NULL OR covered_at IS NOT NULL", name="covered_has_checkin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    carried_over: Mapped[int] = mapped_column(Integer, default=0)  # check-ins it was not covered at
    covered_at: Mapped[datetime | None]
    covered_checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))

    covered_checkin: Mapped[CheckIn | None] = relationship(lazy="raise")
    added_by: Mapped[User | None] = relationship(lazy="raise")
