"""A partner's timeline: every event in time order, newest first, from the audit log and domain records.

The audit log already carries the partner's story (invites, accepted invites, kickoff booked / held /
no-show, lessons, certificates, check-ins, support, tier and manager changes). Domain records add what
is not audited: each user's latest sign-in. Leads and surveys add their records here when they land.
One UNION query per page plus, with `count=True`, its total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session, aliased

from lms.activity import _as_utc
from lms.models import AuditEvent, User
from lms.pagination import Page, paginate

# How an audit action is grouped on the page (the CSS class and the short word before the text).
KIND_WORDS = {
    "user": "People", "booking": "Calls", "checkin": "Check-ins", "checkins": "Check-ins", "next_step": "Check-ins",
    "support": "Support", "lesson": "Learning", "certificate": "Learning", "partner": "Partner",
    "sign_in": "Sign-in",
}


@dataclass(frozen=True)
class Event:
    at: datetime
    action: str
    text: str
    actor: str | None

    @property
    def group(self) -> str:
        return KIND_WORDS.get(self.action.split(".", 1)[0], "Other")


def _audit(partner_id: int):
    actor = aliased(User)
    return (
        select(AuditEvent.occurred_at.label("at"), AuditEvent.action.label("action"),
               AuditEvent.summary.label("text"), actor.name.label("actor"), literal(1).label("source"),
               AuditEvent.id.label("row_id"))
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(AuditEvent.partner_id == partner_id)
    )


def _sign_ins(partner_id: int):
    return (
        select(User.last_login_at.label("at"), literal("sign_in.latest").label("action"),
               (User.name + literal(" signed in (latest sign-in)")).label("text"), User.name.label("actor"),
               literal(2).label("source"), User.id.label("row_id"))
        .where(User.partner_id == partner_id, User.last_login_at.is_not(None))
    )


SOURCES = [_audit, _sign_ins]


def partner_timeline(db: Session, partner_id: int, page: int, per_page: int = 30) -> Page[Event]:
    events = union_all(*(source(partner_id) for source in SOURCES)).subquery()
    stmt = select(events).order_by(events.c.at.desc(), events.c.source, events.c.row_id.desc())
    found = paginate(db, stmt, page, per_page=per_page, count=True, scalars=False)
    items = [Event(_as_utc(r.at), r.action, r.text, r.actor) for r in found.items]
    return Page(items=items, page=found.page, per_page=found.per_page, has_next=found.has_next, total=found.total)
