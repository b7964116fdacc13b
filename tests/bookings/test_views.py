"""What partners and managers see and do in the browser (no JavaScript involved)."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from lms.bookings import service
from lms.mail import build_email
from lms.models import AuditEvent, Availability, Booking, DayOff, OutboxMessage, SessionSeat


def test_partner_sees_slots_in_own_zone_with_managers_zone_and_books(client, auth, db, gold):
    partner, user, manager = gold
    db.commit()
    auth.login_as(user)
    page = client.get("/bookings/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "America/New_York" in body and "Europe/Berlin" in body
    slot = service.free_slots(db, manager.id)[0]
    # 09:00 Berlin is 03:00 in New York: both labels appear on the button.
    assert slot.starts_at.isoformat() in body
    new_york = slot.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).strftime("%H:%M")
    assert new_york in body
    response = client.post("/bookings/book", data={"starts_at": slot.starts_at.isoformat()})
    assert response.status_code == 302
    booking = db.scalar(select(Booking).where(Booking.partner_id == partner.id))
    assert response.headers["Location"].endswith(f"/bookings/calls/{booking.id}")
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "booked" in confirmation and "https://meet.example.com/kickoff" in confirmation
    home = client.get("/home").get_data(as_text=True)
    assert "Details, reschedule or cancel" in home


def test_a_double_click_lands_on_the_booking(client, auth, db, gold):
    partner, user, manager = gold
    db.commit()
    auth.login_as(user)
    start = service.free_slots(db, manager.id)[0].starts_at.isoformat()
    first = client.post("/bookings/book", data={"starts_at": start})
    second = client.post("/bookings/book", data={"starts_at": start})
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert len(db.scalars(select(Booking).where(Booking.partner_id == partner.id)).all()) == 1


def test_a_taken_or_forged_slot_gets_a_clear_message_and_books_nothing(client, auth, db, make, gold):
    partner, user, manager = gold
    rival = make.partner("gold", manager=manager)
    slot = service.free_slots(db, manager.id)[0]
    service.book_call(db, make.user("partner", partner=rival), rival, slot.starts_at)
    db.commit()
    auth.login_as(user)
    response = client.post("/bookings/book", data={"starts_at": slot.starts_at.isoformat()})
    assert response.status_code == 409
    assert "just taken by someone else. Please pick another" in response.get_data(as_text=True)
    forged = client.post("/bookings/book", data={"starts_at": "2030-01-01T03:07:00+00:00"})
    assert forged.status_code == 409
    garbage = client.post("/bookings/book", data={"starts_at": "tomorrow please"})
    assert garbage.status_code == 400 and "Pick a time from the list" in garbage.get_data(as_text=True)
    assert db.scalar(select(Booking).where(Booking.partner_id == partner.id)) is None


def test_reschedule_and_cancel_through_the_pages(client, auth, db, gold):
    partner, user, manager = gold
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    db.commit()
    auth.login_as(user)
    page = client.get(f"/bookings/calls/{booking.id}/reschedule").get_data(as_text=True)
    assert slots[0].starts_at.isoformat() in page  # its own time is not blocking the neighbours
    response = client.post(f"/bookings/calls/{booking.id}/reschedule", data={"starts_at": slots[3].starts_at.isoformat()})
    assert response.status_code == 302
    db.refresh(booking)
    assert booking.starts_at == slots[3].starts_at and booking.sequence == 1
    response = client.post(f"/bookings/calls/{booking.id}/cancel", data={"reason": "Clash"})
    assert response.status_code == 302
    db.refresh(booking)
    assert booking.status == "cancelled"
    assert "Book your kickoff call" in client.get("/bookings/").get_data(as_text=True)


def test_inside_the_notice_limit_the_page_says_whom_to_contact(client, auth, db, bookings, gold):
    partner, user, manager = gold
    booking = bookings.past_call(partner, user, hours_ago=-3)  # starts in 3 hours; notice is 24
    db.commit()
    auth.login_as(user)
    page = client.get(f"/bookings/calls/{booking.id}").get_data(as_text=True)
    assert "can no longer be moved or cancelled here" in page and manager.email in page
    response = client.post(f"/bookings/calls/{booking.id}/cancel", data={})
    assert response.status_code == 409 and "too close to the start" in response.get_data(as_text=True)
    db.refresh(booking)
    assert booking.status == "booked"


def test_invite_email_carries_a_text_calendar_part_with_the_same_method(db, gold, app):
    partner, user, manager = gold
    booking = service.book_call(db, user, partner, service.free_slots(db, manager.id)[0].starts_at)
    service.cancel_booking(db, user, booking)
    sent = list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)))
    for message, method in zip(sent, ["REQUEST", "CANCEL"]):
        email = build_email(message, "Portal <portal@example.com>")
        [part] = [p for p in email.walk() if p.get_content_type() == "text/calendar"]
        assert part.get_param("method") == method
        calendar = Calendar.from_ical(part.get_content())
        assert calendar["METHOD"] == method
        assert str(calendar.walk("VEVENT")[0]["UID"]) == booking.uid


def test_manager_publishes_availability_and_days_off(client, auth, db, make):
    manager = make.manager(timezone="Europe/London")
    db.commit()
    auth.login_as(manager)
    assert client.get("/bookings/availability").status_code == 200
    bad = client.post("/bookings/availability", data={
        "timezone": "Europe/London", "slot_minutes": "30", "horizon_days": "30", "min_notice_hours": "12",
        "day_0": "9 till noon"})
    assert bad.status_code == 400 and "not understood" in bad.get_data(as_text=True)
    assert db.scalar(select(Availability).where(Availability.manager_id == manager.id)) is None
    ok = client.post("/bookings/availability", data={
        "timezone": "Europe/London", "slot_minutes": "45", "horizon_days": "30", "min_notice_hours": "12",
        "buffer_after_minutes": "15", "day_0": "09:00-12:00, 14:00-17:00", "day_2": "10:00-11:30"})
    assert ok.status_code == 302
    availability = db.scalar(select(Availability).where(Availability.manager_id == manager.id))
    assert (availability.slot_minutes, availability.buffer_after_minutes) == (45, 15)
    page = client.get("/bookings/availability").get_data(as_text=True)
    assert "09:00-12:00, 14:00-17:00" in page and "10:00-11:30" in page
    response = client.post("/bookings/days-off", data={"first_day": "2030-05-01", "last_day": "2030-04-01"})
    assert response.status_code == 400 and "cannot be before" in response.get_data(as_text=True)
    assert client.post("/bookings/days-off", data={"first_day": "2030-05-01"}).status_code == 302
    day_off = db.scalar(select(DayOff).where(DayOff.manager_id == manager.id))
    assert (day_off.first_day.isoformat(), day_off.last_day.isoformat()) == ("2030-05-01", "2030-05-01")


def test_manager_records_outcome_and_it_reaches_the_timeline(client, auth, db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user)
    db.commit()
    auth.login_as(manager)
    agenda = client.get("/bookings/agenda").get_data(as_text=True)
    assert "Outcome to record" in agenda and partner.name in agenda
    response = client.post(f"/bookings/calls/{call.id}/outcome", data={})
    assert response.status_code == 400 and "Choose held or no-show" in response.get_data(as_text=True)
    response = client.post(f"/bookings/calls/{call.id}/outcome",
                           data={"outcome": "held", "notes": "Great start", "next_steps": "Certify two engineers"})
    assert response.status_code == 302
    db.refresh(call)
    assert call.status == "held"
    detail = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Kickoff call held" in detail and "Certify two engineers" in detail


def test_partner_cannot_record_an_outcome(client, auth, db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user)
    db.commit()
    auth.login_as(user)
    assert client.post(f"/bookings/calls/{call.id}/outcome", data={"outcome": "held"}).status_code == 403
    db.refresh(call)
    assert call.status == "booked"


def test_bronze_takes_a_seat_and_sees_seats_left(client, auth, db, make, bookings):
    manager = make.manager()
    session = bookings.session(manager, capacity=2, title="Bronze kickoff group")
    partner = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    db.commit()
    auth.login_as(user)
    page = client.get("/bookings/").get_data(as_text=True)
    assert "Bronze kickoff group" in page and "2 of 2" in page
    response = client.post(f"/bookings/sessions/{session.id}/seat")
    assert response.status_code == 302
    seat = db.scalar(select(SessionSeat).where(SessionSeat.partner_id == partner.id))
    assert seat.status == "booked"
    assert client.get("/bookings/").headers["Location"].endswith(f"/bookings/seats/{seat.id}")
    # A second attempt (double click) lands on the seat; no second seat is taken.
    again = client.post(f"/bookings/sessions/{session.id}/seat")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/bookings/seats/{seat.id}")
    db.refresh(session)
    assert session.seats_taken == 1
    other = bookings.session(manager, days=9)
    db.commit()
    elsewhere = client.post(f"/bookings/sessions/{other.id}/seat")
    assert elsewhere.status_code == 409 and "already has a seat" in elsewhere.get_data(as_text=True)


def test_full_session_says_just_taken(client, auth, db, make, bookings):
    manager = make.manager()
    session = bookings.session(manager, capacity=1)
    first = make.partner("bronze", manager=manager)
    service.book_seat(db, make.user("partner", partner=first), first, session)
    late = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=late)
    db.commit()
    auth.login_as(user)
    assert "Full" in client.get("/bookings/").get_data(as_text=True)
    response = client.post(f"/bookings/sessions/{session.id}/seat")
    assert response.status_code == 409 and "just taken" in response.get_data(as_text=True)


def test_manager_creates_and_cancels_a_group_session(client, auth, db, make):
    manager = make.manager(timezone="Europe/Berlin")
    partner = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    db.commit()
    auth.login_as(manager)
    form = client.get("/bookings/sessions/new").get_data(as_text=True)
    assert 'value="12"' in form  # the Bronze tier's default capacity
    day = (service.utcnow() + timedelta(days=10)).date().isoformat()
    response = client.post("/bookings/sessions/new", data={
        "title": "March cohort", "starts_on": day, "start_time": "10:00", "minutes": "60", "capacity": "12"})
    assert response.status_code == 302
    session_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    from lms.models import GroupSession

    session = db.get(GroupSession, session_id)
    assert session.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "10:00"
    service.book_seat(db, user, partner, session)
    db.commit()
    assert partner.name in client.get(f"/bookings/sessions/{session_id}").get_data(as_text=True)
    assert client.post(f"/bookings/sessions/{session_id}/cancel", data={"reason": "Moved"}).status_code == 302
    db.refresh(session)
    assert session.status == "cancelled" and session.seats_taken == 0


def test_feed_is_secret_and_revocable(client, auth, db, gold):
    partner, user, manager = gold
    booking = service.book_call(db, user, partner, service.free_slots(db, manager.id)[0].starts_at)
    db.commit()
    auth.login_as(manager)
    assert client.post("/bookings/feed/new").status_code == 302
    token = db.scalar(select(Availability.feed_token).where(Availability.manager_id == manager.id))
    assert token and token in client.get("/bookings/availability").get_data(as_text=True)
    auth.logout()
    response = client.get(f"/bookings/feed/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [booking.uid]
    assert client.get("/bookings/feed/wrong.ics").status_code == 404
    auth.login_as(manager)
    client.post("/bookings/feed/revoke")
    auth.logout()
    assert client.get(f"/bookings/feed/{token}.ics").status_code == 404


def test_booking_is_audited_with_the_partner(client, auth, db, gold):
    partner, user, manager = gold
    db.commit()
    auth.login_as(user)
    client.post("/bookings/book", data={"starts_at": service.free_slots(db, manager.id)[0].starts_at.isoformat()})
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "booking.kickoff_booked"))
    assert event.partner_id == partner.id and event.actor_id == user.id


def test_pages_need_csrf(csrf_app, client, auth, db, gold):
    partner, user, manager = gold
    db.commit()
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    slot = service.free_slots(db, manager.id)[0]
    response = client.post("/bookings/book", data={"starts_at": slot.starts_at.isoformat()})
    assert response.status_code == 400
    assert db.scalar(select(Booking).where(Booking.partner_id == partner.id)) is None


def test_partner_moves_a_seat_from_the_seat_page(client, auth, db, make, bookings):
    manager = make.manager()
    first = bookings.session(manager, capacity=2, title="First cohort")
    later = bookings.session(manager, days=9, capacity=2, title="Later cohort")
    partner = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    seat = service.book_seat(db, user, partner, first)
    db.commit()
    auth.login_as(user)
    page = client.get(f"/bookings/seats/{seat.id}").get_data(as_text=True)
    assert "Move to another session" in page and "Later cohort" in page
    response = client.post(f"/bookings/seats/{seat.id}/move/{later.id}")
    assert response.status_code == 302
    db.refresh(seat)
    assert seat.session_id == later.id
    again = client.post(f"/bookings/seats/{seat.id}/move/{later.id}")
    assert again.status_code == 409 and "already in this session" in again.get_data(as_text=True)


def test_partner_sees_next_steps_but_not_the_managers_notes(client, auth, db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user)
    service.record_outcome(db, manager, call, "held", notes="Seems unprepared", next_steps="Certify two engineers")
    db.commit()
    auth.login_as(user)
    page = client.get(f"/bookings/calls/{call.id}").get_data(as_text=True)
    assert "Certify two engineers" in page and "Seems unprepared" not in page
    auth.logout()
    auth.login_as(manager)
    assert "Seems unprepared" in client.get(f"/bookings/calls/{call.id}").get_data(as_text=True)


def test_a_script_link_is_refused_next_to_the_field(client, auth, db, make):
    manager = make.manager(timezone="Europe/London")
    db.commit()
    auth.login_as(manager)
    response = client.post("/bookings/availability", data={
        "timezone": "Europe/London", "slot_minutes": "30", "horizon_days": "30", "min_notice_hours": "12",
        "day_0": "09:00-12:00", "meeting_url": "javascript://example.com/%0Aalert(1)"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter a full link" in body
    assert db.scalar(select(Availability).where(Availability.manager_id == manager.id)) is None


def test_a_check_in_call_page_points_to_its_check_in(client, auth, db, bookings, gold):
    from datetime import date

    from lms.models import CheckIn

    partner, user, manager = gold
    call = bookings.past_call(partner, user, kind="checkin")
    checkin = CheckIn(partner_id=partner.id, manager_id=manager.id, kind="checkin", due_on=date.today(),
                      status="planned", booking_id=call.id)
    db.add(checkin)
    db.commit()
    auth.login_as(manager)
    page = client.get(f"/bookings/calls/{call.id}").get_data(as_text=True)
    assert f"/checkins/{checkin.id}/record" in page
    assert client.post(f"/bookings/calls/{call.id}/outcome", data={"outcome": "held", "notes": "ok"}).status_code == 302
    db.refresh(checkin)
    assert checkin.status == "held"


def test_outcomes_to_record_page_in_fifties_oldest_first(client, auth, db, make):
    from lms.db import utcnow
    from tests.checkins.test_views import BAD_PAGES, assert_first_page

    manager = make.manager(timezone="UTC")
    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=60)
    for i in range(51):
        partner = make.partner(manager=manager, name=f"Owed Org {i:02d}")
        at = start + timedelta(hours=i)
        db.add(Booking(kind="kickoff", status="booked", partner_id=partner.id, manager_id=manager.id,
                       starts_at=at, ends_at=at + timedelta(minutes=30)))
    db.commit()
    auth.login_as(manager)
    first = client.get("/bookings/agenda").get_data(as_text=True)
    assert "Owed Org 49" in first and "Owed Org 50" not in first and "Page 1 of 2" in first
    assert 'href="/bookings/agenda?page=2"' in first
    second = client.get("/bookings/agenda?page=2").get_data(as_text=True)
    assert "Owed Org 50" in second and "Owed Org 49" not in second
    for bad in BAD_PAGES:
        assert_first_page(client.get("/bookings/agenda", query_string={"page": bad}), bad, "Owed Org 00")
