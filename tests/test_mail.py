import smtplib

from flask import current_app
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
    # Tried once: the second run finds it waiting for its next attempt time (backoff).
    assert failed.sent_at is None and failed.attempts == 1 and "no such user" in failed.last_error
    assert failed.next_attempt_at is not None and failed.given_up_at is None


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


# Issue 9, item 1: one partner must not be able to stop the outgoing mail.
POISONED_SUBJECT = "Invoice question\r\nBcc: victim@evil.example"


def test_a_line_break_in_a_subject_never_reaches_a_header(app, db):
    message = _queue(db, "kim@example.com")
    message.subject = POISONED_SUBJECT
    email = build_email(message, "Portal <portal@example.com>")
    assert email["Bcc"] is None
    assert email["Subject"] == "Invoice question Bcc: victim@evil.example"
    assert "victim@evil.example" not in email.as_string().split("\n\n", 1)[0].replace(email["Subject"], "")


def test_a_message_that_cannot_be_built_is_given_up_and_the_others_go(app, db):
    broken = _queue(db, "broken@example.com", attachments=[{"filename": "x.ics", "content_type": "text/calendar"}])
    _queue(db, "a@example.com")
    _queue(db, "b@example.com")
    smtp = FakeSMTP()
    assert send_pending(db, lambda: smtp) == 2
    assert sorted(m["To"] for m in smtp.sent) == ["a@example.com", "b@example.com"]
    db.refresh(broken)
    assert broken.sent_at is None and broken.given_up_at is not None
    assert "cannot build" in broken.last_error
    assert send_pending(db, lambda: smtp) == 0  # given up: not tried again on every run


def test_mail_send_with_a_poisoned_row_delivers_the_rest_and_exits_0(app, db, runner, monkeypatch):
    first = _queue(db, "victim-of-subject@example.com")
    first.subject = POISONED_SUBJECT
    broken = _queue(db, "broken@example.com", attachments=[{"filename": "x.ics", "content_type": "text/calendar"}])
    for n in range(5):
        _queue(db, f"user{n}@example.com")
    db.commit()
    smtp = FakeSMTP()
    monkeypatch.setitem(current_app.config, "MAIL_SERVER", "smtp.example.com")  # the CLI runs in the pushed app
    monkeypatch.setattr("lms.mail.smtp_connector", lambda: (lambda: smtp))
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 6 message(s)." in result.output
    assert "victim-of-subject@example.com" in [m["To"] for m in smtp.sent]
    assert all(m["Bcc"] is None for m in smtp.sent)
    db.refresh(broken)
    assert broken.given_up_at is not None


# Issue 9, item 5: backoff, giving up after about a day, and the admins' retry.
def test_a_failing_message_backs_off_exponentially_and_gives_up_after_about_a_day(app, db):
    from datetime import timedelta

    from lms.mail import MAX_ATTEMPTS, RETRY_MAX_DELAY, retry_delay

    message = _queue(db, "bounce@example.com")
    smtp = FakeSMTP(fail_for={"bounce@example.com"})
    send_pending(db, lambda: smtp)
    first_wait = message.next_attempt_at
    assert send_pending(db, lambda: smtp) == 0 and message.attempts == 1  # a second run at once burns nothing
    message.next_attempt_at = first_wait - timedelta(hours=1)  # time passes
    send_pending(db, lambda: smtp)
    assert message.attempts == 2
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    total = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=20) <= total <= timedelta(hours=30) and retry_delay(40) == RETRY_MAX_DELAY
    while message.given_up_at is None:
        message.next_attempt_at = None
        send_pending(db, lambda: smtp)
    assert message.attempts == MAX_ATTEMPTS and message.sent_at is None


def test_admins_list_given_up_mail_and_retry_it(app, client, auth, make, db):
    from lms.models import AuditEvent
    from tests.factories import given_up_message

    message = given_up_message(db, "gone@example.com", "Your seat")
    auth.login_as(make.admin())
    page = client.get("/admin/mail").get_data(as_text=True)
    assert ">gone@example.com</td>" in page and "550 no such user" in page
    assert client.post(f"/admin/mail/{message.id}/retry").status_code == 302
    db.refresh(message)
    assert message.given_up_at is None and message.attempts == 0
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "mail.retried")).object_id == message.id
    assert ">gone@example.com</td>" not in client.get("/admin/mail").get_data(as_text=True)
    smtp = FakeSMTP()
    assert send_pending(db, lambda: smtp) == 1 and smtp.sent[0]["To"] == "gone@example.com"


@pytest.mark.parametrize("role", ["partner", "manager"])
def test_only_admins_see_undelivered_mail(client, auth, make, role):
    auth.login_as(make.user(role, partner=make.partner()) if role == "partner" else make.manager())
    assert client.get("/admin/mail").status_code == 403


def test_undelivered_mail_page_runs_a_constant_number_of_queries(app, client, auth, make, db, engine):
    from sqlalchemy import event

    from tests.factories import given_up_message

    auth.login_as(make.admin())

    def count_queries(rows):
        for n in range(rows):
            given_up_message(db, f"gone{n}@example.com")
        db.commit()
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/mail").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert count_queries(3) == count_queries(27)
