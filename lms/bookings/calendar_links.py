"""'Add to calendar' links for one call: Google Calendar and Outlook on the web (no data leaves until clicked)."""

from __future__ import annotations

from datetime import timezone
from urllib.parse import urlencode

from lms.bookings.ical import Meeting


def google_link(meeting: Meeting) -> str:
    start = meeting.starts_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    end = meeting.ends_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    query = {"action": "TEMPLATE", "text": meeting.summary, "dates": f"{start}/{end}", "details": meeting.description}
    if meeting.location:
        query["location"] = meeting.location
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_link(meeting: Meeting) -> str:
    query = {
        "path": "/calendar/action/compose", "rru": "addevent", "subject": meeting.summary,
        "startdt": meeting.starts_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": meeting.ends_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": meeting.description,
    }
    if meeting.location:
        query["location"] = meeting.location
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)
