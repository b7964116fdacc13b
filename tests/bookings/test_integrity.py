"""Review fixes: stale double actions change nothing twice, check-in calls keep their check-in in step,
timeline summaries name the readers' zones, joining links are web links only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from lms.bookings import service
from lms.checkins import service as checkins
from lms.models import AuditEvent, Booking, CheckIn, GroupSession, OutboxMessage, SessionSeat


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def changed_elsewhere(db, model, row_id, **values):
    """Another request changed the row a moment ago; this session's object still shows the old state."""
    db.execute(update(model).where(model.id == row_id).values(**values).execution_options(synchronize_session=False))


# --- a double click or two people at once: one change, never two ----------------------------------

def test_a_seat_cancelled_twice_frees_its_place_once(db, make, bookings):
    manager = make.manager()
    session = bookings.session(manager, capacity=2)
    partner, other = make.partner("bronze", manager=manager), make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    seat = service.book_seat(db, user, partner, session)
    service.book_seat(db, make.user("partner", partner=other), other, session)
    changed_elsewhere(db, SessionSeat, seat.id, status="cancelled")
    db.execute(update(GroupSession).where(GroupSession.id == session.id).values(seats_taken=1))
    with pytest.raises(service.BookingError, match="not booked any more"):
        service.cancel_seat(db, user, seat)
    db.refresh(session)
    # The counter still matches the one live seat, so the session can never be over-filled later.
    assert session.seats_taken == 1 == count(db, SessionSeat, SessionSeat.session_id == session.id,
                                             SessionSeat.status == "booked")


def test_cancelling_a_session_skips_a_seat_cancelled_a_moment_ago(db, make, bookings):
    manager = make.manager()
    session = bookings.session(manager, capacity=3)
    partners = [make.partner("bronze", manager=manager) for _ in range(2)]
    seats = [service.book_seat(db, make.user("partner", partner=p), p, session) for p in partners]
    changed_elsewhere(db, SessionSeat, seats[0].id, status="cancelled")
    db.execute(update(GroupSession).where(GroupSession.id == session.id).values(seats_taken=1))
    assert service.cancel_group_session(db, manager, session, "Host ill") == 1
    assert session.seats_taken == 0


def test_a_call_cancelled_twice_is_cancelled_once(db, gold):
    partner, user, manager = gold
    booking = service.book_call(db, user, partner, service.free_slots(db, manager.id)[0].starts_at)
    service.cancel_booking(db, user, booking)
    changed_elsewhere(db, Booking, booking.id, status="booked", sequence=0)  # this tab still shows it booked
    db.expire(booking)
    booking.status  # noqa: B018  (load the "booked" state, as the second request did)
    changed_elsewhere(db, Booking, booking.id, status="cancelled", sequence=1)
    mails, events = count(db, OutboxMessage), count(db, AuditEvent)
    with pytest.raises(service.BookingError, match="not booked any more"):
        service.cancel_booking(db, user, booking)
    assert booking.sequence == 1 and (count(db, OutboxMessage), count(db, AuditEvent)) == (mails, events)


def test_a_call_cancelled_meanwhile_cannot_be_moved_back_to_life(db, gold):
    partner, user, manager = gold
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    changed_elsewhere(db, Booking, booking.id, status="cancelled", sequence=1)
    with pytest.raises(service.BookingError, match="Only a booked call"):
        service.reschedule_booking(db, user, booking, slots[3].starts_at)
    db.refresh(booking)
    assert (booking.status, booking.starts_at, booking.sequence) == ("cancelled", slots[0].starts_at, 1)


def test_an_outcome_recorded_meanwhile_is_not_recorded_again(db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user)
    changed_elsewhere(db, Booking, call.id, status="no_show")
    with pytest.raises(service.BookingError, match="already recorded"):
        service.record_outcome(db, manager, call, "held", notes="late")
    assert call.status == "no_show"


# --- check-in calls and their check-ins -----------------------------------------------------------

def planned_checkin(db, partner, call):
    checkin = CheckIn(partner_id=partner.id, manager_id=partner.manager_id, kind="checkin",
                      due_on=date.today(), status="planned", booking_id=call.id)
    db.add(checkin)
    db.flush()
    return checkin


def test_a_check_in_call_held_records_its_check_in(db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user, kind="checkin")
    checkin = planned_checkin(db, partner, call)
    service.record_outcome(db, manager, call, "held", notes="Pipeline review", next_steps="Send pricing")
    db.refresh(checkin)
    assert checkin.status == "held" and checkin.held_on is not None
    assert "Pipeline review" in checkin.notes and "Send pricing" in checkin.notes
    assert checkins.next_checkin(db, partner.id) is None or checkins.next_checkin(db, partner.id).id != checkin.id


