"""Recording a check-in early keeps the cadence (issue 15, item 10)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.checkins import service
from lms.checkins.planning import add_months
from lms.db import utcnow
from lms.models import CheckIn
from tests.checkins import factories


def _partner(db, make):
    manager = make.manager(timezone="Europe/London")
    partner = make.partner("gold", manager=manager)
    return manager, partner


def test_a_check_in_held_a_month_early_leaves_that_months_check_in_due(client, auth, db, make):
    manager, partner = _partner(db, make)
    today = service.today_for(manager, utcnow())
    due = add_months(today.replace(day=1), 1) + timedelta(days=9)  # the 10th of next month
    planned = factories.checkin(db, partner, due_on=due)
    db.commit()
    auth.login_as(manager)
    response = client.post(f"/checkins/{planned.id}/record", data={"held_on": today.isoformat(), "notes": "Early chat"},
                           follow_redirects=True)
    assert response.status_code == 200 and "stays due" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(CheckIn, planned.id).status == "planned"  # next month still has its check-in
    extra = db.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.kind == "adhoc"))
    assert extra.status == "held" and extra.held_on == today and extra.notes == "Early chat"


def test_a_check_in_held_in_its_own_month_is_that_check_in(db, make):
    manager, partner = _partner(db, make)
    today = service.today_for(manager, utcnow())
    planned = factories.checkin(db, partner, due_on=today + timedelta(days=3))  # a few days early: this one
    recorded = service.record_checkin(db, manager, planned, held_on=today)
    assert recorded.id == planned.id and planned.status == "held"
    assert db.scalar(select(CheckIn.id).where(CheckIn.kind == "adhoc")) is None
