"""Email: rendered from templates into the outbox (and the log); `flask mail send` delivers by SMTP."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit
from lms.db import utcnow
from lms.forms import LINE_BREAKS
from lms.models import OutboxMessage
from lms.pagination import Page, paginate

log = logging.getLogger(__name__)


def absolute_url(endpoint: str, **values: Any) -> str:
    """A full link for an email, always from BASE_URL: never from the request, whose Host anyone can set."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def queue_message(
    db: Session,
    recipient: str,
    subject: str,
    template: str,
    *,
    attachments: list[dict[str, str]] | None = None,
    dedupe_key: str | None = None,
    **context: Any,
) -> OutboxMessage | None:
    """Render `templates/mail/<template>.txt` and `.html` into the outbox.

    With a `dedupe_key` already in the outbox nothing is added and None is returned, so a
    scheduled job that runs twice sends nothing twice.
    """
    if dedupe_key is not None:
        exists = db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if exists:
            return None
    context.setdefault("portal_name", current_app.config["PORTAL_NAME"])
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=render_template(f"mail/{template}.txt", **context),
        body_html=render_template(f"mail/{template}.html", **context),
        attachments=attachments,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is not None:
        # Two hosts may race past the check above: the unique key decides, quietly.
        try:
            with db.begin_nested():
                db.add(message)
        except IntegrityError:
            return None
    else:
        db.add(message)
        db.flush()
    log.info("mail queued #%s to %s: %s", message.id, recipient, subject)
    return message


def header_value(text: str) -> str:
    """One header line: every line break (and other control character) becomes a space.

    Subjects are built from names and subjects people typed; forms refuse line breaks in them
    (lms.forms.SingleLine), and this makes older rows and any other path safe too.
    """
    return " ".join("".join(" " if ord(c) < 32 or c in LINE_BREAKS or c == "\x7f" else c for c in text).split())


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = header_value(sender)
    email["To"] = header_value(message.recipient)
    email["Subject"] = header_value(message.subject)
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments or []:
        maintype, _, rest = attachment["content_type"].partition("/")
        subtype, _, params_text = rest.partition(";")
        params = dict(
            p.strip().split("=", 1) for p in params_text.split(";") if "=" in p
        )
        if maintype == "text":
            # text/calendar with its method= parameter is what makes mail clients offer "Accept".
            email.add_attachment(
                attachment["content"], subtype=subtype.strip(), filename=attachment["filename"], params=params
            )
        else:
            email.add_attachment(
                attachment["content"].encode(), maintype=maintype, subtype=subtype.strip(),
                filename=attachment["filename"],
            )
    return email


# A failing message is tried again after 1, 2, 4 ... minutes, then every 2 hours; after MAX_ATTEMPTS
# (about a day in all) it is given up and listed for admins (/admin/mail), who can retry it.
RETRY_FIRST_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=2)
MAX_ATTEMPTS = 18


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return min(RETRY_FIRST_DELAY * 2 ** min(attempts - 1, 20), RETRY_MAX_DELAY)


def _failed(message: OutboxMessage, error: str, now: datetime, *, permanent: bool = False) -> None:
    message.attempts += 1
    message.last_error = error[:1000]
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.given_up_at = now
        message.next_attempt_at = None
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)


def send_pending(db: Session, connect: Callable[[], smtplib.SMTP], limit: int = 500) -> int:
    """Deliver due messages, each in its own transaction; returns how many were sent.

    Rows are locked with SKIP LOCKED on PostgreSQL, so two hosts running this at once never
    send the same message twice; a message is marked sent (or given its next attempt time) in the
    transaction that holds its lock, so a second run finds it not yet due and cannot burn its tries.
    """
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    sent = 0
    smtp = None
    last_id = 0  # each message is tried at most once per run
    try:
        for _ in range(limit):
            now = utcnow()
            message = db.scalar(
                select(OutboxMessage)
                .where(
                    OutboxMessage.sent_at.is_(None), OutboxMessage.given_up_at.is_(None), OutboxMessage.id > last_id,
                    or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                )
                .order_by(OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if message is None:
                break
            last_id = message.id
            try:
                email = build_email(message, sender)
            except Exception as error:  # noqa: BLE001 - one unbuildable row must never stop the queue
                _failed(message, f"cannot build the message: {error}", now, permanent=True)
                db.commit()
                log.error("mail #%s to %s cannot be built, given up: %s", message.id, message.recipient, error)
                continue
            try:
                smtp = smtp or connect()
                smtp.send_message(email)
            except (smtplib.SMTPException, OSError) as error:
                _failed(message, str(error), now)
                db.commit()
                log.warning("mail #%s to %s failed (try %s): %s", message.id, message.recipient, message.attempts, error)
                smtp = None
                continue
            message.attempts += 1
            message.sent_at = utcnow()
            message.next_attempt_at = None
            db.commit()
            sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return sent


def given_up_messages(db: Session, page: int) -> Page:
    """Messages delivery stopped trying, newest first (the admin's list)."""
    return paginate(db, select(OutboxMessage).where(OutboxMessage.given_up_at.is_not(None))
                    .order_by(OutboxMessage.given_up_at.desc(), OutboxMessage.id.desc()), page)


def retry_message(db: Session, actor, message: OutboxMessage) -> bool:
    """Put a given-up message back in the queue with a fresh set of tries (audited); False if it was not given up."""
    if message.given_up_at is None or message.sent_at is not None:
        return False
    message.given_up_at = None
    message.next_attempt_at = None
    message.attempts = 0
    db.flush()
    audit.record(db, actor, "mail.retried", message,
                 f"Retried mail #{message.id} to {message.recipient}: {header_value(message.subject)}")
    return True


def smtp_connector() -> Callable[[], smtplib.SMTP]:
    config = current_app.config

    def connect() -> smtplib.SMTP:
        cls = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        smtp = cls(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return smtp

    return connect
