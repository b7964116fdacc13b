"""Booking rules without HTTP: book, reschedule, cancel, outcomes, group seats, audit and mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms.bookings import service
from lms.bookings.slots import Window
from lms.db import utcnow
from lms.models import AuditEvent, Booking, OutboxMessage


def timeline(db, partner):
    return [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.partner_id == partner.id)
                                         .order_by(AuditEvent.id))]


def invites(db, recipient):
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                          .order_by(OutboxMessage.id))
    return [(m, Calendar.from_ical(m.attachments[0]["content"])) for m in messages if m.attachments]


def test_book_call_books_an_offered_slot_audits_and_sends_an_invite(db, gold):
    partner, user, manager = gold
    slot = service.free_slots(db, manager.id)[0]
    booking = service.book_call(db, user, partner, slot.starts_at)
    assert (booking.status, booking.kind, booking.sequence) == ("booked", "kickoff", 0)
    assert booking.manager_id == manager.id and booking.booked_by_id == user.id
    assert booking.ends_at - booking.starts_at == timedelta(minutes=30)
    assert slot not in service.free_slots(db, manager.id)
    assert timeline(db, partner)[-1] == "booking.kickoff_booked"
    [(message, calendar)] = invites(db, user.email)
    assert message.attachments[0]["content_type"] == "text/calendar; method=REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "REQUEST" and str(event["UID"]) == booking.uid and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == booking.starts_at
    assert str(event["ORGANIZER"]) == f"mailto:{manager.email}"
    assert str(event["ATTENDEE"]) == f"mailto:{user.email}"
    # The manager hears about it too (without an invite: their feed carries the event).
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == manager.email)) is not None


def test_a_slot_that_is_not_offered_cannot_be_booked(db, gold):
    partner, user, manager = gold
    slot = service.free_slots(db, manager.id)[0]
    with pytest.raises(service.SlotTaken):
        service.book_call(db, user, partner, slot.starts_at + timedelta(minutes=7))
    with pytest.raises(service.SlotTaken):  # inside the 24-hour notice
        service.book_call(db, user, partner, (utcnow() + timedelta(hours=2)).replace(minute=0, second=0,
                                                                                     microsecond=0))
    with pytest.raises(service.SlotTaken, match="passed"):
        service.book_call(db, user, partner, utcnow().replace(microsecond=0) - timedelta(days=1))
    assert db.scalar(select(Booking).where(Booking.partner_id == partner.id)) is None


def test_second_booking_of_the_same_slot_gets_just_taken(db, make, gold):
    partner, user, manager = gold
    other = make.partner("platinum", manager=manager)
    other_user = make.user("partner", partner=other)
    slot = service.free_slots(db, manager.id)[0]
    service.book_call(db, user, partner, slot.starts_at)
    with pytest.raises(service.SlotTaken, match="just taken"):
        service.book_call(db, other_user, other, slot.starts_at)


def test_the_database_refuses_a_double_booking_even_without_the_python_check(db, make, gold):
    partner, user, manager = gold
    other = make.partner("gold", manager=manager)
    start = service.free_slots(db, manager.id)[0].starts_at
    db.add(Booking(kind="kickoff", partner_id=partner.id, manager_id=manager.id, starts_at=start,
                   ends_at=start + timedelta(minutes=30)))
    db.flush()
    with pytest.raises(Exception) as error:
        with db.begin_nested():
            db.add(Booking(kind="checkin", partner_id=other.id, manager_id=manager.id, starts_at=start,
                           ends_at=start + timedelta(minutes=30)))
            db.flush()
    assert "unique" in str(error.value).lower()


def test_one_live_kickoff_per_partner_any_user(db, make, gold):
    partner, user, manager = gold
    colleague = make.user("partner", partner=partner)
    slots = service.free_slots(db, manager.id)
    service.book_call(db, user, partner, slots[0].starts_at)
    with pytest.raises(service.BookingError, match="already has a kickoff"):
        service.book_call(db, colleague, partner, slots[3].starts_at)
    # Check-ins are not limited to one.
    service.book_call(db, manager, partner, slots[5].starts_at, kind="checkin")


def test_a_forged_partner_or_group_tier_cannot_book(db, make, gold):
    partner, user, manager = gold
    outsider = make.partner_user("gold")
    slot = service.free_slots(db, manager.id)[0]
    with pytest.raises(service.BookingError):
        service.book_call(db, outsider, partner, slot.starts_at)
    bronze = make.partner("bronze", manager=manager)
    with pytest.raises(service.BookingError, match="group onboarding"):
        service.book_call(db, make.user("partner", partner=bronze), bronze, slot.starts_at)


def test_reschedule_keeps_uid_bumps_sequence_and_frees_the_old_slot(db, gold):
    partner, user, manager = gold
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    uid = booking.uid
    service.reschedule_booking(db, user, booking, slots[4].starts_at)
    assert booking.uid == uid and booking.sequence == 1 and booking.starts_at == slots[4].starts_at
    assert slots[0] in service.free_slots(db, manager.id)
    service.reschedule_booking(db, user, booking, slots[6].starts_at)
    (_, first), (_, second), (_, third) = invites(db, user.email)
    assert [c.walk("VEVENT")[0]["SEQUENCE"] for c in (first, second, third)] == [0, 1, 2]
    assert {str(c.walk("VEVENT")[0]["UID"]) for c in (first, second, third)} == {uid}
    assert third.walk("VEVENT")[0].decoded("DTSTART") == slots[6].starts_at
    assert timeline(db, partner)[-2:] == ["booking.kickoff_rescheduled", "booking.kickoff_rescheduled"]


def test_cancel_sends_method_cancel_with_the_same_uid_and_frees_the_kickoff(db, gold):
    partner, user, manager = gold
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    service.cancel_booking(db, user, booking, "Team offsite")
    assert booking.status == "cancelled" and booking.sequence == 1
    message, calendar = invites(db, user.email)[-1]
    assert message.attachments[0]["content_type"] == "text/calendar; method=CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "CANCEL" and str(event["UID"]) == booking.uid and event["SEQUENCE"] == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert timeline(db, partner)[-1] == "booking.kickoff_cancelled"
    # The same slot and a new kickoff are possible again.
    again = service.book_call(db, user, partner, slots[0].starts_at)
    assert again.uid != booking.uid


def test_partner_cannot_change_inside_the_notice_limit_but_the_manager_can(db, gold):
    partner, user, manager = gold
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    late = booking.starts_at - timedelta(hours=3)
    with pytest.raises(service.TooLate, match=manager.email):
        service.cancel_booking(db, user, booking, now=late)
    with pytest.raises(service.TooLate):
        service.reschedule_booking(db, user, booking, slots[5].starts_at, now=late)
    assert booking.status == "booked" and booking.sequence == 0
    service.cancel_booking(db, manager, booking, "Ill", now=late)
    assert booking.status == "cancelled"


def test_changing_availability_never_moves_bookings(db, bookings, gold):
    partner, user, manager = gold
    slot = service.free_slots(db, manager.id)[0]
    booking = service.book_call(db, user, partner, slot.starts_at)
    bookings.publish(manager, zone="Asia/Tokyo", slot_minutes=60, windows=[Window(0, 60, 120)])
    db.refresh(booking)
    assert (booking.starts_at, booking.status) == (slot.starts_at, "booked")


def test_days_off_hide_slots(db, gold):
    partner, user, manager = gold
    first = service.free_slots(db, manager.id)[0].starts_at
    from zoneinfo import ZoneInfo

    day = first.astimezone(ZoneInfo("Europe/Berlin")).date()
    service.add_day_off(db, manager, manager, day, day + timedelta(days=1), "Conference")
    days = {s.starts_at.astimezone(ZoneInfo("Europe/Berlin")).date() for s in service.free_slots(db, manager.id)}
    assert day not in days and day + timedelta(days=1) not in days and day + timedelta(days=2) in days
    with pytest.raises(service.BookingError):
        service.add_day_off(db, manager, manager, day, day - timedelta(days=1))


def test_overlapping_windows_are_refused(db, bookings, make):
    manager = make.manager()
    with pytest.raises(service.BookingError, match="overlap"):
        bookings.publish(manager, windows=[Window(1, 540, 720), Window(1, 700, 800)])


def test_outcome_held_and_no_show(db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user)
    with pytest.raises(service.BookingError):
        service.record_outcome(db, user, call, "held")
    service.record_outcome(db, manager, call, "no_show")
    assert call.status == "no_show"
    assert timeline(db, partner)[-1] == "booking.kickoff_no_show"
    state = service.kickoff_state(db, partner)
    assert state.booking is None and state.last_no_show
    # The partner may book again after a no-show.
    again = service.book_call(db, user, partner, service.free_slots(db, manager.id)[0].starts_at)
    with pytest.raises(service.BookingError, match="once the call has started"):
        service.record_outcome(db, manager, again, "held")
    second = bookings.past_call(partner, user, kind="checkin", hours_ago=30)
    service.record_outcome(db, manager, second, "held", notes="Good call", next_steps="Send deck")
    assert (second.status, second.notes, second.next_steps) == ("held", "Good call", "Send deck")
    with pytest.raises(service.BookingError, match="already recorded"):
        service.record_outcome(db, manager, second, "no_show")


def test_group_seats_never_exceed_capacity_and_cancelling_frees_one(db, make, bookings):
    manager = make.manager()
    session = bookings.session(manager, capacity=2)
    partners = [make.partner("bronze", manager=manager) for _ in range(3)]
    users = [make.user("partner", partner=p) for p in partners]
    first = service.book_seat(db, users[0], partners[0], session)
    service.book_seat(db, users[1], partners[1], session)
    assert session.seats_taken == 2 and session.seats_left == 0
    with pytest.raises(service.SessionFull, match="just taken"):
        service.book_seat(db, users[2], partners[2], session)
    with pytest.raises(service.BookingError, match="already has a seat"):
        service.book_seat(db, users[0], partners[0], bookings.session(manager, days=8))
    service.cancel_seat(db, users[0], first)
    assert session.seats_taken == 1
    service.book_seat(db, users[2], partners[2], session)
    assert timeline(db, partners[2])[-1] == "booking.seat_booked"
    message, calendar = invites(db, users[0].email)[-1]
    assert calendar["METHOD"] == "CANCEL" and calendar.walk("VEVENT")[0]["SEQUENCE"] == 1


def test_the_database_refuses_an_overfull_session(db, make, bookings):
    session = bookings.session(make.manager(), capacity=1)
    session.seats_taken = 2
    with pytest.raises(Exception) as error:
        with db.begin_nested():
            db.flush()
    assert "check" in str(error.value).lower() or "constraint" in str(error.value).lower()


def test_gold_cannot_take_a_seat_and_bronze_only_in_its_managers_sessions(db, make, bookings, gold):
    partner, user, manager = gold
    with pytest.raises(service.BookingError):
        service.book_seat(db, user, partner, bookings.session(manager))
    bronze = make.partner("bronze")
    with pytest.raises(service.BookingError, match="not open"):
        service.book_seat(db, make.user("partner", partner=bronze), bronze, bookings.session(manager))


def test_cancelling_a_session_tells_everyone_and_lets_them_rebook(db, make, bookings):
    manager = make.manager()
    session = bookings.session(manager, capacity=5)
    partner = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    seat = service.book_seat(db, user, partner, session)
    assert service.cancel_group_session(db, manager, session, "Host ill") == 1
    assert (session.status, seat.status, session.seats_taken) == ("cancelled", "cancelled", 0)
    message, calendar = invites(db, user.email)[-1]
    assert calendar["METHOD"] == "CANCEL" and "Host ill" in message.body_text
    assert "booking.seat_cancelled" in timeline(db, partner)
    service.book_seat(db, user, partner, bookings.session(manager, days=9))


def test_a_group_session_blocks_the_managers_one_to_one_slots(db, bookings, gold):
    partner, user, manager = gold
    before = service.free_slots(db, manager.id)
    slot = before[10]
    service.create_group_session(db, manager, manager, starts_at=slot.starts_at, minutes=60, capacity=4,
                                 title="Group")
    after = service.free_slots(db, manager.id)
    assert slot not in after and len(after) == len(before) - 2


def test_seat_outcome_marks_attendance(db, make, bookings):
    manager = make.manager()
    session = bookings.past_session(manager)
    partner = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    from lms.models import SessionSeat

    seat = SessionSeat(session_id=session.id, partner_id=partner.id, booked_by_id=user.id)
    db.add(seat)
    db.flush()
    service.record_seat_outcome(db, manager, seat, "no_show")
    assert seat.status == "no_show" and service.kickoff_state(db, partner).last_no_show


def test_feed_token_rotates_and_revokes(db, gold):
    partner, user, manager = gold
    first = service.rotate_feed_token(db, manager, manager).feed_token
    assert service.feed_owner(db, first).manager_id == manager.id
    second = service.rotate_feed_token(db, manager, manager).feed_token
    assert second != first and service.feed_owner(db, first) is None
    service.revoke_feed_token(db, manager, manager)
    assert service.feed_owner(db, second) is None
