"""Write to the audit log in the caller's transaction (flush only; the request commits)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.models import AuditEvent, User


ACTION_WORDS = {
    "user": "Account", "partner": "Partner", "tier": "Tier", "booking": "Call", "availability": "Availability",
    "group_session": "Group session", "seat": "Seat", "lesson": "Lesson", "certificate": "Certificate",
    "checkin": "Check-in", "next_step": "Next step", "support": "Support request", "holiday": "Public holiday",
    "course": "Course", "path": "Learning path",
}


def action_label(action: str) -> str:
    """'user.invited' -> 'Account: invited'; 'booking.kickoff_booked' -> 'Call: kickoff booked'."""
    prefix, _, rest = action.partition(".")
    subject = ACTION_WORDS.get(prefix, prefix.replace("_", " ").capitalize())
    return f"{subject}: {rest.replace('_', ' ').replace('.', ' ')}" if rest else subject


def record(
    db: Session,
    actor: User | None,
    action: str,
    obj: Any,
    summary: str,
    *,
    partner_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Log `action` on `obj` by `actor`; `partner_id` puts it on that partner's timeline."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None),
        partner_id=partner_id,
        summary=summary,
        changes=changes,
    )
    db.add(event)
    db.flush()
    return event


def diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields of `values` that differ from `obj`, as {field: [old, new]} (JSON-friendly)."""
    changed: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [_plain(old), _plain(new)]
    return changed


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
