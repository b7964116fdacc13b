"""partner.stage_changed: sent when something moves a partner's funnel stage, once per change."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from lms import events
from lms.bookings import service as bookings
from lms.db import utcnow
from lms.models import WebhookDelivery
from lms.webhooks import service
from tests.dashboard.factories import kickoff


def _stage_bodies(db) -> list[dict]:
    rows = db.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "partner.stage_changed")
                      .order_by(WebhookDelivery.id))
    return [json.loads(d.body)["data"] for d in rows]


def test_a_held_kickoff_sends_one_stage_change_and_an_identical_event_none(db, make):
    service.register_endpoint(db, None, "https://crm.example/hook", ["partner.stage_changed"], None)
    manager = make.manager()
    partner = make.partner("gold", manager=manager, name="Stage Org")
    make.user(partner=partner)
    partner.funnel_stage = "kickoff_booked"  # what the portal saw earlier
    call = kickoff(db, partner, utcnow() - timedelta(hours=1), status="booked")

    bookings.record_outcome(db, manager, call, "held")

    # gold has no required path here, so a held kickoff also completes the path
    [body] = _stage_bodies(db)
    assert body["partner"] == {"id": partner.id, "name": "Stage Org"}
    assert (body["from"], body["to"]) == ("kickoff_booked", "path_complete")
    assert partner.funnel_stage == "path_complete"

    events.kickoff_held.send("bookings", db=db, actor=manager, partner=partner, booking=call, seat=None,
                             users=[], steps=[], now=utcnow())
    assert len(_stage_bodies(db)) == 1


def test_the_first_change_seen_has_no_from_and_the_stage_is_recorded_without_endpoints(db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    make.user(partner=partner)
    assert service.record_partner_stage(db, partner.id, utcnow()) is True
    assert partner.funnel_stage == "invited" and _stage_bodies(db) == []  # nobody subscribed: nothing queued
    service.register_endpoint(db, None, "https://crm.example/hook", ["partner.stage_changed"], None)
    assert service.record_partner_stage(db, partner.id, utcnow()) is False
    fresh = make.partner("gold", manager=manager)
    service.record_partner_stage(db, fresh.id, utcnow())
    [body] = _stage_bodies(db)
    assert (body["from"], body["to"]) == (None, "not_invited")
