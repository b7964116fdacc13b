"""Check-in pages: the agenda, recording and skipping, the partner's plan, support requests."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from lms.checkins import service
from lms.db import utcnow
from lms.models import CheckIn, NextStep, SupportRequest
from tests.checkins import factories


def setup_gold(make, db):
    manager = make.manager(name="Anna Berg", timezone="Europe/London", phone="+44 20 7946 0018")
    partner = make.partner("gold", manager=manager, name="Goldcrest Integrations")
    user = make.user("partner", partner=partner, name="Liam O'Connor", timezone="Europe/Dublin")
    return partner, user, manager


def test_agenda_lists_overdue_with_days_and_links(client, auth, make, db):
    partner, _, manager = setup_gold(make, db)
    today = service.today_for(manager, utcnow())
    overdue = factories.checkin(db, partner, due_on=today - timedelta(days=9))
    factories.checkin(db, make.partner("gold"), due_on=today - timedelta(days=3))  # someone else's
    db.commit()
    auth.login_as(manager)
    page = client.get("/checkins/").get_data(as_text=True)
    assert "Goldcrest Integrations" in page and ">9</span>" in page
    assert f"/checkins/{overdue.id}/record" in page
    assert page.count("/record\"") == 1


def test_recording_through_the_form(client, auth, make, db):
    partner, _, manager = setup_gold(make, db)
    today = service.today_for(manager, utcnow())
    checkin = factories.checkin(db, partner, due_on=today - timedelta(days=1))
    db.commit()
    auth.login_as(manager)
    assert client.get(f"/checkins/{checkin.id}/record").status_code == 200
    response = client.post(f"/checkins/{checkin.id}/record", data={
        "held_on": today.isoformat(), "notes": "Reviewed the pipeline", "pulse": "4",
        "steps-0-text": "Send the price list", "steps-0-owner": "us", "steps-0-due_on": (today + timedelta(days=7)).isoformat(),
        "steps-1-text": "", "steps-1-owner": "partner", "steps-1-due_on": "",
    })
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(CheckIn, checkin.id)
    assert (stored.status, stored.pulse, stored.notes) == ("held", 4, "Reviewed the pipeline")
    assert [s.text for s in db.scalars(select(NextStep).where(NextStep.partner_id == partner.id))] == ["Send the price list"]
    # The double click: the second submission changes nothing and says so.
    again = client.post(f"/checkins/{checkin.id}/record", data={"held_on": today.isoformat(), "notes": "again"})
    assert again.status_code == 302
    assert db.scalar(select(func.count(NextStep.id)).where(NextStep.partner_id == partner.id)) == 1


def test_bad_input_is_shown_next_to_the_field(client, auth, make, db):
    partner, _, manager = setup_gold(make, db)
    checkin = factories.checkin(db, partner, due_on=date(2026, 1, 5))
    db.commit()
    auth.login_as(manager)
    future = (utcnow() + timedelta(days=5)).date().isoformat()
    response = client.post(f"/checkins/{checkin.id}/record", data={"held_on": future})
    assert response.status_code == 400
    assert 'id="held_on-error"' in response.get_data(as_text=True)
    assert "cannot be in the future" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(CheckIn, checkin.id).status == "planned"


def test_skip_needs_a_reason(client, auth, make, db):
    partner, _, manager = setup_gold(make, db)
    checkin = factories.checkin(db, partner, due_on=date(2026, 1, 5))
    db.commit()
    auth.login_as(manager)
    empty = client.post(f"/checkins/{checkin.id}/skip", data={"reason": ""})
    assert empty.status_code == 400 and 'id="reason-error"' in empty.get_data(as_text=True)
    assert client.post(f"/checkins/{checkin.id}/skip", data={"reason": "Partner on holiday"}).status_code == 302
    db.expire_all()
    assert db.get(CheckIn, checkin.id).status == "skipped"
    page = client.get(f"/checkins/partners/{partner.id}").get_data(as_text=True)
    assert "skipped" in page and "Partner on holiday" in page


def test_partner_sees_next_check_in_support_promise_and_steps_but_not_notes(client, auth, make, db):
    partner, user, manager = setup_gold(make, db)
    today = service.today_for(manager, utcnow())
    held = factories.checkin(db, partner, due_on=today - timedelta(days=20), status="held")
    held.notes = "Internal: budget is tight"
    factories.next_step(db, held, "Register two deals", owner="partner")
    factories.next_step(db, held, "Send the deck", owner="us")
    factories.checkin(db, partner, due_on=today + timedelta(days=10))
    db.commit()
    auth.login_as(user)
    page = client.get("/checkins/plan").get_data(as_text=True)
    assert f"due {(today + timedelta(days=10)).strftime('%a %-d %b %Y')}" in page and "with Anna Berg" in page
    assert "Email or call Anna Berg, +44 20 7946 0018" in page
    assert "4 business hours, Monday to Friday 09:00-17:00 Europe/London" in page
    assert "Register two deals" in page and "Send the deck" in page
    assert "budget is tight" not in page
    home = client.get("/home").get_data(as_text=True)
    assert "Next: <strong>check-in</strong> with Anna Berg" in home


def test_partner_cannot_open_manager_pages(client, auth, make, db):
    partner, user, _ = setup_gold(make, db)
    checkin = factories.checkin(db, partner)
    db.commit()
    auth.login_as(user)
    assert client.get("/checkins/").status_code == 403
    assert client.get(f"/checkins/{checkin.id}/record").status_code == 403
    assert client.get("/checkins/support").status_code == 403


def test_request_support_form_records_once_with_its_deadline(client, auth, make, db):
    partner, user, manager = setup_gold(make, db)
    db.commit()
    auth.login_as(user)
    form = client.get("/checkins/support/new").get_data(as_text=True)
    assert "we answer within 4 business hours" in form
    key = form.split('name="request_key" type="hidden" value="')[1].split('"')[0]
    data = {"subject": "Deal registration fails", "body": "The portal rejects our deal.", "request_key": key}
    assert client.post("/checkins/support/new", data=data).status_code == 302
    assert client.post("/checkins/support/new", data=data).status_code == 302  # double click
    requests = list(db.scalars(select(SupportRequest).where(SupportRequest.partner_id == partner.id)))
    assert len(requests) == 1 and requests[0].due_at is not None
    missing = client.post("/checkins/support/new", data={"subject": "", "body": "x", "request_key": "y" * 32})
    assert missing.status_code == 400 and 'id="subject-error"' in missing.get_data(as_text=True)


def test_manager_sees_breaches_and_marks_answered(client, auth, make, db):
    partner, user, manager = setup_gold(make, db)
    now = utcnow()
    late = factories.support_request(db, partner, user, subject="Late one", created_at=now - timedelta(hours=8),
                                     due_at=now - timedelta(hours=2))
    factories.support_request(db, partner, user, subject="Fresh one", created_at=now, due_at=now + timedelta(hours=4))
    db.commit()
    auth.login_as(manager)
    page = client.get("/checkins/support").get_data(as_text=True)
    assert page.index("Late one") < page.index("Fresh one")
    assert "breached 2 h ago" in page
    assert client.post(f"/checkins/support/{late.id}/answered", data={"note": "Called back"}).status_code == 302
    db.expire_all()
    assert db.get(SupportRequest, late.id).answered_by_id == manager.id
    page = client.get("/checkins/support").get_data(as_text=True)
    assert "late</span>" in page


def test_partner_detail_has_a_check_ins_panel(client, auth, make, db):
    partner, _, manager = setup_gold(make, db)
    checkin = factories.checkin(db, partner, due_on=date(2030, 3, 4))
    db.commit()
    auth.login_as(manager)
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Check-ins" in page and "Mon 4 Mar 2030" in page and f"/checkins/{checkin.id}/record" in page


def test_forms_carry_csrf(csrf_app, make, db):
    partner, user, manager = setup_gold(make, db)
    checkin = factories.checkin(db, partner, due_on=date(2026, 1, 5))
    db.commit()
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": manager.email, "password": make.PASSWORD, "csrf_token": token})
    response = client.post(f"/checkins/{checkin.id}/skip", data={"reason": "no token"})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(CheckIn, checkin.id).status == "planned"


def test_pages_say_plainly_that_the_qbr_replaces_that_months_check_in(client, auth, make, db):
    manager = make.manager(name="Marco Rossi", timezone="Europe/Berlin")
    platinum = make.partner("platinum", manager=manager, name="Summit")
    user = make.user("partner", partner=platinum)
    gold_user = make.partner_user("gold")
    service.plan_checkins(db, None, platinum, service.today_for(manager, utcnow()) - timedelta(days=10))
    db.commit()
    replaces = "takes the place of that month's check-in"
    auth.login_as(user)
    plan = client.get("/checkins/plan").get_data(as_text=True)
    assert replaces in plan and "Quarterly business review" in plan
    assert "(in place of that month's check-in)" in plan  # the QBR in the list of what comes next
    auth.logout()
    auth.login_as(manager)
    assert replaces in client.get(f"/checkins/partners/{platinum.id}").get_data(as_text=True)
    assert replaces in client.get(f"/partners/{platinum.id}").get_data(as_text=True)
    auth.logout()
    auth.login_as(gold_user)
    assert "takes the place" not in client.get("/checkins/plan").get_data(as_text=True)


def test_an_overdue_next_check_in_says_it_was_due(client, auth, make, db):
    partner, user, manager = setup_gold(make, db)
    factories.checkin(db, partner, due_on=service.today_for(manager, utcnow()) - timedelta(days=5))
    db.commit()
    auth.login_as(user)
    page = client.get("/checkins/plan").get_data(as_text=True)
    assert "was due" in page and "Anna Berg will be in touch" in page


def test_partner_sees_which_requests_are_late_and_which_are_still_in_time(client, auth, make, db):
    partner, user, manager = setup_gold(make, db)
    now = utcnow()
    factories.support_request(db, partner, user, subject="Late one", created_at=now - timedelta(hours=8),
                              due_at=now - timedelta(hours=2))
    factories.support_request(db, partner, user, subject="Fresh one", created_at=now, due_at=now + timedelta(hours=4))
    db.commit()
    auth.login_as(user)
    page = client.get("/checkins/plan").get_data(as_text=True)
    late, fresh = page.index("Late one"), page.index("Fresh one")
    assert "late: the answer was due by" in page[late:] and page.count("late: the answer was due by") == 1
    assert "answer due by" in page[fresh:late]  # the newer one, listed first, is still in time


BAD_PAGES = ("0", "-1", "99999999999", "abc", "1e400", "ab\x00cd")  # the app refuses a NUL anywhere with a 400


def assert_first_page(response, bad, text):
    assert response.status_code == (400 if "\x00" in bad else 200), bad
    if response.status_code == 200:
        assert text in response.get_data(as_text=True), bad


def test_partner_checkins_page_in_fifties_latest_first_and_each_list_keeps_the_others_page(client, auth, make, db):
    partner, _, manager = setup_gold(make, db)
    start = date(2020, 1, 6)
    for i in range(51):
        factories.checkin(db, partner, due_on=start + timedelta(days=7 * i), status="held")
    held = factories.checkin(db, partner, due_on=date(2019, 12, 2), status="held")
    for i in range(52):
        factories.next_step(db, held, text=f"Paged step {i:02d}", due_on=date(2030, 1, 1) + timedelta(days=i))
    db.commit()
    auth.login_as(manager)
    url = f"/checkins/partners/{partner.id}"
    first = client.get(url).get_data(as_text=True)
    assert "2 Dec 2019" not in first and "Page 1 of 2" in first  # 52 check-ins: the oldest is the 51st
    assert first.count("Paged step") == 50 and "Paged step 50" not in first
    second = client.get(url, query_string={"page": 2, "steps_page": 2}).get_data(as_text=True)
    assert "2 Dec 2019" in second and "6 Jan 2020" in second  # the 51st and 52nd rows, latest first
    assert "Paged step 50" in second and "Paged step 51" in second and second.count("Paged step") == 2
    # Paging one list keeps the other where it is.
    assert f'href="/checkins/partners/{partner.id}?steps_page=2&amp;page=1"' in second
    assert f'href="/checkins/partners/{partner.id}?page=2&amp;steps_page=1"' in second
    for bad in BAD_PAGES:
        assert_first_page(client.get(url, query_string={"page": bad, "steps_page": bad}), bad, "Page 1 of 2")


def test_partner_plan_pages_its_support_requests(client, auth, make, db):
    partner, user, _ = setup_gold(make, db)
    for i in range(11):
        factories.support_request(db, partner, user, subject=f"Question {i:02d}",
                                  created_at=utcnow() - timedelta(hours=i))
    db.commit()
    auth.login_as(user)
    first = client.get("/checkins/plan").get_data(as_text=True)
    assert first.count("Question ") == 10 and "Question 10" not in first  # the oldest is the 11th
    assert 'href="/checkins/plan?requests_page=2"' in first
    second = client.get("/checkins/plan?requests_page=2").get_data(as_text=True)
    assert "Question 10" in second and second.count("Question ") == 1
    for bad in BAD_PAGES:
        assert_first_page(client.get("/checkins/plan", query_string={"requests_page": bad, "steps_page": bad}), bad,
                          "Question 00")


def test_agenda_sections_page_each_keeping_the_others(client, auth, make, db):
    from tests.leads.test_views import _pager_links

    per_page = service.AGENDA_PER_PAGE
    manager = make.manager(timezone="UTC")
    today = service.today_for(manager, utcnow())
    for i in range(per_page + 1):  # overdue, oldest first: the last one, due yesterday, is the first of page 2
        partner = make.partner("gold", manager=manager, name=f"Late Org {i:02d}")
        factories.checkin(db, partner, due_on=today - timedelta(days=60 - i))
    for i in range(per_page + 1):
        partner = make.partner("gold", manager=manager, name=f"Soon Org {i:02d}")
        factories.checkin(db, partner, due_on=service.week_bounds(today)[1] + timedelta(days=1 + i % 27))
    db.commit()
    auth.login_as(manager)
    last = f"Late Org {per_page:02d}"
    first = client.get("/checkins/").get_data(as_text=True)
    assert first.count(">Late Org") == per_page and last not in first and "Page 1 of 2" in first
    assert {"overdue_page": "2"} in _pager_links(first) and {"coming_page": "2"} in _pager_links(first)
    second = client.get("/checkins/?overdue_page=2&coming_page=2").get_data(as_text=True)
    assert last in second and second.count(">Late Org") == 1 and second.count(">Soon Org") == 1
    links = _pager_links(second)
    assert {"overdue_page": "1", "coming_page": "2"} in links and {"overdue_page": "2", "coming_page": "1"} in links
    for bad in BAD_PAGES:
        assert_first_page(client.get("/checkins/", query_string={"overdue_page": bad, "week_page": bad}), bad,
                          "Late Org 00")


def test_record_page_shows_the_50_nearest_open_steps_and_links_to_the_rest(client, auth, make, db):
    partner, _, manager = setup_gold(make, db)
    today = service.today_for(manager, utcnow())
    held = factories.checkin(db, partner, due_on=today - timedelta(days=30), status="held")
    for i in range(52):
        factories.next_step(db, held, text=f"Owed step {i:02d}", due_on=today + timedelta(days=i))
    planned = factories.checkin(db, partner, due_on=today)
    db.commit()
    auth.login_as(manager)
    page = client.get(f"/checkins/{planned.id}/record").get_data(as_text=True)
    page = page[page.index("Open next steps from earlier"):page.index("</fieldset>")]
    assert page.count("Owed step") == 50 and "Owed step 50" not in page
    assert "2 more open steps" in page and f"/checkins/partners/{partner.id}?steps_page=2" in page
