"""What the leads feature adds to other pages through `lms.events` panels."""

from __future__ import annotations

from lms.events import Panel
from lms.leads.queries import overdue_decisions


def agenda_panel(sender, *, db, user, now, **_kwargs) -> Panel | None:
    """Registrations past the decision target, on the manager's agenda (3 queries whatever the count)."""
    overdue = overdue_decisions(db, user, now)
    if not overdue:
        return None
    return Panel(template="leads/_agenda_panel.html", context={"overdue": overdue[:20], "total": len(overdue)},
                 order=40)
