"""The lead's history: one row per change (who, when, what, from, to, why). Rows are only ever added."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lms.models import Lead, LeadEvent, User


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def add_event(db: Session, lead: Lead, actor: User | None, kind: str, now: datetime, *, field: str | None = None,
              old: Any = None, new: Any = None, note: str | None = None) -> LeadEvent:
    event = LeadEvent(lead_id=lead.id, actor_id=actor.id if actor is not None else None, at=now, kind=kind,
                      field=field, from_value=_text(old), to_value=_text(new), note=note)
    db.add(event)
    return event


def set_status(db: Session, lead: Lead, actor: User | None, status: str, now: datetime, *, note: str | None = None,
               kind: str = "status") -> str:
    """Move `lead` to `status`, with its history row; returns the status it had."""
    old = lead.status
    lead.status = status
    add_event(db, lead, actor, kind, now, field="status", old=old, new=status, note=note)
    return old
