"""What the workspace does when other features speak: agendas on the record form, carry-over, the home page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lms.events import Panel
from lms.models import Partner, User
from lms.workspace import agenda, thread


def on_checkin_recorded(sender, *, db: Session, checkin, now: datetime, agenda_covered=(), **kwargs) -> None:
    agenda.checkin_recorded(db, checkin, list(agenda_covered), now)


def record_form_panel(sender, *, db: Session, user: User, partner: Partner, now: datetime, **kwargs) -> Panel:
    """The agenda inside the check-in record form: items to tick as covered, and the portal's proposals."""
    items = db.scalars(agenda.open_items(partner.id).limit(agenda.MAX_OPEN_ITEMS)).all()
    return Panel("workspace/_record_agenda.html",
                 {"agenda_items": items, "proposals": agenda.proposals(db, partner.id, now), "partner": partner}, order=10)


def home_panel(sender, *, db: Session, user: User, partner: Partner, now: datetime, **kwargs) -> Panel:
    unread = thread.unread_counts(db, user, [partner.id]).get(partner.id, 0)
    return Panel("workspace/_home_panel.html", {"unread": unread, "partner": partner}, order=45)
