"""API token factories (through the real service: hashed, audited)."""

from __future__ import annotations

from lms.api.tokens import create_token
from lms.models import ApiToken, Partner


def token(db, scope: str = "read", partner: Partner | None = None, name: str = "CRM") -> tuple[ApiToken, str]:
    return create_token(db, None, name, scope, partner.id if partner is not None else None)


def bearer(secret: str, **headers) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


def foreign_values(db, other_partner: Partner) -> dict[str, object]:
    """For tests/test_authorization.py: an API token of organisation B and a webhook delivery (admin-only pages)."""
    from lms.db import utcnow
    from lms.webhooks.service import queue_event, register_endpoint

    api_token, _secret = token(db, "read", other_partner, name="Zebra token")
    register_endpoint(db, None, "https://crm.example/hook", ["lead.created"], None)
    queue_event(db, "lead.created", {"partner": other_partner.name}, utcnow())
    from sqlalchemy import select

    from lms.models import WebhookDelivery

    delivery = db.scalar(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()))
    return {"token_id": api_token.id, "delivery_id": delivery.id}  # both admin-only pages
