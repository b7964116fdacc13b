"""Account rules: sign-in, invites, password resets and changes, deactivation.

Functions flush and never commit; the view (or command) that calls them commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lms import audit
from lms.db import get_db, utcnow
from lms.errors import DomainError
from lms.mail import absolute_url, queue_message
from lms.models import AccountToken, Partner, User, UserSession
from lms.models.user import new_session_token

ROLE_LABELS = {"admin": "admin", "manager": "partner manager", "partner": "partner user"}
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# Checked when the email is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountError(DomainError):
    """Base of the account rules' errors."""

    field = "email"


class InvalidCredentials(AccountError):
    field = "password"


class EmailTaken(AccountError):
    field = "email"


class WeakPassword(AccountError):
    field = "password"


class WrongPassword(AccountError):
    field = "current_password"


class TokenInvalid(AccountError):
    """An invite or reset link that is unknown, expired or already used."""

    def __init__(self, reason: str):
        messages = {
            "unknown": "This link is not valid. Check that you copied the whole link from the email.",
            "expired": "This link has expired.",
            "used": "This link has already been used.",
        }
        super().__init__(messages[reason])
        self.reason = reason


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA zone names offered to users (the zoneinfo database), sorted."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


COMMON_TIMEZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam",
    "Europe/Stockholm", "Europe/Warsaw", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/Toronto", "America/Sao_Paulo", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore",
    "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
)


def _zone_label(name: str) -> str:
    return name.partition("/")[2].replace("_", " ").replace("/", " / ") or name


