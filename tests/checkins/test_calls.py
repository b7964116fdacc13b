"""A check-in booked as a call goes through the bookings capability: same slots, invites and guarantees;
recording the check-in keeps the call in step (held, or cancelled when it was still to come)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.bookings import service as bookings
from lms.bookings.slots import Window
from lms.checkins import service
from lms.db import utcnow
from lms.models import Booking, CheckIn, OutboxMessage
from tests.checkins import factories


@pytest.fixture
def gold(db, make):
    manager = make.manager(name="Anna Berg", timezone="Europe/London")
    partner = make.partner("gold", manager=manager, name="Goldcrest")
    user = make.user("partner", partner=partner, name="Liam Gold", timezone="Europe/Dublin")
    bookings.save_availability(
        db, manager, manager, timezone="Europe/London", slot_minutes=30, buffer_before_minutes=0,
        buffer_after_minutes=0, min_notice_hours=24, horizon_days=30, meeting_url="https://meet.example.com/anna",
        windows=[Window(d, 9 * 60, 17 * 60) for d in range(7)],
    )
    db.flush()
    checkin = factories.checkin(db, partner, due_on=service.today_for(manager, utcnow()) + timedelta(days=5))
    return partner, user, manager, checkin


def calendar_invites(db, recipient):
    return [a for m in db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient))
            for a in (m.attachments or []) if a["content_type"].startswith("text/calendar")]


def test_booking_a_check_in_call_uses_the_managers_slots_and_sends_the_invite(db, gold):
    partner, user, manager, checkin = gold
    slot = bookings.free_slots(db, manager.id)[3]
    call = service.book_checkin_call(db, user, checkin, slot.starts_at)
    assert (call.kind, call.status, call.starts_at, call.manager_id) == ("checkin", "booked", slot.starts_at, manager.id)
    assert checkin.booking_id == call.id
    invites = calendar_invites(db, user.email)
    assert invites and "METHOD:REQUEST" in invites[0]["content"] and "method=REQUEST" in invites[0]["content_type"]
    # The slot is gone for everyone, kickoffs included.
    assert slot.starts_at not in {s.starts_at for s in bookings.free_slots(db, manager.id)}


def test_a_slot_taken_by_another_partner_is_refused_and_nothing_is_booked(db, make, gold):
    partner, user, manager, checkin = gold
    other = make.partner("gold", manager=manager)
    slot = bookings.free_slots(db, manager.id)[0]
    bookings.book_call(db, make.user("partner", partner=other), other, slot.starts_at, kind="checkin")
    with pytest.raises(service.CheckinError, match="just taken"):
        service.book_checkin_call(db, user, checkin, slot.starts_at)
    assert db.get(CheckIn, checkin.id).booking_id is None


def test_a_second_call_for_the_same_check_in_is_refused(db, gold):
    partner, user, manager, checkin = gold
    first, second = bookings.free_slots(db, manager.id)[:2]
    service.book_checkin_call(db, user, checkin, first.starts_at)
    with pytest.raises(service.CheckinError, match="already booked"):
        service.book_checkin_call(db, user, checkin, second.starts_at)
    assert db.scalar(select(func.count(Booking.id)).where(Booking.partner_id == partner.id)) == 1


def test_recording_the_check_in_before_its_call_cancels_the_call(db, gold):
    partner, user, manager, checkin = gold
    call = service.book_checkin_call(db, user, checkin, bookings.free_slots(db, manager.id)[0].starts_at)
    service.record_checkin(db, manager, checkin, held_on=service.today_for(manager, utcnow()), notes="Quick call")
    db.refresh(call)
    assert (checkin.status, call.status, call.sequence) == ("held", "cancelled", 1)
    assert any("METHOD:CANCEL" in a["content"] for a in calendar_invites(db, user.email))
    # The slot is free again.
    assert call.starts_at in {s.starts_at for s in bookings.free_slots(db, manager.id)}


def test_the_partner_books_through_the_plan_page(client, auth, db, gold):
    partner, user, manager, checkin = gold
    db.commit()
    auth.login_as(user)
    page = client.get(f"/checkins/{checkin.id}/book").get_data(as_text=True)
    slot = bookings.free_slots(db, manager.id)[0]
    assert f'value="{slot.starts_at.isoformat()}"' in page
    response = client.post(f"/checkins/{checkin.id}/book", data={"starts_at": slot.starts_at.isoformat()})
    assert response.status_code == 302 and "/calls/" in response.headers["Location"]
    db.expire_all()
    assert db.get(CheckIn, checkin.id).booking.starts_at == slot.starts_at
