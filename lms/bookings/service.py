"""Booking rules: availability, 1:1 calls (kickoff, check-in), group sessions and seats.

Every function takes the session and the acting user explicitly, raises a `BookingError` with a
message (and the form field it belongs to), writes the audit log (on the partner's timeline), and
only flushes: the caller commits once. The database has the last word on double bookings: the
partial unique indexes on `bookings` and `session_seats` and the seat counter's CHECK constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from lms import audit, events
from lms.bookings import ical
from lms.bookings.slots import Rules, Slot, Window, compute_slots
from lms.db import utcnow
from lms.errors import DomainError
from lms.mail import absolute_url, queue_message
from lms.models import (
    Availability,
    AvailabilityWindow,
    Booking,
    CheckIn,
    DayOff,
    GroupSession,
    Partner,
    SessionSeat,
    User,
)
from lms.models.availability import new_feed_token
from lms.models.booking import LIVE_STATUSES

KIND_LABELS = {"kickoff": "Kickoff call", "checkin": "Check-in call"}
OUTCOMES = {"held": "Held", "no_show": "No-show"}
TAKEN_MESSAGE = "That time was just taken by someone else. Please pick another."
FULL_MESSAGE = "The last seat of that session was just taken. Please pick another session."


class BookingError(DomainError):
    field = "starts_at"


class SlotTaken(BookingError):
    """The time is no longer free (someone else booked it first, or it was never offered)."""


class SessionFull(BookingError):
    """No seat left in the session."""


class TooLate(BookingError):
    """Inside the notice limit: the partner must contact the manager instead."""


@dataclass(frozen=True)
class KickoffState:
    """What a partner's onboarding call looks like right now (for the home page and the detail panel)."""

    group: bool
    booking: Booking | None = None
    seat: SessionSeat | None = None
    last_no_show: bool = False
    no_times: bool = False  # the manager has published no availability yet: nothing to book

    @property
    def held(self) -> bool:
        item = self.booking or self.seat
        return item is not None and item.status == "held"


# --- availability ---------------------------------------------------------------------------------

def get_availability(db: Session, manager_id: int) -> Availability | None:
    return db.scalar(select(Availability).where(Availability.manager_id == manager_id))


def windows_of(db: Session, manager_id: int) -> list[AvailabilityWindow]:
    return list(
        db.scalars(
            select(AvailabilityWindow)
            .where(AvailabilityWindow.manager_id == manager_id)
            .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)
        )
    )


def days_off_of(db: Session, manager_id: int, since: date | None = None) -> list[DayOff]:
    query = select(DayOff).where(DayOff.manager_id == manager_id)
    if since is not None:
        query = query.where(DayOff.last_day >= since)
    return list(db.scalars(query.order_by(DayOff.first_day)))


def _clean_link(url: str | None) -> str | None:
    """A joining link partners click: only http(s), never javascript: or data: (it lands in an href)."""
    url = (url or "").strip() or None
    if url is not None and urlsplit(url).scheme.lower() not in ("http", "https"):
        raise BookingError("Enter a web link starting with https://.", field="meeting_url")
    return url


def _check_windows(windows: list[Window]) -> None:
    by_day: dict[int, list[Window]] = {}
    for window in windows:
        if not (0 <= window.start_minute < window.end_minute <= 1440):
            raise BookingError("A window must end after it starts.", field=f"day_{window.weekday}")
        by_day.setdefault(window.weekday, []).append(window)
    for weekday, day_windows in by_day.items():
        day_windows.sort(key=lambda w: w.start_minute)
        for earlier, later in zip(day_windows, day_windows[1:]):
            if later.start_minute < earlier.end_minute:
                raise BookingError("Windows on the same day must not overlap.", field=f"day_{weekday}")


def save_availability(
    db: Session, actor: User, manager: User, *, timezone: str, slot_minutes: int, buffer_before_minutes: int,
    buffer_after_minutes: int, min_notice_hours: int, horizon_days: int, meeting_url: str | None,
    windows: list[Window],
) -> Availability:
    """Replace the manager's availability. Existing bookings are never moved or deleted."""
    try:
        ZoneInfo(timezone)
    except (KeyError, ValueError):
        raise BookingError("Choose a time zone from the list.", field="timezone") from None
    if not 15 <= slot_minutes <= 120:
        raise BookingError("A call lasts between 15 and 120 minutes.", field="slot_minutes")
    _check_windows(windows)
    availability = get_availability(db, manager.id)
    values = {
        "timezone": timezone, "slot_minutes": slot_minutes, "buffer_before_minutes": buffer_before_minutes,
        "buffer_after_minutes": buffer_after_minutes, "min_notice_hours": min_notice_hours,
        "horizon_days": horizon_days, "meeting_url": _clean_link(meeting_url),
    }
    if availability is None:
        availability = Availability(manager_id=manager.id, **values)
        db.add(availability)
        changes = {k: [None, v] for k, v in values.items()}
    else:
        changes = audit.diff(availability, values)
        for key, value in values.items():
            setattr(availability, key, value)
    old = [(w.weekday, w.start_minute, w.end_minute) for w in windows_of(db, manager.id)]
    new = sorted((w.weekday, w.start_minute, w.end_minute) for w in windows)
    if old != new:
        db.execute(delete(AvailabilityWindow).where(AvailabilityWindow.manager_id == manager.id))
        db.add_all(AvailabilityWindow(manager_id=manager.id, weekday=d, start_minute=s, end_minute=e) for d, s, e in new)
        changes["windows"] = [len(old), len(new)]
    db.flush()
    if changes:
        audit.record(db, actor, "availability.updated", availability, f"Updated availability of {manager.name}",
                     changes=changes)
    return availability


