"""One list of next steps whichever call produced them; the home page shows the booked check-in call and certificates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.bookings import service as bookings
from lms.bookings.slots import Window
from lms.checkins import service as checkins
from lms.db import utcnow
from lms.models import Booking, Certificate, LearningPathItem, LessonCompletion, NextStep
from tests.checkins import factories
from tests.courses.helpers import create_course


def _setup(db, make):
    manager = make.manager(name="Anna Berg", timezone="Europe/London")
    partner = make.partner("gold", manager=manager, name="Goldcrest")
    user = make.user("partner", partner=partner, name="Liam Gold", timezone="Europe/Dublin")
    bookings.save_availability(
        db, manager, manager, timezone="Europe/London", slot_minutes=30, buffer_before_minutes=0,
        buffer_after_minutes=0, min_notice_hours=24, horizon_days=30, meeting_url=None,
        windows=[Window(d, 9 * 60, 17 * 60) for d in range(7)],
    )
    db.flush()
    return manager, partner, user


def _past_kickoff(db, partner, user):
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    booking = Booking(kind="kickoff", status="booked", partner_id=partner.id, manager_id=partner.manager_id,
                      booked_by_id=user.id, starts_at=start, ends_at=start + timedelta(minutes=30))
    db.add(booking)
    db.flush()
    return booking


def test_kickoff_next_steps_join_the_partners_open_steps(client, auth, db, make):
    manager, partner, user = _setup(db, make)
    call = _past_kickoff(db, partner, user)
    db.commit()
    auth.login_as(manager)
    page = client.get(f"/bookings/calls/{call.id}").get_data(as_text=True)
    assert 'name="steps-0-text"' in page  # rows with owner and due date, as on a check-in
    response = client.post(f"/bookings/calls/{call.id}/outcome", data={
        "outcome": "held", "notes": "Good start",
        "steps-0-text": "Certify two engineers", "steps-0-owner": "partner",
        "steps-1-text": "Send the price list", "steps-1-owner": "us",
    })
    assert response.status_code == 302
    steps = db.scalars(select(NextStep).where(NextStep.partner_id == partner.id).order_by(NextStep.id)).all()
    assert [(s.text, s.owner, s.booking_id, s.checkin_id) for s in steps] == [
        ("Certify two engineers", "partner", call.id, None), ("Send the price list", "us", call.id, None)]
    auth.logout()
    auth.login_as(user)
    plan = client.get("/checkins/plan").get_data(as_text=True)
    assert "Certify two engineers" in plan and "Send the price list" in plan
    # ... and the partner can tick off its own kickoff step like any other.
    client.post(f"/checkins/partners/{partner.id}/steps", data={"done_steps": [str(steps[0].id)]})
    db.expire_all()
    assert db.get(NextStep, steps[0].id).done_at is not None
    assert "Certify two engineers" in client.get(f"/bookings/calls/{call.id}").get_data(as_text=True)


def test_a_bad_step_date_is_a_message_and_records_nothing(client, auth, db, make):
    manager, partner, user = _setup(db, make)
    call = _past_kickoff(db, partner, user)
    db.commit()
    auth.login_as(manager)
    response = client.post(f"/bookings/calls/{call.id}/outcome", data={
        "outcome": "held", "steps-0-text": "Too early", "steps-0-owner": "partner", "steps-0-due_on": "2000-01-01"})
    assert response.status_code == 400 and "cannot be due before" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Booking, call.id).status == "booked"
    assert db.scalar(select(NextStep.id)) is None


def test_home_shows_the_booked_check_in_call(client, auth, db, make):
    manager, partner, user = _setup(db, make)
    checkin = factories.checkin(db, partner, due_on=checkins.today_for(manager, utcnow()) + timedelta(days=5))
    booking = checkins.book_checkin_call(db, user, checkin, bookings.free_slots(db, manager.id)[2].starts_at)
    db.commit()
    auth.login_as(user)
    home = client.get("/home").get_data(as_text=True)
    assert f"/bookings/calls/{booking.id}" in home and "Call booked" in home


def test_home_links_the_certificate(client, auth, db, make):
    manager, partner, user = _setup(db, make)
    course = create_course(db, "cert-home", lessons=1, checks=0)
    db.add(LearningPathItem(tier_id=partner.tier_id, course_id=course.id, position=1))
    certificate = Certificate(user_id=user.id, course_id=course.id, holder_name=user.name, course_title=course.title,
                              course_version="1", issued_at=utcnow())
    db.add(certificate)
    db.add(LessonCompletion(user_id=user.id, lesson_id=course.lessons[0].id, content_hash=course.lessons[0].content_hash))
    db.commit()
    auth.login_as(user)
    home = client.get("/home").get_data(as_text=True)
    assert f"/certificates/{certificate.code}" in home and "your certificate" in home
