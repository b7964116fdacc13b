"""What check-ins do when other features report something (receivers of lms/events.py signals)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import events
from lms.checkins import service
from lms.checkins.calendar import zone_of
from lms.models import Booking, CheckIn, Partner, User


def connect() -> None:
    events.kickoff_held.connect(on_kickoff_held)
    events.checkin_call_held.connect(on_checkin_call_held)


def on_kickoff_held(_sender, *, db: Session, actor: User, partner: Partner, now: datetime,
                    booking: Booking | None = None, steps: list = (), **_kwargs) -> None:
    """A kickoff (call or group seat) was held: plan the partner's check-ins from its tier (idempotent), and
    the next steps agreed at the call join the partner's one list of open steps."""
    service.plan_after_kickoff(db, actor, partner, now)
    if booking is not None and steps:
        service.add_call_steps(db, actor, booking, _step_inputs(steps),
                               booking.starts_at.astimezone(zone_of(actor)).date())


def _step_inputs(steps) -> list[service.StepInput]:
    return [service.StepInput(s.owner, s.text, s.due_on) for s in steps]


def on_checkin_call_held(_sender, *, db: Session, actor: User, booking: Booking, now: datetime,
                         steps: list = (), **_kwargs) -> None:
    """A check-in call was recorded held on the bookings pages: the planned check-in it was booked for is held.

    After a no-show the check-in simply stays planned (still due) and can be booked again.
    """
    checkin = db.scalar(select(CheckIn).where(CheckIn.booking_id == booking.id, CheckIn.status == "planned"))
    if checkin is None:
        return
    notes = booking.notes
    if booking.next_steps and not steps:
        notes = "\n\n".join(filter(None, [notes, f"Next steps: {booking.next_steps}"]))
    service.record_checkin(db, actor, checkin, held_on=booking.starts_at.astimezone(zone_of(actor)).date(),
                           notes=notes, steps=_step_inputs(steps), now=now)