def add_day_off(db: Session, actor: User, manager: User, first_day: date, last_day: date | None,
                note: str | None = None) -> DayOff:
    last_day = last_day or first_day
    if last_day < first_day:
        raise BookingError("The last day cannot be before the first day.", field="last_day")
    day_off = DayOff(manager_id=manager.id, first_day=first_day, last_day=last_day, note=(note or "").strip() or None)
    db.add(day_off)
    db.flush()
    span = first_day.isoformat() if first_day == last_day else f"{first_day.isoformat()} to {last_day.isoformat()}"
    audit.record(db, actor, "availability.day_off_added", day_off, f"{manager.name} is off {span}")
    return day_off


def remove_day_off(db: Session, actor: User, day_off: DayOff) -> None:
    audit.record(db, actor, "availability.day_off_removed", day_off,
                 f"Removed day off {day_off.first_day.isoformat()} to {day_off.last_day.isoformat()}")
    db.delete(day_off)
    db.flush()


def rules_for(db: Session, availability: Availability) -> Rules:
    return Rules(
        zone=availability.manager.timezone or "UTC",  # one zone per manager: the profile's, never a second one
        slot_minutes=availability.slot_minutes,
        windows=tuple(Window(w.weekday, w.start_minute, w.end_minute) for w in windows_of(db, availability.manager_id)),
        buffer_before_minutes=availability.buffer_before_minutes,
        buffer_after_minutes=availability.buffer_after_minutes,
        min_notice_hours=availability.min_notice_hours,
        horizon_days=availability.horizon_days,
        days_off=tuple((d.first_day, d.last_day) for d in days_off_of(db, availability.manager_id)),
    )


def manager_busy(db: Session, manager_id: int, start: datetime, end: datetime,
                 exclude_booking_id: int | None = None) -> list[tuple[datetime, datetime]]:
    """The manager's live calls and scheduled group sessions that touch [start, end)."""
    calls = select(Booking.starts_at, Booking.ends_at).where(
        Booking.manager_id == manager_id, Booking.status.in_(LIVE_STATUSES),
        Booking.ends_at > start, Booking.starts_at < end,
    )
    if exclude_booking_id is not None:
        calls = calls.where(Booking.id != exclude_booking_id)
    sessions = select(GroupSession.starts_at, GroupSession.ends_at).where(
        GroupSession.manager_id == manager_id, GroupSession.status == "scheduled",
        GroupSession.ends_at > start, GroupSession.starts_at < end,
    )
    return [(s, e) for s, e in db.execute(calls)] + [(s, e) for s, e in db.execute(sessions)]


def free_slots(db: Session, manager_id: int, now: datetime | None = None,
               exclude_booking_id: int | None = None) -> list[Slot]:
    """The manager's bookable slots right now (empty when no availability is published)."""
    availability = get_availability(db, manager_id)
    if availability is None:
        return []
    now = now or utcnow()
    rules = rules_for(db, availability)
    pad = timedelta(minutes=rules.buffer_before_minutes + rules.buffer_after_minutes + rules.slot_minutes)
    busy = manager_busy(db, manager_id, now - pad, now + timedelta(days=rules.horizon_days) + pad, exclude_booking_id)
    return compute_slots(rules, busy, now)


def rotate_feed_token(db: Session, actor: User, manager: User) -> Availability:
    """A new secret feed URL; the old one stops working at once."""
    availability = get_availability(db, manager.id)
    if availability is None:
        raise BookingError("Publish your availability first.", field="feed")
    had = availability.feed_token is not None
    availability.feed_token = new_feed_token()
    db.flush()
    audit.record(db, actor, "availability.feed_rotated" if had else "availability.feed_created", availability,
                 f"{'Replaced' if had else 'Created'} the calendar feed URL of {manager.name}")
    return availability


def revoke_feed_token(db: Session, actor: User, manager: User) -> None:
    availability = get_availability(db, manager.id)
    if availability is None or availability.feed_token is None:
        return
    availability.feed_token = None
    db.flush()
    audit.record(db, actor, "availability.feed_revoked", availability, f"Turned off the calendar feed of {manager.name}")


def feed_owner(db: Session, token: str) -> Availability | None:
    if not token:
        return None
    return db.scalar(select(Availability).where(Availability.feed_token == token))


# --- 1:1 calls --------------------------------------------------------------------------------------

def live_kickoff(db: Session, partner_id: int) -> Booking | None:
    return db.scalar(
        select(Booking).where(Booking.partner_id == partner_id, Booking.kind == "kickoff",
                              Booking.status.in_(LIVE_STATUSES))
    )