def test_a_check_in_call_no_show_leaves_the_check_in_due_and_bookable(db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user, kind="checkin")
    checkin = planned_checkin(db, partner, call)
    service.record_outcome(db, manager, call, "no_show")
    db.refresh(checkin)
    assert checkin.status == "planned"
    booking = checkins.book_checkin_call(db, user, checkin, service.free_slots(db, manager.id)[0].starts_at)
    assert booking.kind == "checkin" and checkin.booking_id == booking.id


def test_a_check_in_recorded_on_the_check_ins_page_closes_its_call(db, bookings, gold):
    partner, user, manager = gold
    call = bookings.past_call(partner, user, kind="checkin")
    checkin = planned_checkin(db, partner, call)
    checkins.record_checkin(db, manager, checkin, held_on=date.today() - timedelta(days=1), notes="Phone")
    db.refresh(call)
    assert call.status == "held"
    assert call not in service.awaiting_outcome(db, manager.id)  # nothing left to record twice


# --- the partner's timeline reads in people's own zones -------------------------------------------

def test_timeline_summaries_name_the_managers_and_the_partners_zones(db, gold):
    partner, user, manager = gold  # manager in Berlin, partner user in New York
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    service.reschedule_booking(db, user, booking, slots[2].starts_at)
    service.cancel_booking(db, manager, booking)
    summaries = list(db.scalars(select(AuditEvent.summary).where(AuditEvent.partner_id == partner.id)
                                .order_by(AuditEvent.id)))
    berlin = slots[0].starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    new_york = slots[0].starts_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert f"{berlin:%-d %b %Y, %H:%M} Europe/Berlin" in summaries[0]
    assert f"{new_york:%H:%M} America/New_York" in summaries[0]
    assert all("UTC" not in s for s in summaries)
    assert "America/New_York" in summaries[-1]  # the manager cancelled; the partner's zone is still there


# --- links partners click -------------------------------------------------------------------------

@pytest.mark.parametrize("link", ["javascript://example.com/%0Aalert(document.cookie)", "data:text/html,hi"])
def test_a_joining_link_must_be_a_web_link(db, bookings, make, link):
    manager = make.manager()
    with pytest.raises(service.BookingError, match="https://"):
        bookings.publish(manager, meeting_url=link)
    with pytest.raises(service.BookingError, match="https://"):
        service.create_group_session(db, manager, manager, starts_at=service.utcnow() + timedelta(days=3),
                                     minutes=60, capacity=5, title="Group", meeting_url=link)


# --- group seats can be moved, and colleagues hear about what they change ---------------------------

def test_a_seat_moves_to_another_session_with_the_same_uid_and_a_new_sequence(db, make, bookings):
    from icalendar import Calendar

    manager = make.manager()
    first, second = bookings.session(manager, capacity=2), bookings.session(manager, days=8, capacity=1)
    partner = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    seat = service.book_seat(db, user, partner, first)
    uid = seat.uid
    service.move_seat(db, user, seat, second)
    assert (seat.session_id, seat.uid, seat.sequence, seat.status) == (second.id, uid, 1, "booked")
    assert (first.seats_taken, second.seats_taken) == (0, 1)
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                         .order_by(OutboxMessage.id.desc())).first()
    event = Calendar.from_ical(message.attachments[0]["content"]).walk("VEVENT")[0]
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1 and event.decoded("DTSTART") == second.starts_at
    assert "moved" in message.subject.lower()
    assert db.scalar(select(AuditEvent.summary).where(AuditEvent.action == "booking.seat_moved",
                                                      AuditEvent.partner_id == partner.id))


def test_moving_into_a_full_session_keeps_the_seat_the_partner_had(db, make, bookings):
    manager = make.manager()
    first, full = bookings.session(manager, capacity=2), bookings.session(manager, days=8, capacity=1)
    partner, other = make.partner("bronze", manager=manager), make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    seat = service.book_seat(db, user, partner, first)
    service.book_seat(db, make.user("partner", partner=other), other, full)
    with pytest.raises(service.SessionFull, match="just taken"):
        service.move_seat(db, user, seat, full)
    db.refresh(seat)
    db.refresh(first)
    db.refresh(full)
    assert (seat.session_id, seat.status, first.seats_taken, full.seats_taken) == (first.id, "booked", 1, 1)


def test_a_colleague_who_cancels_or_moves_gets_the_calendar_update_too(db, make, gold):
    from icalendar import Calendar

    partner, user, manager = gold
    colleague = make.user("partner", partner=partner, name="Carl Colleague")
    slots = service.free_slots(db, manager.id)
    booking = service.book_call(db, user, partner, slots[0].starts_at)
    service.reschedule_booking(db, colleague, booking, slots[2].starts_at)
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == colleague.email))
    event = Calendar.from_ical(message.attachments[0]["content"]).walk("VEVENT")[0]
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert {str(a) for a in attendees} == {f"mailto:{user.email}", f"mailto:{colleague.email}"}
    assert count(db, OutboxMessage, OutboxMessage.recipient == user.email) == 2  # booked, moved