@cache
def timezone_groups() -> dict[str, list[tuple[str, str]]]:
    """Zones for a select: common ones first (labelled with the full name), then the rest by region."""
    names = timezone_names()
    groups: dict[str, list[tuple[str, str]]] = {
        "Common time zones": [(n, n.replace("_", " ")) for n in COMMON_TIMEZONES if n in names]}
    for name in names:
        if name in COMMON_TIMEZONES:  # once in the list, so the select shows one chosen option
            continue
        region = name.partition("/")[0]
        groups.setdefault(region, []).append((name, _zone_label(name)))
    return {group: sorted(items, key=lambda item: item[1]) if group != "Common time zones" else items
            for group, items in groups.items()}


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id names the user, their session token (rotated by a password change or
    deactivation: every device signs out) and the session row (ended by signing out: this device only)."""
    ident, token, key = (user_id.split(":") + ["", ""])[:3]
    if not ident.isdigit() or len(ident) > 10 or not token or not key:
        return None
    user = get_db().scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(ident), UserSession.key == key, UserSession.ended_at.is_(None))
    )
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    user.session_key = key
    return user


def start_session(db: Session, user: User) -> None:
    """A new signed-in session for this browser; its key goes into the cookies through `user.get_id()`."""
    user.session_key = secrets.token_urlsafe(32)
    db.add(UserSession(key=user.session_key, user_id=user.id))
    db.flush()


def end_session(db: Session, user: User) -> None:
    """Sign this browser out on the server: copies of its session or remember-me cookie stop working."""
    if user.session_key:
        db.execute(
            update(UserSession).where(UserSession.key == user.session_key, UserSession.ended_at.is_(None))
            .values(ended_at=utcnow()).execution_options(synchronize_session=False)
        )


def find_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(db: Session, email: str, password: str) -> User:
    user = find_user_by_email(db, email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        raise InvalidCredentials("That email and password do not match an account.")
    if not check_password_hash(user.password_hash, password):
        raise InvalidCredentials("That email and password do not match an account.")
    if not user.active:
        raise InvalidCredentials("This account has been deactivated. Ask your partner manager to restore it.")
    user.last_login_at = utcnow()
    db.flush()
    return user


def password_problems(password: str, email: str) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    folded = password.strip().lower()
    local_part = normalize_email(email).split("@")[0]
    if folded == normalize_email(email) or (len(local_part) >= 4 and folded == local_part):
        problems.append("Do not use your email address as your password.")
    if password and len(set(password)) < 4:
        problems.append("Use more than a few different characters.")
    return problems


def set_password(db: Session, user: User, password: str, *, keep_token: AccountToken | None = None) -> None:
    """Hash and store a new password; signs the user out of every other session and ends every
    outstanding invite and reset link (but `keep_token`, the one being used now)."""
    problems = password_problems(password, user.email)
    if problems:
        raise WeakPassword(" ".join(problems))
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.session_token = new_session_token()
    db.flush()
    _end_outstanding_tokens(db, user, except_id=keep_token.id if keep_token else None)


def _end_outstanding_tokens(db: Session, user: User, *, except_id: int | None = None) -> None:
    # A second invite or reset link must not let whoever holds it set the password again.
    query = update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
    if except_id is not None:
        query = query.where(AccountToken.id != except_id)
    db.execute(query.values(used_at=utcnow()).execution_options(synchronize_session=False))


def issue_token(db: Session, user: User, purpose: str, now: datetime | None = None) -> str:
    """Create a single-use link token; returns the raw token (only its hash is stored)."""
    now = now or utcnow()
    if purpose == "invite":
        lifetime = timedelta(days=current_app.config["INVITE_TOKEN_DAYS"])
    else:
        lifetime = timedelta(hours=current_app.config["RESET_TOKEN_HOURS"])
    raw = secrets.token_urlsafe(32)
    db.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=hash_token(raw), expires_at=now + lifetime))
    db.flush()
    return raw


def check_token(db: Session, raw: str, purpose: str, now: datetime | None = None) -> AccountToken:
    """The live token for `raw`, or TokenInvalid saying why not."""
    now = now or utcnow()
    token = db.scalar(
        select(AccountToken).where(AccountToken.token_hash == hash_token(raw), AccountToken.purpose == purpose)
    )
    if token is None or not token.user.active:
        raise TokenInvalid("unknown")
    if token.used_at is not None:
        raise TokenInvalid("used")
    if token.expires_at <= now:
        raise TokenInvalid("expired")
    return token


def _use_token(db: Session, token: AccountToken, now: datetime) -> None:
    # The conditional update is the single-use guarantee when two tabs submit at once.
    result = db.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TokenInvalid("used")
    db.refresh(token)


def create_user(
    db: Session,
    actor: User | None,
    *,
    email: str,
    name: str,
    role: str,
    partner: Partner | None = None,
    timezone: str = "UTC",
    phone: str | None = None,
    password: str | None = None,
) -> User:
    email = normalize_email(email)
    if find_user_by_email(db, email) is not None:
        raise EmailTaken("An account with this email already exists.")
    user = User(
        email=email, name=name.strip(), role=role, partner_id=partner.id if partner else None,
        timezone=timezone, phone=phone or None,
    )
    try:
        with db.begin_nested():
            db.add(user)
    except IntegrityError:
        raise EmailTaken("An account with this email already exists.") from None
    if password is not None:
        set_password(db, user, password)
        user.activated_at = utcnow()
    where = f" at {partner.name}" if partner else ""
    audit.record(
        db, actor, "user.created", user, f"Created {ROLE_LABELS[role]} {name} <{email}>{where}",
        partner_id=partner.id if partner else None,
    )
    return user


def send_invite(db: Session, actor: User | None, user: User) -> str:
    """(Re)send the invite email with a fresh 7-day single-use link; returns the raw token."""
    raw = issue_token(db, user, "invite")
    queue_message(
        db, user.email, f"You are invited to the {current_app.config['PORTAL_NAME']}", "invite",
        user=user, inviter=actor, link=absolute_url("accounts.accept_invite", token=raw),
        days=current_app.config["INVITE_TOKEN_DAYS"],
    )
    audit.record(db, actor, "user.invited", user, f"Sent an invite to {user.email}", partner_id=user.partner_id)
    return raw


def may_know_account(actor: User, user: User) -> bool:
    """Whether `actor` may learn that `user` exists: admins, and managers of the user's organisation."""
    if actor.is_admin:
        return True
    return actor.is_manager and user.partner is not None and user.partner.manager_id == actor.id