def kickoff_state(db: Session, partner: Partner) -> KickoffState:
    """The partner's kickoff (a call, or a seat in a group session): one query for the live one, or else
    the latest, whose status tells whether the partner missed it."""
    if partner.tier.is_group_onboarding:
        live = case((SessionSeat.status.in_(LIVE_STATUSES), 0), else_=1)
        seat = db.scalar(
            select(SessionSeat).where(SessionSeat.partner_id == partner.id)
            .order_by(live, SessionSeat.id.desc()).limit(1).options(joinedload(SessionSeat.session))
        )
        current = seat if seat is not None and seat.status in LIVE_STATUSES else None
        return KickoffState(group=True, seat=current,
                            last_no_show=current is None and seat is not None and seat.status == "no_show")
    live = case((Booking.status.in_(LIVE_STATUSES), 0), else_=1)
    latest = db.scalar(
        select(Booking).where(Booking.partner_id == partner.id, Booking.kind == "kickoff")
        .order_by(live, Booking.id.desc()).limit(1)
    )
    booking = latest if latest is not None and latest.status in LIVE_STATUSES else None
    no_times = booking is None and get_availability(db, partner.manager_id) is None
    return KickoffState(group=False, booking=booking,
                        last_no_show=booking is None and latest is not None and latest.status == "no_show",
                        no_times=no_times)


def ask_for_availability(db: Session, partner: Partner) -> None:
    """Tell the manager, once, that a partner wants to book but no times are published."""
    manager = partner.manager
    if not manager.active:
        return
    queue_message(
        db, manager.email, "A partner is waiting for your kickoff times", "availability_requested",
        dedupe_key=f"availability-requested:{manager.id}", manager=manager, partner=partner,
        link=absolute_url("bookings.availability"),
    )


def change_notice(availability: Availability | None) -> timedelta:
    """How long before its start a call can still be moved or cancelled online."""
    return timedelta(hours=availability.min_notice_hours if availability is not None else 24)


def _lock_manager_calendar(db: Session, manager_id: int) -> Availability | None:
    """Serialise bookings of one manager (row lock on PostgreSQL; SQLite writers are serial already)."""
    return db.scalar(select(Availability).where(Availability.manager_id == manager_id).with_for_update())


def _meeting(booking: Booking, *attendees: User | None) -> ical.Meeting:
    manager, partner = booking.manager, booking.partner
    label = KIND_LABELS[booking.kind]
    description = f"{label} between {partner.name} and {manager.name}."
    if booking.meeting_url:
        description += f"\nJoin: {booking.meeting_url}"
    description += f"\nDetails, reschedule or cancel: {absolute_url('bookings.call', booking_id=booking.id)}"
    people = tuple(ical.Person(a.name, a.email) for a in attendees if a is not None)
    return ical.Meeting(
        uid=booking.uid, sequence=booking.sequence, starts_at=booking.starts_at, ends_at=booking.ends_at,
        summary=f"{label}: {partner.name} with {manager.name}", description=description,
        organizer=ical.Person(manager.name, manager.email), attendees=people, location=booking.meeting_url,
        cancelled=booking.status == "cancelled",
    )


def call_meeting(booking: Booking) -> ical.Meeting:
    """The call as the emailed invite describes it (same UID, SEQUENCE and attendees), for the download."""
    return _meeting(booking, *_partner_people(booking.booked_by, None))


def has_feed(db: Session, manager_id: int) -> bool:
    """Whether the manager subscribed a calendar feed (so 'your feed shows this call' is true)."""
    availability = get_availability(db, manager_id)
    return availability is not None and availability.feed_token is not None


def _notify_call(db: Session, booking: Booking, actor: User, change: str) -> None:
    """Mail the invite (or its update / cancellation) to the attendee and a note to the manager."""
    recipients = _partner_people(booking.booked_by, actor)
    files = [ical.attachment(_meeting(booking, *recipients))]
    label = KIND_LABELS[booking.kind]
    subjects = {"booked": f"{label} booked", "rescheduled": f"{label} moved", "cancelled": f"{label} cancelled"}
    for user in recipients:
        queue_message(
            db, user.email, f"{subjects[change]}: {booking.partner.name} with {booking.manager.name}",
            "booking_update", attachments=files, booking=booking, change=change, label=label, person=user,
            zone=user.timezone, link=absolute_url("bookings.call", booking_id=booking.id),
        )
    manager = booking.manager
    if manager.active and actor.id != manager.id:
        queue_message(
            db, manager.email, f"{subjects[change]}: {booking.partner.name}", "booking_manager_notice",
            booking=booking, change=change, label=label, actor=actor, zone=manager.timezone,
            link=absolute_url("bookings.call", booking_id=booking.id), has_feed=has_feed(db, manager.id),
        )


def _check_actor_for_partner(actor: User, partner: Partner) -> None:
    if actor.is_partner and actor.partner_id != partner.id:
        raise BookingError("You can only book for your own organisation.")
    if actor.is_manager and partner.manager_id != actor.id:
        raise BookingError("Only the partner's own manager can book for it.")


def _insert_call(db: Session, booking: Booking) -> None:
    """Insert (or move) a call; the unique indexes turn a race into a clear message."""
    try:
        with db.begin_nested():
            db.add(booking)
            db.flush()
    except IntegrityError:
        if booking.kind == "kickoff" and live_kickoff(db, booking.partner_id) is not None:
            raise BookingError("Your organisation already has a kickoff call booked; reschedule it instead.") from None
        raise SlotTaken(TAKEN_MESSAGE) from None


