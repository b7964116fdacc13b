"""Public holidays page: admins keep the list (audited); open check-ins due on a new holiday move off it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from lms.checkins import holidays
from lms.models import AuditEvent, CheckIn, PublicHoliday
from tests.checkins import factories
from tests.checkins.test_views import BAD_PAGES, assert_first_page


def count_holidays(db, country="GB"):
    db.expire_all()
    return db.scalar(select(func.count(PublicHoliday.id)).where(PublicHoliday.country == country))


def test_admin_adds_and_removes_a_holiday_with_audit(client, auth, make, db):
    make.manager(name="Anna Berg", timezone="Europe/London")  # whose country the page names
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    page = client.get("/checkins/holidays").get_data(as_text=True)
    assert "Anna Berg" in page and ">GB<" in page  # whose holidays count: the manager's country
    response = client.post("/checkins/holidays", data={"country": "gb", "day": "2026-12-25", "name": "Christmas Day"})
    assert response.status_code == 302
    assert count_holidays(db) == 1
    page = client.get("/checkins/holidays").get_data(as_text=True)
    assert "Christmas Day" in page and "added" in page
    holiday = db.scalar(select(PublicHoliday).where(PublicHoliday.country == "GB"))
    # A double click adds nothing twice and says why, next to the field.
    again = client.post("/checkins/holidays", data={"country": "GB", "day": "2026-12-25", "name": "Xmas"})
    assert again.status_code == 400 and "already has a holiday" in again.get_data(as_text=True)
    assert count_holidays(db) == 1
    assert client.post(f"/checkins/holidays/{holiday.id}/remove").status_code == 302
    assert count_holidays(db) == 0
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("holiday.%"))
                              .order_by(AuditEvent.id)))
    assert actions == ["holiday.added", "holiday.removed"]


def test_bad_input_is_shown_next_to_the_field_and_adds_nothing(client, auth, make, db):
    auth.login_as(make.admin())
    response = client.post("/checkins/holidays", data={"country": "GBR", "day": "25/12/2026", "name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="country-error"' in page and 'id="day-error"' in page and 'id="name-error"' in page
    assert db.scalar(select(func.count(PublicHoliday.id))) == 0


def test_managers_see_the_list_but_cannot_change_it(client, auth, make, db):
    manager = make.manager(timezone="Europe/London")
    db.add(PublicHoliday(country="GB", day=date(2026, 12, 25), name="Christmas Day"))
    db.commit()
    holiday = db.scalar(select(PublicHoliday))
    auth.login_as(manager)
    page = client.get("/checkins/holidays").get_data(as_text=True)
    assert "Christmas Day" in page and "Add holiday" not in page and "/remove" not in page
    assert client.post("/checkins/holidays", data={"country": "GB", "day": "2026-12-26", "name": "Boxing Day"}).status_code == 403
    assert client.post(f"/checkins/holidays/{holiday.id}/remove").status_code == 403
    assert count_holidays(db) == 1


def test_partners_cannot_open_the_page(client, auth, make, db):
    auth.login_as(make.partner_user("gold"))
    assert client.get("/checkins/holidays").status_code == 403


def test_a_new_holiday_moves_open_unbooked_check_ins_of_that_country(db, make):
    london = make.manager(timezone="Europe/London")
    berlin = make.manager(timezone="Europe/Berlin")
    gb_partner = make.partner("gold", manager=london)
    de_partner = make.partner("gold", manager=berlin)
    tuesday = date(2026, 12, 1)
    moving = factories.checkin(db, gb_partner, due_on=tuesday)
    held = factories.checkin(db, gb_partner, due_on=tuesday, kind="qbr", status="held", held_on=tuesday)
    elsewhere = factories.checkin(db, de_partner, due_on=tuesday)
    _, moved = holidays.add_holiday(db, make.admin(), "GB", tuesday, "Test holiday")
    assert moved == 1
    assert (moving.due_on, held.due_on, elsewhere.due_on) == (date(2026, 12, 2), tuesday, tuesday)
    summaries = list(db.scalars(select(AuditEvent.summary).where(AuditEvent.partner_id == gb_partner.id)))
    assert any("moved from 1 Dec 2026 to 2 Dec 2026" in s for s in summaries)


def test_a_move_onto_a_taken_day_keeps_the_check_in_where_it_was(db, make):
    london = make.manager(timezone="Europe/London")
    partner = make.partner("gold", manager=london)
    first = factories.checkin(db, partner, due_on=date(2026, 12, 1))
    factories.checkin(db, partner, due_on=date(2026, 12, 2))
    _, moved = holidays.add_holiday(db, None, "GB", date(2026, 12, 1), "Test holiday")
    assert moved == 0 and db.get(CheckIn, first.id).due_on == date(2026, 12, 1)


def test_holidays_page_in_fifties_and_the_country_filter_survives_paging(client, auth, make, db):
    from datetime import timedelta

    year = date.today().year + 1
    for i in range(51):
        factories.holiday(db, "GB", date(year, 1, 1) + timedelta(days=i), name=f"Bank day {i:02d}")
    factories.holiday(db, "DE", date(year, 1, 1), name="Neujahr")
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    everything = client.get("/checkins/holidays").get_data(as_text=True)
    assert "Neujahr" in everything and "Page 1 of 2" in everything
    first = client.get("/checkins/holidays?country=GB").get_data(as_text=True)
    assert "Neujahr" not in first and first.count("</span> Bank day") == 50 and "Bank day 50" not in first
    assert 'href="/checkins/holidays?country=GB&amp;page=2"' in first
    second = client.get("/checkins/holidays?country=GB&page=2").get_data(as_text=True)
    assert "Bank day 50" in second and second.count("</span> Bank day") == 1 and "Neujahr" not in second
    assert 'href="/checkins/holidays?country=GB&amp;page=1"' in second
    unknown = client.get("/checkins/holidays?country=XX").get_data(as_text=True)
    assert "Neujahr" in unknown  # an unknown country is no filter
    for bad in BAD_PAGES:
        assert_first_page(client.get("/checkins/holidays", query_string={"country": "GB", "page": bad}), bad, "Bank day 00")
