from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts import service
from lms.models import AccountToken, OutboxMessage, User
from lms.db import utcnow


def test_password_rules():
    assert service.password_problems("short", "a@example.com") == ["Use at least 12 characters."]
    assert "Do not use your email address as your password." in service.password_problems(
        "Someone@Example.com", "someone@example.com"
    )
    assert service.password_problems("aaaaaaaaaaaaaaa", "x@example.com") == ["Use more than a few different characters."]
    assert service.password_problems("a long enough sentence", "x@example.com") == []


def test_emails_are_unique_whatever_the_case(db, make):
    make.user("manager", email="anna@example.com")
    with pytest.raises(service.EmailTaken):
        service.create_user(db, None, email="ANNA@Example.com ", name="Anna Again", role="manager")


def test_database_refuses_duplicate_or_mixed_case_emails(db, make):
    make.user("manager", email="anna@example.com")
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.add(User(email="anna@example.com", name="Dup", role="manager", timezone="UTC"))
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.add(User(email="Bob@example.com", name="Mixed", role="manager", timezone="UTC"))


def test_authenticate(db, make):
    user = make.user("manager", email="m@example.com")
    assert service.authenticate(db, " M@Example.com", make.PASSWORD) == user
    assert user.last_login_at is not None
    with pytest.raises(service.InvalidCredentials):
        service.authenticate(db, "m@example.com", "wrong password here")
    with pytest.raises(service.InvalidCredentials):
        service.authenticate(db, "nobody@example.com", make.PASSWORD)
    user.active = False
    with pytest.raises(service.InvalidCredentials, match="deactivated"):
        service.authenticate(db, "m@example.com", make.PASSWORD)


def test_invite_stores_only_a_hash_and_mails_the_link(app, db, make):
    admin = make.admin()
    partner = make.partner()
    user = service.invite_user(db, admin, email="new@example.com", name="New Person", role="partner", partner=partner)
    token = db.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "new@example.com"))
    raw = mail.body_text.split("/invite/")[1].split()[0]
    assert token.token_hash == service.hash_token(raw) and raw not in token.token_hash
    assert token.expires_at - utcnow() > timedelta(days=6, hours=23)
    assert user.password_hash is None


def test_invite_is_single_use_and_expires(app, db, make):
    admin = make.admin()
    user = service.invite_user(db, admin, email="n@example.com", name="N", role="partner", partner=make.partner())
    raw = service.issue_token(db, user, "invite")
    service.accept_invite(db, raw, name="Nina", password="a good long passphrase", timezone="Europe/Paris")
    assert user.has_password and user.timezone == "Europe/Paris" and user.name == "Nina"
    with pytest.raises(service.TokenInvalid) as used:
        service.accept_invite(db, raw, name="Nina", password="another passphrase!", timezone="UTC")
    assert used.value.reason == "used"

    late = service.issue_token(db, user, "invite", now=utcnow() - timedelta(days=8))
    with pytest.raises(service.TokenInvalid) as expired:
        service.check_token(db, late, "invite")
    assert expired.value.reason == "expired"
    with pytest.raises(service.TokenInvalid) as unknown:
        service.check_token(db, "nope", "invite")
    assert unknown.value.reason == "unknown"


def test_weak_password_does_not_spend_the_invite(app, db, make):
    user = make.user("partner", password=None)
    raw = service.issue_token(db, user, "invite")
    with pytest.raises(service.WeakPassword):
        service.accept_invite(db, raw, name="X", password="short", timezone="UTC")
    assert service.check_token(db, raw, "invite").used_at is None
    assert user.password_hash is None


def test_reset_token_lasts_an_hour_and_changes_the_password(app, db, make):
    user = make.user("manager")
    old_session = user.session_token
    service.request_password_reset(db, user.email.upper())
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.email))
    raw = mail.body_text.split("/password/reset/")[1].split()[0]
    token = service.check_token(db, raw, "reset")
    assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)
    service.reset_password(db, raw, "brand new passphrase")
    assert service.authenticate(db, user.email, "brand new passphrase") == user
    assert user.session_token != old_session  # every other session is signed out


def test_reset_for_unknown_email_sends_nothing(app, db):
    before = db.scalar(select(func.count(OutboxMessage.id)))
    service.request_password_reset(db, "ghost@example.com")
    assert db.scalar(select(func.count(OutboxMessage.id))) == before


def test_deactivate_signs_out_and_cannot_target_self(db, make):
    admin, user = make.admin(), make.user("manager")
    token = user.session_token
    service.set_active(db, admin, user, False)
    assert not user.active and user.session_token != token
    with pytest.raises(service.AccountError):
        service.set_active(db, admin, admin, False)


def _reason(db, raw, purpose):
    with pytest.raises(service.TokenInvalid) as error:
        service.check_token(db, raw, purpose)
    return error.value.reason


def test_using_one_invite_link_ends_the_resent_one(app, db, make):
    """Issue 9, item 3: a second link must not let whoever holds it set the password again."""
    admin = make.admin()
    user = service.invite_user(db, admin, email="twice@example.com", name="T", role="manager")
    first, second = service.issue_token(db, user, "invite"), service.send_invite(db, admin, user)
    service.accept_invite(db, first, name="T", password="a good long passphrase", timezone="UTC")
    assert _reason(db, second, "invite") == "used"
    with pytest.raises(service.TokenInvalid):
        service.accept_invite(db, second, name="T", password="the attacker's passphrase", timezone="UTC")


def test_using_one_reset_link_ends_the_others(app, db, make):
    user = make.user("manager")
    first, second = service.issue_token(db, user, "reset"), service.issue_token(db, user, "reset")
    service.reset_password(db, second, "brand new passphrase")
    assert _reason(db, first, "reset") == "used"
    with pytest.raises(service.TokenInvalid):
        service.reset_password(db, first, "the attacker's passphrase")
    assert service.authenticate(db, user.email, "brand new passphrase") == user


def test_changing_the_password_ends_outstanding_reset_links(app, db, make):
    user = make.user("manager")
    raw = service.issue_token(db, user, "reset")
    service.change_password(db, user, make.PASSWORD, "another long passphrase")
    assert _reason(db, raw, "reset") == "used"
