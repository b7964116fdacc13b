"""Registering endpoints, queueing deliveries (same transaction as the change) and sending them, signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import audit
from lms.errors import DomainError
from lms.models import User, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lms.models.webhook import WEBHOOK_EVENTS

SIGNATURE_HEADER = "X-Portal-Signature"
GIVE_UP_AFTER = timedelta(days=1)
BATCH = 100


class WebhookError(DomainError):
    field = None


def register_endpoint(db: Session, actor: User | None, url: str, events: list[str], secret: str | None) -> tuple[WebhookEndpoint, str]:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000 or any(c in url for c in "\r\n\x00 "):
        raise WebhookError("Enter an http(s) URL.", "url")
    chosen = [e for e in WEBHOOK_EVENTS if e in set(events or [])]
    if not chosen or len(chosen) != len(set(events)):
        raise WebhookError("Choose at least one event from the list.", "events")
    secret = (secret or "").strip() or secrets.token_urlsafe(32)
    if len(secret) < 16 or len(secret) > 200 or not secret.isprintable():
        raise WebhookError("The secret needs 16 to 200 printable characters (or leave it empty for a new one).",
                           "secret")
    endpoint = WebhookEndpoint(url=url, events=chosen, secret=secret, active=True)
    db.add(endpoint)
    db.flush()
    audit.record(db, actor, "webhooks.endpoint_created", endpoint, f"Webhook endpoint added: {url}")
    return endpoint, secret


def queue_event(db: Session, event: str, data: dict, now: datetime) -> int:
    """One pending delivery per active endpoint subscribed to `event` (flushes with the caller's change)."""
    endpoints = [e for e in db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
                 if event in (e.events or [])]
    for endpoint in endpoints:
        body = json.dumps({"event": event, "created_at": now.isoformat(), "data": data}, separators=(",", ":"),
                          default=str)
        db.add(WebhookDelivery(endpoint_id=endpoint.id, event=event, body=body, status="pending",
                               created_at=now, next_attempt_at=now))
    db.flush()
    return len(endpoints)


def sign(secret: str, timestamp: int, body: str) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex; sent as `t=<timestamp>,v1=<hex>`."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def http_post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (admin-registered http(s))
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most an hour between attempts."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def deliver(db: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime,
            post: Callable[[str, str, dict], int]) -> bool:
    timestamp = int(now.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": "partner-portal-webhooks",
               "X-Portal-Event": delivery.event, "X-Portal-Delivery": str(delivery.id),
               SIGNATURE_HEADER: f"t={timestamp},v1={sign(endpoint.secret, timestamp, delivery.body)}"}
    status, error = None, None
    try:
        status = post(endpoint.url, delivery.body, headers)
    except Exception as exc:  # refused, timeout, DNS: logged, retried later
        error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.attempts += 1
    delivery.last_status_code = status
    db.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=status, error=error))
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at = "delivered", now
        return True
    if now - delivery.created_at >= GIVE_UP_AFTER:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return False


def send_due(db: Session, now: datetime, post: Callable[[str, str, dict], int] = http_post) -> str:
    """Send every due pending delivery (idempotent: a delivered row is never sent again)."""
    due = list(db.execute(select(WebhookDelivery, WebhookEndpoint).join(WebhookEndpoint)
                          .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                          .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(BATCH)))
    sent = sum(deliver(db, delivery, endpoint, now, post) for delivery, endpoint in due)
    db.flush()
    return f"{sent} of {len(due)} webhook deliveries sent"


def redeliver(db: Session, actor: User | None, delivery: WebhookDelivery, now: datetime) -> None:
    """Send again (a copy of the same body), now and with a fresh day of retries."""
    copy = WebhookDelivery(endpoint_id=delivery.endpoint_id, event=delivery.event, body=delivery.body,
                           status="pending", created_at=now, next_attempt_at=now)
    db.add(copy)
    db.flush()
    audit.record(db, actor, "webhooks.redeliver", delivery, f"Webhook delivery {delivery.id} queued again")


def send_job(db: Session, now: datetime) -> str:
    return send_due(db, now)


def record_partner_stage(db: Session, partner_id: int | None, now: datetime) -> bool:
    """Compute the partner's funnel stage (the dashboard's rules) and, when it differs from the stage last
    recorded on the partner, store it and queue `partner.stage_changed` (from is null the first time)."""
    from lms.dashboard.service import NOT_INVITED, stages_and_health
    from lms.models import Partner

    partner = db.get(Partner, partner_id) if partner_id is not None else None
    if partner is None:
        return False
    standing = stages_and_health(db, select(Partner.id).where(Partner.id == partner.id), now)
    stage, health = standing[partner.id]
    stage = stage or NOT_INVITED
    if stage == partner.funnel_stage:
        return False
    previous, partner.funnel_stage = partner.funnel_stage, stage
    queue_event(db, "partner.stage_changed", {"partner": {"id": partner.id, "name": partner.name},
                                              "from": previous, "to": stage, "health": health.score}, now)
    return True
