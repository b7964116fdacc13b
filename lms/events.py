"""The named signals features send and subscribe to: what happened, with its data.

One blinker namespace for the portal. A signal's name says what happened, never what should
follow. Senders call `signal.send(<sender feature name>, db=..., actor=..., now=..., **data)`;
receivers take `(sender, **kwargs)` and ignore what they do not use. Receivers run in the sender's
transaction (they flush, never commit), so a failing receiver rolls the whole change back.

A feature connects its receivers in its blueprint package's `connect_signals()` (called once by
the app factory), never at import time, so importing a module has no side effects.
"""

from __future__ import annotations

from blinker import Namespace

portal = Namespace()

# --- bookings ---------------------------------------------------------------------------------------
#: A partner's kickoff (1:1 call or group seat) was recorded held. kwargs: db, actor, partner, booking
#: (the Booking, or None for a seat), seat (SessionSeat or None), users (partner users who attended), now.
kickoff_held = portal.signal("kickoff-held")
#: A check-in call was recorded held on the bookings pages. kwargs: db, actor, booking, now.
checkin_call_held = portal.signal("checkin-call-held")

# --- check-ins --------------------------------------------------------------------------------------
#: A check-in was recorded held. kwargs: db, actor, checkin, now.
checkin_recorded = portal.signal("checkin-recorded")

# --- courses ----------------------------------------------------------------------------------------
#: A learner earned a course certificate. kwargs: db, user, course, certificate, now.
certificate_issued = portal.signal("certificate-issued")
