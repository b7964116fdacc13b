"""People who sign in, and the single-use tokens that let them set a password."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, utcnow

if TYPE_CHECKING:
    from lms.models.partner import Partner

ROLES = ("admin", "manager", "partner")
TOKEN_PURPOSES = ("invite", "reset")


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email"),
        # Emails are stored lower-cased, so the unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("role IN ('admin', 'manager', 'partner')", name="role_known"),
        CheckConstraint(
            "(role = 'partner' AND partner_id IS NOT NULL) OR (role <> 'partner' AND partner_id IS NULL)",
            name="partner_role_has_partner",
        ),
        CheckConstraint("NOT partner_admin OR role = 'partner'", name="partner_admin_is_partner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT", use_alter=True), index=True  # users <-> partners cycle
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A partner user who invites and deactivates colleagues and signs the partnership plan.
    partner_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Part of the Flask-Login id: rotating it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    partner: Mapped[Partner | None] = relationship(back_populates="users", foreign_keys=[partner_id])

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active

    # Not a column: the key of the signed-in session this object was loaded for (lms.accounts.service).
    session_key = None

    def get_id(self) -> str:
        """Flask-Login's id (in the session and remember-me cookies): user, password generation, session row."""
        return f"{self.id}:{self.session_token}:{self.session_key or ''}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def is_partner(self) -> bool:
        return self.role == "partner"

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class AccountToken(Base):
    """An invite or password-reset link; only the SHA-256 of the token is stored."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        CheckConstraint("purpose IN ('invite', 'reset')", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class UserSession(Base):
    """One signed-in browser (cookie session or remember-me cookie); signing out ends this one only.

    Its key is part of the Flask-Login id, so a copied cookie stops working once the row is ended.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(43))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