def invite_user(
    db: Session, actor: User, *, email: str, name: str, role: str, partner: Partner | None = None,
    timezone: str | None = None, phone: str | None = None,
) -> User | None:
    """Create the account and mail its invite. None when the address already has an account the actor
    may not know about (another organisation's): nothing changes, and the caller answers as for a sent
    invite, so inviting never tells a manager whether an email is registered elsewhere."""
    existing = find_user_by_email(db, email)
    if existing is not None and not may_know_account(actor, existing):
        audit.record(
            db, actor, "user.invite_withheld", existing,
            f"{actor.email} tried to invite {existing.email}, who has an account elsewhere; nothing was sent",
        )
        return None
    user = create_user(
        db, actor, email=email, name=name, role=role, partner=partner,
        timezone=timezone or actor.timezone, phone=phone,
    )
    send_invite(db, actor, user)
    return user


def accept_invite(db: Session, raw: str, *, name: str, password: str, timezone: str) -> User:
    now = utcnow()
    token = check_token(db, raw, "invite", now)
    user = token.user
    set_password(db, user, password, keep_token=token)  # raises WeakPassword before the token is spent
    _use_token(db, token, now)
    user.name = name.strip()
    user.timezone = timezone
    user.activated_at = user.activated_at or now
    audit.record(db, user, "user.activated", user, f"{user.email} accepted the invite", partner_id=user.partner_id)
    return user


def request_password_reset(db: Session, email: str) -> None:
    """Email a reset link if the address belongs to an active account; say nothing either way."""
    user = find_user_by_email(db, email)
    if user is None or not user.active:
        return
    raw = issue_token(db, user, "reset")
    queue_message(
        db, user.email, "Reset your password", "reset_password",
        user=user, link=absolute_url("accounts.reset_password", token=raw),
        hours=current_app.config["RESET_TOKEN_HOURS"],
    )


def reset_password(db: Session, raw: str, password: str) -> User:
    now = utcnow()
    token = check_token(db, raw, "reset", now)
    user = token.user
    set_password(db, user, password, keep_token=token)
    _use_token(db, token, now)
    user.activated_at = user.activated_at or now
    audit.record(db, user, "user.password_reset", user, f"{user.email} reset their password", partner_id=user.partner_id)
    return user


def change_password(db: Session, user: User, current: str, new: str) -> None:
    if user.password_hash is None or not check_password_hash(user.password_hash, current):
        raise WrongPassword("That is not your current password.")
    set_password(db, user, new)
    audit.record(db, user, "user.password_changed", user, f"{user.email} changed their password", partner_id=user.partner_id)


def update_profile(db: Session, user: User, *, name: str, timezone: str, phone: str | None) -> None:
    values = {"name": name.strip(), "timezone": timezone, "phone": (phone or "").strip() or None}
    changes = audit.diff(user, values)
    if not changes:
        return
    for field, value in values.items():
        setattr(user, field, value)
    audit.record(
        db, user, "user.profile_updated", user, f"{user.email} updated their profile ({', '.join(changes)})",
        partner_id=user.partner_id, changes=changes,
    )


def set_active(db: Session, actor: User, user: User, active: bool) -> None:
    """Deactivate (signs them out everywhere, blocks sign-in) or reactivate an account."""
    if user.id == actor.id:
        raise AccountError("You cannot deactivate your own account.")
    if user.active == active:
        return
    user.active = active
    user.session_token = new_session_token()
    verb = "reactivated" if active else "deactivated"
    audit.record(db, actor, f"user.{verb}", user, f"{verb.capitalize()} {user.email}", partner_id=user.partner_id)
