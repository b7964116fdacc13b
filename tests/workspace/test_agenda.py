"""Agendas both sides drive: items added, proposals from the plan, shown on the record form, carried over."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.db import utcnow
from lms.models import AgendaItem
from lms.workspace import agenda
from tests.checkins import factories as checkin_factories
from tests.plans.factories import agreed_plan


def test_both_sides_add_items_and_the_record_form_shows_them_with_proposals(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    today = utcnow().date()
    _, _, owner = agreed_plan(db, make, partner, period_starts_on=today - timedelta(days=180),
                              period_ends_on=today + timedelta(days=185), goals={"checkins_held": 12})
    due = checkin_factories.checkin(db, partner, due_on=today)
    step = checkin_factories.next_step(db, due, text="Send the reference customer list")
    db.commit()
    auth.login_as(owner)
    client.post(f"/workspace/partners/{partner.id}/agenda", data={"text": "Co-marketing budget"})
    auth.logout()
    auth.login_as(manager)
    client.post(f"/workspace/partners/{partner.id}/agenda", data={"text": "Pricing for 2027"})
    form = client.get(f"/checkins/{due.id}/record").get_data(as_text=True)
    assert "Co-marketing budget" in form and "Pricing for 2027" in form
    assert "Check-ins held: 0 of 12" in form and step.text in form


def test_items_not_covered_carry_over_to_the_next_checkin(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    first = checkin_factories.checkin(db, partner, due_on=utcnow().date())
    covered = agenda.add_item(db, manager, partner, "Covered item")
    left = agenda.add_item(db, manager, partner, "Left for later")
    db.commit()
    auth.login_as(manager)
    response = client.post(f"/checkins/{first.id}/record", data={
        "held_on": utcnow().date().isoformat(), "notes": "", "pulse": "", "agenda_covered": [str(covered.id)]})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(AgendaItem, covered.id).covered_checkin_id == first.id
    still = db.get(AgendaItem, left.id)
    assert still.covered_at is None and still.carried_over == 1
    assert [i.id for i in db.scalars(agenda.open_items(partner.id))] == [left.id]


def test_agenda_refuses_multiline_and_foreign_items(db, make):
    partner = make.partner("gold")
    stranger = make.partner_user()
    for bad in ("", "a\nb", "x" * 301):
        try:
            agenda.add_item(db, make.manager(), partner, bad)
        except agenda.AgendaError:
            continue
        raise AssertionError(bad)
    try:
        agenda.add_item(db, stranger, partner, "Sneaky")
        raise AssertionError("foreign item added")
    except agenda.AgendaError:
        pass
    assert db.scalar(select(AgendaItem)) is None
