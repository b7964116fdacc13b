"""Email: rendered from templates into the outbox (and the log); `flask mail send` delivers by SMTP."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.forms import LINE_BREAKS
from lms.models import OutboxMessage

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


def send_pending(db: Session, connect: Callable[[], smtplib.SMTP], limit: int = 500) -> int:
    """Deliver unsent messages, each in its own transaction; returns how many were sent.

    Rows are locked with SKIP LOCKED on PostgreSQL, so two hosts running this at once never
    send the same message twice; a message is marked sent in the transaction that holds its lock.
    """
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    sent = 0
    smtp = None
    last_id = 0  # each message is tried at most once per run; a failure waits for the next run
    try:
        for _ in range(limit):
            message = db.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < 5, OutboxMessage.id > last_id)
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
                message.attempts += 1
                message.given_up_at = utcnow()
                message.last_error = f"cannot build the message: {error}"[:1000]
                db.commit()
                log.error("mail #%s to %s cannot be built, given up: %s", message.id, message.recipient, error)
                continue
            try:
                smtp = smtp or connect()
                smtp.send_message(email)
            except (smtplib.SMTPException, OSError) as error:
                message.attempts += 1
                message.last_error = str(error)[:1000]
                db.commit()
                log.warning("mail #%s to %s failed: %s", message.id, message.recipient, error)
                smtp = None
                continue
            message.attempts += 1
            message.sent_at = utcnow()
            db.commit()
            sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return sent


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
