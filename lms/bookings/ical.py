"""iCalendar files for invites (METHOD:REQUEST / CANCEL) and for a manager's subscribed feed (PUBLISH).

Times are written in UTC. The UID of a call never changes; its SEQUENCE goes up with every reschedule
and with the cancellation, which is how calendar apps know an update replaces the earlier invite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Partner Portal//Bookings//EN"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Meeting:
    """What an invite says about one call or session seat."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    organizer: Person
    attendees: tuple[Person, ...]
    location: str | None = None
    cancelled: bool = False
    stamp: datetime | None = None


def _address(person: Person, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    if role:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
    return address


def _event(meeting: Meeting, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(timezone.utc))
    event.add("dtend", meeting.ends_at.astimezone(timezone.utc))
    event.add("summary", meeting.summary)
    if meeting.description:
        event.add("description", meeting.description)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("organizer", _address(meeting.organizer))
    for attendee in meeting.attendees:
        event.add("attendee", _address(attendee, "REQ-PARTICIPANT"))
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def invite(meeting: Meeting) -> tuple[str, str]:
    """(ics text, method) for an email invite: REQUEST for a booking or change, CANCEL for a cancellation."""
    method = "CANCEL" if meeting.cancelled else "REQUEST"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_event(meeting, meeting.stamp or datetime.now(timezone.utc)))
    return calendar.to_ical().decode("utf-8"), method


def feed(name: str, meetings: list[Meeting], stamp: datetime | None = None) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH) with the given meetings."""
    stamp = stamp or datetime.now(timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, stamp))
    return calendar.to_ical()


def attachment(meeting: Meeting) -> dict[str, str]:
    """The outbox attachment for an invite; its content type names the same method as the file."""
    text, method = invite(meeting)
    return {
        "filename": "cancel.ics" if method == "CANCEL" else "invite.ics",
        "content_type": f"text/calendar; method={method}",
        "content": text,
    }
