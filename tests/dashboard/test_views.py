"""Dashboard pages: what a manager and an admin see, the CSV, scheduling, and constant query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from lms.db import utcnow
from lms.models import AuditEvent, CheckIn, User
from tests.checkins.factories import checkin, support_request
from tests.dashboard.factories import kickoff
from tests.leads.factories import register
from tests.surveys.factories import response


@pytest.fixture
def team(make, db):
    anna = make.manager(name="Anna Manager")
    other = make.manager(name="Otto Other")
    mine = make.partner("gold", manager=anna, name="Mine Ltd")
    user = make.user(partner=mine, name="Mia Mine")
    user.last_login_at = utcnow() - timedelta(days=2)
    quiet = make.partner("bronze", manager=anna, name="Quiet Co")
    quiet.created_at = utcnow() - timedelta(days=80)
    theirs = make.partner("platinum", manager=other, name="Theirs Inc")
    make.user(partner=theirs, name="Tom Theirs")
    db.commit()
    return {"anna": anna, "other": other, "mine": mine, "quiet": quiet, "theirs": theirs}


def test_manager_lands_on_the_dashboard_with_only_their_partners(client, auth, team, db):
    checkin(db, team["mine"], due_on=utcnow().date() - timedelta(days=4))
    support_request(db, team["mine"], subject="Price list please", due_at=utcnow() + timedelta(hours=2))
    support_request(db, team["theirs"], subject="Secret question")
    db.commit()
    auth.login_as(team["anna"])

    assert client.get("/").headers["Location"].endswith("/dashboard/")
    page = client.get("/dashboard/").get_data(as_text=True)

    assert "Onboarding funnel" in page and "<svg" in page and "<title id=\"funnel-title\">" in page
    assert "Mine Ltd" in page and "Price list please" in page
    assert "Quiet Co" in page  # gathering dust: nothing for 80 days
    assert "Theirs Inc" not in page and "Secret question" not in page
    assert "Manager</label>" not in page  # the manager filter is for admins


def test_admin_filters_by_manager_and_tier(client, auth, team, make):
    auth.login_as(make.admin())

    everyone = client.get("/dashboard/partners").get_data(as_text=True)
    annas = client.get(f"/dashboard/partners?manager={team['anna'].id}").get_data(as_text=True)
    bronze = client.get("/dashboard/partners?tier=bronze").get_data(as_text=True)

    assert "Theirs Inc" in everyone and "Mine Ltd" in everyone
    assert "Theirs Inc" not in annas and "Mine Ltd" in annas
    assert "Quiet Co" in bronze and "Mine Ltd" not in bronze


@pytest.mark.parametrize("query", ["?month=2026-13", "?month=x", "?manager=99999999999999", "?sort=evil",
                                   "?health=x&stage=y&tier=zz", "?page=-3", "?dust=yes"])  # NUL: the guard, 400
def test_bad_filters_fall_back_to_all(client, auth, team, query):
    auth.login_as(team["anna"])

    for url in ("/dashboard/", "/dashboard/partners", "/dashboard/partners.csv"):
        assert client.get(url + query).status_code == 200


def test_partners_sorted_and_filtered_by_health(client, auth, team):
    auth.login_as(team["anna"])

    lowest_first = client.get("/dashboard/partners").get_data(as_text=True)
    low_only = client.get("/dashboard/partners?health=low").get_data(as_text=True)

    assert lowest_first.index("Quiet Co") < lowest_first.index("Mine Ltd")
    assert "Quiet Co" in low_only and "Mine Ltd" not in low_only


def test_partner_page_says_why_and_shows_the_timeline(client, auth, team, db):
    kickoff(db, team["mine"], utcnow() - timedelta(days=30))
    db.add(AuditEvent(action="partner.updated", object_type="partner", object_id=team["mine"].id,
                      partner_id=team["mine"].id, summary="Updated Mine Ltd: tier Bronze -> Gold",
                      occurred_at=utcnow() - timedelta(days=1)))
    db.commit()
    auth.login_as(team["anna"])

    page = client.get(f"/dashboard/partners/{team['mine'].id}").get_data(as_text=True)

    assert "Recent activity</strong>: last sign-in 2 days ago" in page
    assert "Updated Mine Ltd: tier Bronze -&gt; Gold" in page
    assert "Mia Mine signed in (latest sign-in)" in page
    assert client.get(f"/dashboard/partners/{team['theirs'].id}").status_code == 404


def test_csv_has_every_visible_partner_and_escapes_formulas(client, auth, team, db, make):
    evil = make.partner("gold", manager=team["anna"], name="=HYPERLINK(\"http://x\")")
    db.commit()
    auth.login_as(team["anna"])

    response = client.get("/dashboard/partners.csv")

    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffpartner,tier,manager,stage,health")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    names = {row["partner"] for row in rows}
    assert names == {"Mine Ltd", "Quiet Co", "'" + evil.name}
    mine = next(row for row in rows if row["partner"] == "Mine Ltd")
    assert mine["manager"] == "Anna Manager" and mine["last_activity_on"] == (utcnow() - timedelta(days=2)).date().isoformat()


def test_schedule_a_checkin_from_the_dust_list(client, auth, team, db):
    auth.login_as(team["anna"])

    response = client.post(f"/dashboard/partners/{team['quiet'].id}/schedule-checkin")
    client.post(f"/dashboard/partners/{team['quiet'].id}/schedule-checkin")

    assert response.status_code == 302
    planned = db.scalars(select(CheckIn).where(CheckIn.partner_id == team["quiet"].id)).all()
    assert len(planned) == 1 and planned[0].kind == "adhoc"
    assert client.post(f"/dashboard/partners/{team['theirs'].id}/schedule-checkin").status_code == 404


def _queries(app, fn) -> int:
    engine = app.extensions["lms.db"].engine
    seen = []

    def count(*args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _grow(make, db, manager, n):
    for i in range(n):
        partner = make.partner("gold", manager=manager)
        user = make.user(partner=partner)
        user.last_login_at = utcnow() - timedelta(days=i)
        kickoff(db, partner, utcnow() - timedelta(days=40 + i))
        checkin(db, partner, due_on=utcnow().date() - timedelta(days=1 + i))
        support_request(db, partner, user)
        db.add(AuditEvent(action="partner.updated", object_type="partner", object_id=partner.id,
                          partner_id=partner.id, summary="x"))
        register(db, user, f"grow{partner.id}.example", company=f"Grow {partner.id}")
        response(db, user, 3)
    db.commit()


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/partners", "/dashboard/partners.csv"])
def test_query_count_is_the_same_at_3_and_30_partners(app, client, auth, make, db, url):
    few, many = make.manager(), make.manager()
    _grow(make, db, few, 3)
    _grow(make, db, many, 30)

    auth.login_as(few)
    at_3 = _queries(app, lambda: client.get(url))
    auth.login_as(many)
    at_30 = _queries(app, lambda: client.get(url))

    assert at_3 == at_30


def test_timeline_query_count_is_the_same_at_3_and_30_events(app, client, auth, make, db):
    manager = make.manager()
    small, big = make.partner("gold", manager=manager), make.partner("gold", manager=manager)
    for partner, n in ((small, 3), (big, 30)):
        for i in range(n):
            db.add(AuditEvent(action="checkin.held", object_type="checkin", partner_id=partner.id, summary=f"e{i}"))
    db.commit()
    auth.login_as(manager)

    at_3 = _queries(app, lambda: client.get(f"/dashboard/partners/{small.id}"))
    at_30 = _queries(app, lambda: client.get(f"/dashboard/partners/{big.id}"))

    assert at_3 == at_30


def test_timeline_tells_each_event_once_at_the_time_it_happened(client, auth, team, db):
    from datetime import date

    from tests.courses.helpers import create_course
    from tests.dashboard.factories import certificate, held_checkin

    mine = team["mine"]
    mia = db.scalar(select(User).where(User.partner_id == mine.id, User.name == "Mia Mine"))
    kickoff(db, mine, utcnow().replace(year=2026, month=1, day=10, hour=9, minute=0))
    db.add(AuditEvent(action="booking.kickoff_held", object_type="booking", partner_id=mine.id, summary="DUPLICATE"))
    held_checkin(db, mine, date(2026, 2, 3), pulse=4)
    certificate(db, mia, create_course(db, "timeline-course", lessons=1), utcnow().replace(year=2026, month=3, day=1))
    db.commit()
    auth.login_as(team["anna"])

    page = client.get(f"/dashboard/partners/{mine.id}").get_data(as_text=True)

    assert "DUPLICATE" not in page
    order = [page.index(text) for text in (
        "Mia Mine earned the certificate", "Mia Mine completed “Lesson 1”", "Check-in held", "Kickoff call held",
        "Kickoff call booked", "Mia Mine was invited")]
    assert order[0] < order[2] < order[3] < order[4]
    assert "3 Feb 2026" in page and "10 Jan 2026" in page


def test_timeline_is_paginated(client, auth, team, db):
    for i in range(35):
        db.add(AuditEvent(action="support.requested", object_type="supportrequest", partner_id=team["mine"].id,
                          summary=f"Event number {i:02d}", occurred_at=utcnow() - timedelta(hours=i + 1)))
    db.commit()
    auth.login_as(team["anna"])

    first = client.get(f"/dashboard/partners/{team['mine'].id}").get_data(as_text=True)
    second = client.get(f"/dashboard/partners/{team['mine'].id}?page=2").get_data(as_text=True)

    assert "Event number 00" in first and "Event number 34" not in first
    assert 'rel="next"' in first
    assert "Event number 34" in second and "Event number 00" not in second