def book_call(db: Session, actor: User, partner: Partner, starts_at: datetime, *, kind: str = "kickoff",
              now: datetime | None = None) -> Booking:
    """Book a 1:1 call of `partner` with its assigned manager at a slot the server offers right now."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown booking kind {kind!r}")
    now = now or utcnow()
    _check_actor_for_partner(actor, partner)
    if kind == "kickoff" and partner.tier.is_group_onboarding:
        raise BookingError(f"{partner.tier.name} partners join a group onboarding session instead.")
    if kind == "kickoff" and live_kickoff(db, partner.id) is not None:
        raise BookingError("Your organisation already has a kickoff call booked; reschedule it instead.")
    availability = _lock_manager_calendar(db, partner.manager_id)
    if availability is None:
        raise BookingError(f"{partner.manager.name} has not published any times yet.")
    slot = _offered(db, partner.manager_id, starts_at, now)
    booking = Booking(
        kind=kind, status="booked", partner_id=partner.id, manager_id=partner.manager_id,
        booked_by_id=actor.id if actor.is_partner else None, starts_at=slot.starts_at, ends_at=slot.ends_at,
        meeting_url=availability.meeting_url, sequence=0,
    )
    _insert_call(db, booking)
    db.refresh(booking)
    audit.record(
        db, actor, f"booking.{kind}_booked", booking,
        f"{KIND_LABELS[kind]} booked for {_when_text(booking.starts_at, booking.manager, actor)} with {booking.manager.name}",
        partner_id=partner.id, changes={"starts_at": [None, booking.starts_at.isoformat()]},
    )
    _notify_call(db, booking, actor, "booked")
    return booking


def _offered(db: Session, manager_id: int, starts_at: datetime, now: datetime,
             exclude_booking_id: int | None = None) -> Slot:
    if starts_at.tzinfo is None:
        raise BookingError("Pick a time from the list.")
    for slot in free_slots(db, manager_id, now, exclude_booking_id):
        if slot.starts_at == starts_at:
            return slot
    if starts_at <= now:
        raise SlotTaken("That time has already passed. Please pick another.")
    raise SlotTaken(TAKEN_MESSAGE)


def _when_text(value: datetime, *people: User | None) -> str:
    """A time as the people concerned read it, zones named: 'Tue 3 Mar 2026, 10:00 Europe/Berlin
    (04:00 America/New_York)'. The first person (the manager) gives the date; audit summaries are
    stored text, so each reader finds their own zone in them."""
    zones = list(dict.fromkeys(p.timezone or "UTC" for p in people if p is not None)) or ["UTC"]
    first = value.astimezone(ZoneInfo(zones[0]))
    text = f"{first:%a %-d %b %Y, %H:%M} {zones[0]}"
    others = []
    for zone in zones[1:]:
        local = value.astimezone(ZoneInfo(zone))
        others.append(f"{local:%H:%M}" if local.date() == first.date() else f"{local:%a %-d %b, %H:%M}")
        others[-1] += f" {zone}"
    return text + (f" ({', '.join(others)})" if others else "")


def change_deadline(db: Session, booking_starts_at: datetime, manager_id: int) -> datetime:
    """Until when a partner may reschedule or cancel (the manager's minimum notice before the start)."""
    return booking_starts_at - change_notice(get_availability(db, manager_id))


def _lock_call(db: Session, booking: Booking) -> None:
    """Re-read the call under a row lock, so two people changing it at once act one after the other on
    fresh data (a double click on "cancel" is one cancellation, not two SEQUENCE bumps and two emails)."""
    db.scalar(select(Booking.id).where(Booking.id == booking.id).with_for_update())
    db.refresh(booking)


def _check_changeable(db: Session, actor: User, starts_at: datetime, manager: User, now: datetime) -> None:
    if actor.is_partner and now > change_deadline(db, starts_at, manager.id):
        contact = f"{manager.name} ({manager.email}{', ' + manager.phone if manager.phone else ''})"
        raise TooLate(f"It is too close to the start to change this online. Please contact {contact}.")


def reschedule_booking(db: Session, actor: User, booking: Booking, starts_at: datetime,
                       now: datetime | None = None) -> Booking:
    """Move a booked call to another offered slot; same UID, SEQUENCE + 1, a new REQUEST goes out."""
    now = now or utcnow()
    _check_actor_for_partner(actor, booking.partner)
    _lock_call(db, booking)
    if booking.status != "booked":
        raise BookingError("Only a booked call can be moved.")
    if booking.starts_at <= now:
        raise TooLate("This call has already started.")
    _check_changeable(db, actor, booking.starts_at, booking.manager, now)
    _lock_manager_calendar(db, booking.manager_id)
    slot = _offered(db, booking.manager_id, starts_at, now, exclude_booking_id=booking.id)
    old = booking.starts_at
    booking.starts_at, booking.ends_at = slot.starts_at, slot.ends_at
    booking.sequence += 1
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        db.refresh(booking)
        raise SlotTaken(TAKEN_MESSAGE) from None
    audit.record(
        db, actor, f"booking.{booking.kind}_rescheduled", booking,
        f"{KIND_LABELS[booking.kind]} moved from {_when_text(old, booking.manager, actor)} "
        f"to {_when_text(booking.starts_at, booking.manager, actor)}",
        partner_id=booking.partner_id, changes={"starts_at": [old.isoformat(), booking.starts_at.isoformat()]},
    )
    _notify_call(db, booking, actor, "rescheduled")
    return booking


def cancel_booking(db: Session, actor: User, booking: Booking, reason: str | None = None,
                   now: datetime | None = None) -> Booking:
    """Cancel a booked call: SEQUENCE + 1 and a METHOD:CANCEL with the same UID; the slot is free again."""
    now = now or utcnow()
    _check_actor_for_partner(actor, booking.partner)
    _lock_call(db, booking)
    if booking.status != "booked":
        raise BookingError("This call is not booked any more.")
    _check_changeable(db, actor, booking.starts_at, booking.manager, now)
    booking.status = "cancelled"
    booking.sequence += 1
    booking.cancelled_at = now
    booking.cancel_reason = (reason or "").strip()[:500] or None
    db.flush()
    summary = (f"{KIND_LABELS[booking.kind]} on {_when_text(booking.starts_at, booking.manager, booking.booked_by, actor)}"
               " cancelled")
    if booking.cancel_reason:
        summary += f" (reason: {booking.cancel_reason})"
    audit.record(db, actor, f"booking.{booking.kind}_cancelled", booking, summary, partner_id=booking.partner_id)
    _notify_call(db, booking, actor, "cancelled")
    return booking


def record_outcome(db: Session, actor: User, booking: Booking, outcome: str, *, notes: str | None = None,
                   next_steps: str | None = None, steps: list | None = None, now: datetime | None = None) -> Booking:
    """The manager says how the call went: held (notes, next steps) or no_show (the partner may book again).

    `steps` (`events.AgreedStep`: owner, text, due) join the partner's one list of open next steps,
    whichever call agreed them; `next_steps` is the text kept on the call (their summary when not given)."""
    now = now or utcnow()
    steps = [s for s in (steps or []) if (s.text or "").strip()]
    if steps and not next_steps:
        next_steps = "\n".join(s.text.strip() for s in steps)
    if outcome not in OUTCOMES:
        raise BookingError("Choose held or no-show.", field="outcome")
    if not (actor.is_admin or actor.id == booking.manager_id or actor.id == booking.partner.manager_id):
        raise BookingError("Only the partner's manager can record the outcome.", field="outcome")
    _lock_call(db, booking)
    if booking.status != "booked":
        raise BookingError("The outcome of this call is already recorded.", field="outcome")
    if booking.starts_at > now:
        raise BookingError("You can record the outcome once the call has started.", field="outcome")
    booking.status = outcome
    booking.notes = (notes or "").strip() or None
    booking.next_steps = (next_steps or "").strip() or None
    booking.outcome_at = now
    db.flush()
    label = KIND_LABELS[booking.kind]
    summary = f"{label} held" if outcome == "held" else f"{label} no-show: the partner did not attend and may book again"
    audit.record(
        db, actor, f"booking.{booking.kind}_{outcome}", booking, summary, partner_id=booking.partner_id,
        changes={"notes": booking.notes, "next_steps": booking.next_steps} if outcome == "held" else None,
    )
    if outcome == "held" and booking.kind == "kickoff":
        _send_kickoff_held(db, actor, booking.partner, now, booking=booking, steps=steps)
    if outcome == "held" and booking.kind == "checkin":
        events.checkin_call_held.send("bookings", db=db, actor=actor, booking=booking, now=now, steps=list(steps))
    return booking


def _send_kickoff_held(db: Session, actor: User, partner: Partner, now: datetime, *,
                       booking: Booking | None = None, seat: SessionSeat | None = None, steps: list = ()) -> None:
    """Tell whoever listens (check-in planning, surveys) that a partner's kickoff call or group seat was held."""
    booker = booking.booked_by if booking is not None else seat.booked_by
    users = [booker] if booker is not None and booker.active and booker.partner_id == partner.id else []
    events.kickoff_held.send("bookings", db=db, actor=actor, partner=partner, booking=booking, seat=seat,
                             users=users, steps=list(steps), now=now)


def planned_checkin_of(db: Session, booking: Booking) -> CheckIn | None:
    """The planned check-in a check-in call was booked for, if any."""
    if booking.kind != "checkin":
        return None
    return db.scalar(select(CheckIn).where(CheckIn.booking_id == booking.id, CheckIn.status == "planned"))


def on_checkin_recorded(_sender, *, db: Session, actor: User, checkin: CheckIn, now: datetime, **_kwargs) -> None:
    """Receiver of `events.checkin_recorded`: the call booked for that check-in is held too."""
    if checkin.booking is not None:
        mark_checkin_call_held(db, actor, checkin.booking, now)


def mark_checkin_call_held(db: Session, actor: User, booking: Booking, now: datetime) -> None:
    """The check-in a call was booked for was recorded held on the check-ins pages: the call is held too."""
    _lock_call(db, booking)
    if booking.status != "booked" or booking.starts_at > now:
        return
    booking.status = "held"
    booking.outcome_at = now
    db.flush()
    audit.record(db, actor, "booking.checkin_held", booking, "Check-in call held (recorded with the check-in)",
                 partner_id=booking.partner_id)


# --- group sessions ---------------------------------------------------------------------------------

def create_group_session(db: Session, actor: User, manager: User, *, starts_at: datetime, minutes: int,
                         capacity: int, title: str, meeting_url: str | None = None,
                         now: datetime | None = None) -> GroupSession:
    now = now or utcnow()
    if starts_at <= now:
        raise BookingError("Choose a start in the future.", field="starts_on")
    if not 15 <= minutes <= 240:
        raise BookingError("A session lasts between 15 and 240 minutes.", field="minutes")
    if not 1 <= capacity <= 500:
        raise BookingError("Capacity is between 1 and 500 seats.", field="capacity")
    ends_at = starts_at + timedelta(minutes=minutes)
    _lock_manager_calendar(db, manager.id)
    clash = db.scalar(
        select(Booking).where(Booking.manager_id == manager.id, Booking.status == "booked",
                              Booking.starts_at < ends_at, Booking.ends_at > starts_at).limit(1)
    )
    if clash is not None:
        raise BookingError(f"You have a call with {clash.partner.name} at that time.", field="starts_on")
    session = GroupSession(
        manager_id=manager.id, title=title.strip(), starts_at=starts_at, ends_at=ends_at, capacity=capacity,
        seats_taken=0, meeting_url=_clean_link(meeting_url), status="scheduled",
    )
    db.add(session)
    db.flush()
    audit.record(db, actor, "group_session.created", session,
                 f"Group session '{session.title}' on {_when_text(starts_at, manager)} for {capacity}")
    return session


def open_sessions(db: Session, manager_id: int, now: datetime | None = None) -> list[GroupSession]:
    """Scheduled future sessions of a manager, soonest first (full ones included, marked by seats_left)."""
    now = now or utcnow()
    return list(
        db.scalars(
            select(GroupSession).where(GroupSession.manager_id == manager_id, GroupSession.status == "scheduled",
                                       GroupSession.starts_at > now)
            .order_by(GroupSession.starts_at)
        )
    )


def _seat_meeting(seat: SessionSeat) -> ical.Meeting:
    session, partner = seat.session, seat.partner
    description = f"Group onboarding session for {partner.name}, hosted by {session.manager.name}."
    if session.meeting_url:
        description += f"\nJoin: {session.meeting_url}"
    description += f"\nDetails or cancel: {absolute_url('bookings.seat', seat_id=seat.id)}"
    attendee = seat.booked_by
    return ical.Meeting(
        uid=seat.uid, sequence=seat.sequence, starts_at=session.starts_at, ends_at=session.ends_at,
        summary=session.title, description=description,
        organizer=ical.Person(session.manager.name, session.manager.email),
        attendees=(ical.Person(attendee.name, attendee.email),) if attendee else (),
        location=session.meeting_url, cancelled=seat.status == "cancelled",
    )


def _partner_people(booked_by: User | None, actor: User | None) -> list[User]:
    """Who at the partner hears about a change: whoever booked it and a colleague who changed it."""
    people = {u.id: u for u in (booked_by, actor) if u is not None and u.is_partner and u.active}
    return [people[k] for k in sorted(people)]


def _notify_seat(db: Session, seat: SessionSeat, change: str, note: str | None = None,
                 actor: User | None = None) -> None:
    subjects = {"booked": "Seat booked", "cancelled": "Seat cancelled", "session_cancelled": "Session cancelled",
                "moved": "Seat moved"}
    files = [ical.attachment(_seat_meeting(seat))]
    for user in _partner_people(seat.booked_by, actor):
        queue_message(
            db, user.email, f"{subjects[change]}: {seat.session.title}", "seat_update",
            attachments=files, seat=seat, session=seat.session, change=change,
            note=note, person=user, zone=user.timezone, link=absolute_url("bookings.seat", seat_id=seat.id),
            book_link=absolute_url("bookings.index"),
        )


def _take_place(db: Session, session: GroupSession) -> None:
    """Count one more seat; the conditional UPDATE (and the CHECK behind it) never passes capacity."""
    taken = db.execute(
        update(GroupSession)
        .where(GroupSession.id == session.id, GroupSession.status == "scheduled",
               GroupSession.seats_taken < GroupSession.capacity)
        .values(seats_taken=GroupSession.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise SessionFull(FULL_MESSAGE, field="session_id")


def _check_session_open(partner: Partner, session: GroupSession, now: datetime) -> None:
    if not partner.tier.is_group_onboarding:
        raise BookingError(f"{partner.tier.name} partners book a dedicated kickoff call instead.", field="session_id")
    if session.manager_id != partner.manager_id:
        raise BookingError("That session is not open to your organisation.", field="session_id")
    if session.status != "scheduled" or session.starts_at <= now:
        raise SessionFull("That session is no longer open. Please pick another.", field="session_id")


def book_seat(db: Session, actor: User, partner: Partner, session: GroupSession,
              now: datetime | None = None) -> SessionSeat:
    """Take a seat; the conditional UPDATE of the counter (and its CHECK) means never more than capacity."""
    now = now or utcnow()
    _check_actor_for_partner(actor, partner)
    _check_session_open(partner, session, now)
    if db.scalar(select(SessionSeat.id).where(SessionSeat.partner_id == partner.id,
                                              SessionSeat.status.in_(LIVE_STATUSES))):
        raise BookingError("Your organisation already has a seat in a group session.", field="session_id")
    seat = SessionSeat(session_id=session.id, partner_id=partner.id,
                       booked_by_id=actor.id if actor.is_partner else None, status="booked", sequence=0)
    try:
        with db.begin_nested():
            _take_place(db, session)
            db.add(seat)
            db.flush()
    except IntegrityError:
        raise BookingError("Your organisation already has a seat in a group session.", field="session_id") from None
    finally:
        db.refresh(session)
    audit.record(db, actor, "booking.seat_booked", seat,
                 f"Seat booked in group session '{session.title}' on {_when_text(session.starts_at, session.manager, actor)}",
                 partner_id=partner.id)
    _notify_seat(db, seat, "booked")
    return seat


def _release_seat(db: Session, seat: SessionSeat, now: datetime) -> bool:
    """Cancel a booked seat and give its place back; False when it was not booked any more.

    The seat's status moves by a conditional UPDATE, so two cancellations at once (a double click, the
    partner and the host cancelling the session) free the place once and the counter stays true.
    """
    released = db.execute(
        update(SessionSeat).where(SessionSeat.id == seat.id, SessionSeat.status == "booked")
        .values(status="cancelled", sequence=SessionSeat.sequence + 1, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if released == 1:
        db.execute(
            update(GroupSession).where(GroupSession.id == seat.session_id, GroupSession.seats_taken > 0)
            .values(seats_taken=GroupSession.seats_taken - 1).execution_options(synchronize_session=False)
        )
    db.flush()
    db.refresh(seat)
    return released == 1


def move_seat(db: Session, actor: User, seat: SessionSeat, session: GroupSession,
              now: datetime | None = None) -> SessionSeat:
    """Move a seat to another session in one step: same UID, SEQUENCE + 1, an updated invite.

    The new place is taken before the old one is given back, in one savepoint: when the new session
    is full, the partner keeps the seat it had.
    """
    now = now or utcnow()
    old = seat.session
    _check_actor_for_partner(actor, seat.partner)
    if session.id == old.id:
        raise BookingError("Your seat is already in this session.", field="session_id")
    _check_session_open(seat.partner, session, now)
    if seat.status != "booked":
        raise BookingError("This seat is not booked any more.", field="session_id")
    _check_changeable(db, actor, old.starts_at, old.manager, now)
    with db.begin_nested():
        _take_place(db, session)
        moved = db.execute(
            update(SessionSeat).where(SessionSeat.id == seat.id, SessionSeat.status == "booked",
                                      SessionSeat.session_id == old.id)
            .values(session_id=session.id, sequence=SessionSeat.sequence + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            raise BookingError("This seat is not booked any more.", field="session_id")
        db.execute(
            update(GroupSession).where(GroupSession.id == old.id, GroupSession.seats_taken > 0)
            .values(seats_taken=GroupSession.seats_taken - 1).execution_options(synchronize_session=False)
        )
    for row in (seat, old, session):
        db.refresh(row)
    audit.record(
        db, actor, "booking.seat_moved", seat,
        f"Seat moved from group session '{old.title}' on {_when_text(old.starts_at, old.manager, actor)} "
        f"to '{session.title}' on {_when_text(session.starts_at, session.manager, actor)}",
        partner_id=seat.partner_id,
    )
    _notify_seat(db, seat, "moved", actor=actor)
    return seat


def other_sessions(db: Session, seat: SessionSeat, now: datetime | None = None) -> list[GroupSession]:
    """Open sessions with a free seat that a booked seat could move to."""
    return [s for s in open_sessions(db, seat.session.manager_id, now) if s.id != seat.session_id and s.seats_left]


def cancel_seat(db: Session, actor: User, seat: SessionSeat, now: datetime | None = None) -> SessionSeat:
    now = now or utcnow()
    _check_actor_for_partner(actor, seat.partner)
    if seat.status != "booked":
        raise BookingError("This seat is not booked any more.")
    _check_changeable(db, actor, seat.session.starts_at, seat.session.manager, now)
    if not _release_seat(db, seat, now):
        raise BookingError("This seat is not booked any more.")
    db.refresh(seat.session)
    audit.record(db, actor, "booking.seat_cancelled", seat,
                 f"Seat in group session '{seat.session.title}' cancelled", partner_id=seat.partner_id)
    _notify_seat(db, seat, "cancelled", actor=actor)
    return seat


def cancel_group_session(db: Session, actor: User, session: GroupSession, reason: str | None = None,
                         now: datetime | None = None) -> int:
    """Cancel a session: every seat is cancelled and its holder told they may book another. Returns seats freed."""
    now = now or utcnow()
    if session.status != "scheduled":
        raise BookingError("This session is already cancelled.", field="reason")
    if session.starts_at <= now:
        raise BookingError("This session has already started.", field="reason")
    db.scalar(select(GroupSession.id).where(GroupSession.id == session.id).with_for_update())
    note = (reason or "").strip()[:500] or None
    held = db.scalars(select(SessionSeat).where(SessionSeat.session_id == session.id).order_by(SessionSeat.id))
    seats = [s for s in held.all() if s.status == "booked" and _release_seat(db, s, now)]
    for seat in seats:
        audit.record(db, actor, "booking.seat_cancelled", seat,
                     f"Group session '{session.title}' was cancelled by {actor.name}; the seat is free to rebook",
                     partner_id=seat.partner_id)
        _notify_seat(db, seat, "session_cancelled", note)
    session.status = "cancelled"
    session.cancelled_at = now
    db.flush()
    db.refresh(session)
    audit.record(db, actor, "group_session.cancelled", session,
                 f"Group session '{session.title}' cancelled ({len(seats)} seats freed)"
                 + (f": {note}" if note else ""))
    return len(seats)


def record_seat_outcome(db: Session, actor: User, seat: SessionSeat, outcome: str,
                        now: datetime | None = None) -> SessionSeat:
    """Attendance of one partner at a group session: held or no_show (who may then book another)."""
    now = now or utcnow()
    session = seat.session
    if outcome not in OUTCOMES:
        raise BookingError("Choose held or no-show.", field="outcome")
    if not (actor.is_admin or actor.id == session.manager_id):
        raise BookingError("Only the host can record attendance.", field="outcome")
    if seat.status != "booked":
        raise BookingError("Attendance is already recorded for this seat.", field="outcome")
    if session.starts_at > now:
        raise BookingError("You can record attendance once the session has started.", field="outcome")
    recorded = db.execute(
        update(SessionSeat).where(SessionSeat.id == seat.id, SessionSeat.status == "booked")
        .values(status=outcome, outcome_at=now).execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(seat)
    if recorded != 1:  # someone else recorded it (or the seat was cancelled) a moment ago
        raise BookingError("Attendance is already recorded for this seat.", field="outcome")
    summary = (f"Attended group session '{session.title}'" if outcome == "held"
               else f"No-show at group session '{session.title}': may book another")
    audit.record(db, actor, f"booking.seat_{outcome}", seat, summary, partner_id=seat.partner_id)
    if outcome == "held":
        _send_kickoff_held(db, actor, seat.partner, now, seat=seat)
    return seat


# --- the manager's agenda ---------------------------------------------------------------------------

def agenda(db: Session, manager_id: int, start: datetime, end: datetime) -> list[Booking | GroupSession]:
    """Booked calls and scheduled sessions of a manager in [start, end), in time order (two queries)."""
    calls = db.scalars(
        select(Booking).where(Booking.manager_id == manager_id, Booking.status.in_(("booked", "held", "no_show")),
                              Booking.starts_at >= start, Booking.starts_at < end)
        .options(joinedload(Booking.partner).joinedload(Partner.tier), joinedload(Booking.booked_by))
    ).unique()
    sessions = db.scalars(
        select(GroupSession).where(GroupSession.manager_id == manager_id, GroupSession.status == "scheduled",
                                   GroupSession.starts_at >= start, GroupSession.starts_at < end)
        .options(selectinload(GroupSession.seats).joinedload(SessionSeat.partner))
    ).unique()
    return sorted([*calls, *sessions], key=lambda item: item.starts_at)


def awaiting_outcome_query(manager_id: int, now: datetime | None = None):
    """Past calls still marked booked, the oldest first: the manager owes an outcome (paginate it)."""
    now = now or utcnow()
    return (select(Booking).where(Booking.manager_id == manager_id, Booking.status == "booked", Booking.starts_at <= now)
            .options(joinedload(Booking.partner)).order_by(Booking.starts_at, Booking.id))


def awaiting_outcome(db: Session, manager_id: int, now: datetime | None = None) -> list[Booking]:
    return list(db.scalars(awaiting_outcome_query(manager_id, now)))


def feed_meetings(db: Session, manager_id: int, now: datetime | None = None) -> list[ical.Meeting]:
    """What the manager's subscribed calendar shows: live calls and sessions from 30 days ago on."""
    now = now or utcnow()
    since = now - timedelta(days=30)
    calls = db.scalars(
        select(Booking).where(Booking.manager_id == manager_id, Booking.status.in_(LIVE_STATUSES),
                              Booking.starts_at >= since)
        .options(selectinload(Booking.booked_by)).order_by(Booking.starts_at)
    ).unique()
    meetings = [_meeting(call, call.booked_by) for call in calls]
    sessions = db.scalars(
        select(GroupSession).where(GroupSession.manager_id == manager_id, GroupSession.status == "scheduled",
                                   GroupSession.starts_at >= since)
        .options(selectinload(GroupSession.seats)).order_by(GroupSession.starts_at)
    ).unique()
    for session in sessions:
        seats = [s for s in session.seats if s.is_live]
        meetings.append(ical.Meeting(
            uid=f"session-{session.id}@partner-portal", sequence=0, starts_at=session.starts_at,
            ends_at=session.ends_at, summary=f"{session.title} ({len(seats)}/{session.capacity})",
            description="Partners: " + (", ".join(s.partner.name for s in seats) or "none yet"),
            organizer=ical.Person(session.manager.name, session.manager.email), attendees=(),
            location=session.meeting_url,
        ))
    return meetings
