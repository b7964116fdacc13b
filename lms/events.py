"""The named signals features send and subscribe to: what happened, with its data.

One blinker namespace for the portal. A signal's name says what happened, never what should
follow. Senders call `signal.send(<sender feature name>, db=..., actor=..., now=..., **data)`;
receivers take `(sender, **kwargs)` and ignore what they do not use. Receivers run in the sender's
transaction (they flush, never commit), so a failing receiver rolls the whole change back.

A feature connects its receivers in its blueprint package's `connect_signals()` (called once by
the app factory), never at import time, so importing a module has no side effects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace, NamedSignal

portal = Namespace()

# --- bookings ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgreedStep:
    """A next step agreed at a call (owner "partner" or "manager", text, due date or None), as signals carry it."""

    owner: str
    text: str
    due_on: Any = None


#: A partner's kickoff (1:1 call or group seat) was recorded held. kwargs: db, actor, partner, booking
#: (the Booking, or None for a seat), seat (SessionSeat or None), users (partner users who attended),
#: steps (AgreedStep list agreed at the call), now.
kickoff_held = portal.signal("kickoff-held")
#: A check-in call was recorded held on the bookings pages. kwargs: db, actor, booking, steps (AgreedStep list), now.
checkin_call_held = portal.signal("checkin-call-held")

# --- check-ins --------------------------------------------------------------------------------------
#: A check-in was recorded held. kwargs: db, actor, checkin, now.
checkin_recorded = portal.signal("checkin-recorded")

# --- courses ----------------------------------------------------------------------------------------
#: A learner earned a course certificate. kwargs: db, user, course, certificate, now.
certificate_issued = portal.signal("certificate-issued")

# --- pages other features add panels to --------------------------------------------------------------
#: The partner's home page is being built. kwargs: db, user, partner, now. A receiver returns a `Panel`
#: (or None) that the home page renders after its own sections, in `order`.
partner_home_requested = portal.signal("partner-home-requested")
#: The manager's (or admin's) agenda (`/checkins/`) is being built. kwargs: db, user, now. A receiver returns
#: a `Panel` (or None): follow-ups, undecided leads, missed reviews ... that need the manager's action.
manager_agenda_requested = portal.signal("manager-agenda-requested")


@dataclass(frozen=True)
class Panel:
    """A section another feature contributes to a page: its template (a partial, "_name.html") and the
    values that template needs, loaded by the receiver in a constant number of queries."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


def collect_panels(signal: NamedSignal, **kwargs: Any) -> list[Panel]:
    """Send `signal` and return the panels its receivers gave, in order."""
    panels = [panel for _receiver, panel in signal.send("page", **kwargs) if panel is not None]
    return sorted(panels, key=lambda panel: panel.order)


# --- surveys ----------------------------------------------------------------------------------------
#: The weekly overdue digest (check-ins' job) is being built. kwargs: db, now. A receiver returns a dict
#: {manager_id: DigestSection} of other overdue work to put in that manager's digest (or None).
overdue_digest_requested = portal.signal("overdue-digest-requested")


@dataclass(frozen=True)
class DigestSection:
    """Plain lines another feature adds to a manager's weekly digest (rendered in text and HTML mail)."""

    title: str
    lines: list[str]
    link: str


# --- leads --------------------------------------------------------------------------------------------
#: A lead was created: a partner's registration (direction "in") or a manager's referral ("out").
#: kwargs: db, actor, lead, outcome ("registered", "duplicate", "took_over", "split" or "offered"), now.
lead_registered = portal.signal("lead-registered")
#: A lead's status changed (accepted, rejected, declined, won, lost, expired, or a manager's override).
#: kwargs: db, actor (None for a scheduled job), lead, from_status, to_status, reason (or None), now.
lead_status_changed = portal.signal("lead-status-changed")
#: A won lead's commission payout moved (None -> "pending", then "invoiced", "paid" or "on_hold").
#: kwargs: db, actor, lead, from_stage, to_stage, now.
lead_payout_changed = portal.signal("lead-payout-changed")

# --- plans and workspace ----------------------------------------------------------------------------
#: The check-in record form is being built. kwargs: db, user, partner, checkin (None for ad hoc), now. A receiver
#: returns a `Panel` shown inside the form (the workspace's agenda, whose ticked boxes post `agenda_covered`).
checkin_record_requested = portal.signal("checkin-record-requested")
# --- surveys (sent for the API's webhooks) ---------------------------------------------------------------
#: A survey was answered. kwargs: db, user, response (SurveyResponse), now.
survey_response_created = portal.signal("survey-response-created")
