import smtplib

import pytest
from sqlalchemy import func, select

from lms.mail import build_email, queue_message, send_pending
from lms.models import OutboxMessage


class FakeSMTP:
    """Records what would have gone over the wire (smtplib's interface, no network)."""

    def __init__(self, fail_for=()):
        self.sent = []
        self.fail_for = set(fail_for)

    def send_message(self, message):
        if message["To"] in self.fail_for:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        self.sent.append(message)

    def quit(self):
        pass


def _queue(db, to, **kwargs):
    return queue_message(db, to, "Hello", "reset_password", user=type("U", (), {"name": "Kim"})(), link="http://x/y", hours=1, **kwargs)


def test_queue_renders_text_and_html(app, db):
    message = _queue(db, "kim@example.com")
    assert "Hello Kim" in message.body_text and "<a href=\"http://x/y\">" in message.body_html
    assert message.sent_at is None


def test_dedupe_key_makes_a_second_queue_a_no_op(app, db):
    assert _queue(db, "kim@example.com", dedupe_key="reminder:1") is not None
    assert _queue(db, "kim@example.com", dedupe_key="reminder:1") is None
    assert db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key == "reminder:1")) == 1


def test_send_pending_twice_sends_nothing_twice(app, db):
    _queue(db, "a@example.com")
    _queue(db, "b@example.com")
    _queue(db, "bounce@example.com")
    smtp = FakeSMTP(fail_for={"bounce@example.com"})
    assert send_pending(db, lambda: smtp) == 2
    assert send_pending(db, lambda: smtp) == 0
    assert sorted(m["To"] for m in smtp.sent) == ["a@example.com", "b@example.com"]
    failed = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "bounce@example.com"))
    assert failed.sent_at is None and failed.attempts == 2  # once per run and "no such user" in failed.last_error


def test_calendar_attachment_keeps_its_method(app, db):
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    message = _queue(db, "kim@example.com", attachments=[
        {"filename": "invite.ics", "content_type": "text/calendar; method=REQUEST", "content": ics}
    ])
    email = build_email(message, "Portal <portal@example.com>")
    parts = [p for p in email.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in parts[0].get_content()


def test_mail_send_command_needs_a_server(runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "MAIL_SERVER is not set" in result.output
