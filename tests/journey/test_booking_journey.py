"""Issue 15 (the journey as a person meets it): zones, the slot picker, change windows, calendars, no dead ends."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from lms.bookings import service
from lms.db import utcnow
from lms.models import OutboxMessage, User

from tests.bookings.conftest import Bookings, bookings, gold  # noqa: F401  (fixtures)


def _invite_link(db, email):
    body = db.scalar(select(OutboxMessage.body_text).where(OutboxMessage.recipient == email))
    return re.search(r"http://[^\s]+(/invite/[^\s]+)", body).group(1)


def test_a_manager_invited_in_los_angeles_keeps_the_zone_through_the_invite(client, auth, make, db):
    admin = make.admin(timezone="Europe/London")
    db.commit()
    auth.login_as(admin)
    client.post("/admin/managers/new", data={"name": "Priya Shah", "email": "priya@example.com",
                                             "timezone": "America/Los_Angeles", "phone": ""})
    auth.logout()
    link = _invite_link(db, "priya@example.com")
    page = client.get(link).get_data(as_text=True)
    # Prefilled with the admin's choice, and no script swaps in the browser's zone.
    assert re.search(r'<option selected value="America/Los_Angeles">', page)
    assert "data-browser-timezone" not in page
    client.post(link, data={"name": "Priya Shah", "password": "a sensible passphrase",
                            "confirm": "a sensible passphrase", "timezone": "America/Los_Angeles"})
    db.expire_all()
    assert db.scalar(select(User.timezone).where(User.email == "priya@example.com")) == "America/Los_Angeles"


def test_availability_uses_the_profile_zone_and_the_preview_names_it(client, auth, make, db):
    manager = make.manager(timezone="America/Los_Angeles")
    db.commit()
    auth.login_as(manager)
    page = client.get("/bookings/availability").get_data(as_text=True)
    assert 'name="timezone"' not in page and "America/Los_Angeles" in page
    data = {"slot_minutes": 30, "buffer_before_minutes": 0, "buffer_after_minutes": 0, "min_notice_hours": 0,
            "horizon_days": 14, "day_0": "09:00-17:00", "day_1": "09:00-17:00", "day_2": "09:00-17:00",
            "day_3": "09:00-17:00", "day_4": "09:00-17:00", "timezone": "UTC"}  # a stray zone is ignored
    assert client.post("/bookings/availability", data=data).status_code == 302
    slots = service.free_slots(db, manager.id)
    local = slots[0].starts_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert 9 <= local.hour < 17  # windows are read in the manager's one zone
    preview = client.get("/bookings/availability").get_data(as_text=True)
    assert f"{local:%H:%M} America/Los_Angeles" in preview


def test_slot_picker_is_a_month_then_one_day(client, auth, db, gold):  # noqa: F811
    partner, user, manager = gold
    db.commit()
    auth.login_as(user)
    page = client.get("/bookings/").get_data(as_text=True)
    slots = service.free_slots(db, manager.id)
    zone = ZoneInfo("America/New_York")
    days = sorted({s.starts_at.astimezone(zone).date() for s in slots})
    first = [s for s in slots if s.starts_at.astimezone(zone).date() == days[0]]
    # The first day with times is open; the other days are links, not hundreds of buttons.
    assert page.count('name="starts_at"') == len(first)
    assert 'aria-current="date"' in page and f"?day={days[1].isoformat()}" in page
    second = client.get(f"/bookings/?day={days[1].isoformat()}").get_data(as_text=True)
    on_second = [s for s in slots if s.starts_at.astimezone(zone).date() == days[1]]
    assert second.count('name="starts_at"') == len(on_second)
    assert on_second[0].starts_at.isoformat() in second and first[0].starts_at.isoformat() not in second


def test_bad_day_values_are_ignored_never_a_server_error(client, auth, db, gold):  # noqa: F811
    partner, user, manager = gold
    db.commit()
    auth.login_as(user)
    assert client.get("/bookings/", query_string={"day": "\x00"}).status_code == 400  # the request guard
    for value in ("2026-13-45", "yesterday", "9" * 5000, "2026-02-30", "1900-01-01", ""):
        response = client.get("/bookings/", query_string={"day": value})
        assert response.status_code == 200
        assert 'aria-current="date"' in response.get_data(as_text=True)


def test_each_time_says_until_when_it_can_be_changed(client, auth, db, gold):  # noqa: F811
    partner, user, manager = gold
    db.commit()
    auth.login_as(user)
    page = client.get("/bookings/").get_data(as_text=True)
    slot = service.free_slots(db, manager.id)[0]
    deadline = (slot.starts_at - timedelta(hours=24)).astimezone(ZoneInfo("America/New_York"))
    assert f"changes until {deadline:%a %H:%M}" in page
    booked = client.post("/bookings/book", data={"starts_at": slot.starts_at.isoformat()}, follow_redirects=True)
    assert f"{deadline:%a %-d %b %Y, %H:%M}" in booked.get_data(as_text=True)


def test_no_slot_is_offered_whose_change_window_has_closed(db, make, bookings):  # noqa: F811
    from lms.bookings.picker import build_picker

    manager = make.manager(timezone="Europe/Berlin")
    bookings.publish(manager, notice_hours=0)
    now = utcnow()
    slots = service.free_slots(db, manager.id, now)
    picker = build_picker(slots, "Europe/Berlin", None, timedelta(hours=2), now=now)
    offered = [t.slot for day_slots in [picker.times] for t in day_slots]
    assert offered and all(s.starts_at - timedelta(hours=2) > now for s in offered)


def test_call_page_offers_the_same_invite_as_the_email_and_calendar_links(client, auth, db, gold):  # noqa: F811
    partner, user, manager = gold
    slot = service.free_slots(db, manager.id)[0]
    booking = service.book_call(db, user, partner, slot.starts_at)
    service.reschedule_booking(db, user, booking, service.free_slots(db, manager.id)[3].starts_at)
    db.commit()
    emailed = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                         .order_by(OutboxMessage.id.desc())).first()
    mail_event = Calendar.from_ical(emailed.attachments[0]["content"]).walk("VEVENT")[0]
    auth.login_as(user)
    page = client.get(f"/bookings/calls/{booking.id}").get_data(as_text=True)
    assert f"/bookings/calls/{booking.id}/invite.ics" in page
    assert "https://calendar.google.com/calendar/render?" in page and "https://outlook.live.com/" in page
    response = client.get(f"/bookings/calls/{booking.id}/invite.ics")
    assert response.mimetype == "text/calendar" and "attachment" in response.headers["Content-Disposition"]
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["UID"]) == str(mail_event["UID"]) == booking.uid
    assert int(event["SEQUENCE"]) == int(mail_event["SEQUENCE"]) == 1


def test_manager_is_told_about_the_feed_only_when_there_is_one(client, auth, db, gold):  # noqa: F811
    partner, user, manager = gold
    booking = service.book_call(db, user, partner, service.free_slots(db, manager.id)[0].starts_at)
    db.commit()
    auth.login_as(manager)
    page = client.get(f"/bookings/calls/{booking.id}").get_data(as_text=True)
    assert "Your calendar feed shows this call" not in page and "Create a calendar feed" in page
    service.rotate_feed_token(db, manager, manager)
    db.commit()
    page = client.get(f"/bookings/calls/{booking.id}").get_data(as_text=True)
    assert "Your calendar feed shows this call" in page


def test_no_published_times_is_no_dead_end(client, auth, db, make):
    manager = make.manager(name="Nora Late")
    partner = make.partner("gold", manager=manager, name="Waiting Ltd")
    user = make.user("partner", partner=partner)
    admin = make.admin()
    db.commit()
    auth.login_as(user)
    home = client.get("/home").get_data(as_text=True)
    assert "Book your kickoff call</a>" not in home and "has not published any times yet" in home
    for _ in range(2):
        page = client.get("/bookings/").get_data(as_text=True)
        assert "has been asked to" in page
    asked = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == manager.email)).all()
    assert len(asked) == 1 and "Waiting Ltd" in asked[0].body_text  # notified once
    auth.logout()
    auth.login_as(admin)
    detail = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Nora Late has not published any times, so Waiting Ltd cannot book its kickoff call" in detail


def test_a_manager_can_move_a_call(client, auth, db, gold):  # noqa: F811
    partner, user, manager = gold
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    db.commit()
    auth.login_as(manager)
    page = client.get(f"/bookings/calls/{booking.id}").get_data(as_text=True)
    assert f"/bookings/calls/{booking.id}/reschedule" in page
    assert client.get(f"/bookings/calls/{booking.id}/reschedule").status_code == 200
    response = client.post(f"/bookings/calls/{booking.id}/reschedule", data={"starts_at": slots[5].starts_at.isoformat()})
    assert response.status_code == 302
    db.expire_all()
    assert booking.starts_at == slots[5].starts_at and booking.sequence == 1
    moved = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                       .order_by(OutboxMessage.id.desc())).first()
    assert "moved" in moved.subject.lower()


def test_check_in_call_page_uses_the_same_month_picker(client, auth, db, gold):  # noqa: F811
    from tests.checkins import factories

    partner, user, manager = gold
    checkin = factories.checkin(db, partner, due_on=utcnow().date() + timedelta(days=12))
    db.commit()
    auth.login_as(user)
    page = client.get(f"/checkins/{checkin.id}/book").get_data(as_text=True)
    assert 'class="month-grid"' in page and 'aria-current="date"' in page
    zone = ZoneInfo("America/New_York")
    days = sorted({s.starts_at.astimezone(zone).date() for s in service.free_slots(db, manager.id)})
    # Opens near the due date (from ten days before it), every day stays reachable by link.
    opened = re.search(r'href="[^"]*\?day=([0-9-]+)#times" aria-current="date"', page).group(1)
    assert opened >= (checkin.due_on - timedelta(days=10)).isoformat()
    other = client.get(f"/checkins/{checkin.id}/book?day={days[0].isoformat()}").get_data(as_text=True)
    assert f'?day={days[0].isoformat()}#times" aria-current="date"' in other
    assert client.get(f"/checkins/{checkin.id}/book?day=not-a-day").status_code == 200


def test_a_check_in_call_records_its_next_steps_in_the_one_list(client, auth, db, gold):  # noqa: F811
    from lms.checkins import service as checkins
    from lms.models import Booking, NextStep
    from tests.checkins import factories

    partner, user, manager = gold
    checkin = factories.checkin(db, partner, due_on=utcnow().date())
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    call = Booking(kind="checkin", status="booked", partner_id=partner.id, manager_id=manager.id,
                   booked_by_id=user.id, starts_at=start, ends_at=start + timedelta(minutes=30))
    db.add(call)
    db.flush()
    checkin.booking_id = call.id
    db.commit()
    auth.login_as(manager)
    response = client.post(f"/bookings/calls/{call.id}/outcome", data={
        "outcome": "held", "steps-0-text": "Share the Q1 plan", "steps-0-owner": "partner"})
    assert response.status_code == 302
    step = db.scalar(select(NextStep).where(NextStep.partner_id == partner.id))
    assert step.text == "Share the Q1 plan" and step.checkin_id == checkin.id
    assert [s.text for s in checkins.open_steps(db, partner.id)] == ["Share the Q1 plan"]
