"""Check-in rules without HTTP: planning, re-planning and hand-over, agenda, recording, skipping, support."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.bookings import service as bookings
from lms.checkins import service
from lms.checkins.planning import add_months, plan_dates
from lms.db import utcnow
from lms.models import AuditEvent, Booking, CheckIn, DayOff, NextStep, OutboxMessage, PublicHoliday, SupportRequest
from lms.partners import service as partners
from tests.checkins import factories

LONDON = ZoneInfo("Europe/London")
# Monday 23 November 2026, 10:00 in London.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def checkins_of(db, partner, status=None):
    query = select(CheckIn).where(CheckIn.partner_id == partner.id).order_by(CheckIn.due_on)
    if status:
        query = query.where(CheckIn.status == status)
    return list(db.scalars(query))


def actions(db, partner):
    return [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.partner_id == partner.id)
                                         .order_by(AuditEvent.id))]


@pytest.fixture
def gold(make):
    manager = make.manager(name="Anna Berg", timezone="Europe/London", phone="+44 20 7946 0018")
    partner = make.partner("gold", manager=manager, name="Goldcrest")
    user = make.user("partner", partner=partner, name="Liam Gold", timezone="Europe/Dublin")
    return partner, user, manager


# --- planning ---------------------------------------------------------------------------------------

def test_holding_the_kickoff_plans_twelve_monthly_check_ins_once(db, gold):
    partner, user, manager = gold
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    call = Booking(kind="kickoff", status="booked", partner_id=partner.id, manager_id=manager.id,
                   booked_by_id=user.id, starts_at=start, ends_at=start + timedelta(minutes=30))
    db.add(call)
    db.flush()
    bookings.record_outcome(db, manager, call, "held", notes="Great start")
    planned = checkins_of(db, partner)
    kickoff_day = start.astimezone(LONDON).date()
    assert len(planned) == 12
    assert {c.kind for c in planned} == {"checkin"} and {c.status for c in planned} == {"planned"}
    assert all(c.due_on.weekday() < 5 and c.manager_id == manager.id for c in planned)
    assert kickoff_day < planned[0].due_on <= kickoff_day + timedelta(days=34)
    assert "checkins.planned" in actions(db, partner)
    # Planning again (the nightly job, a second click) creates nothing twice.
    assert service.plan_after_kickoff(db, manager, partner, utcnow()) == []
    assert service.plan_missing(db, utcnow()) == (0, 0)
    assert len(checkins_of(db, partner)) == 12


def test_the_database_refuses_a_second_check_in_on_the_same_day(db, gold):
    partner, _, _ = gold
    factories.checkin(db, partner, due_on=date(2026, 12, 1))
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            factories.checkin(db, partner, due_on=date(2026, 12, 1))


@pytest.mark.parametrize("tier, count, qbrs", [("bronze", 4, 0), ("gold", 12, 0), ("platinum", 12, 4)])
def test_each_tier_gets_its_rhythm(db, make, tier, count, qbrs):
    partner = make.partner(tier, manager=make.manager(timezone="Europe/London"))
    planned = service.plan_checkins(db, None, partner, date(2026, 11, 20), now=NOW)
    assert len(planned) == count
    assert sum(c.kind == "qbr" for c in planned) == qbrs


def test_planning_moves_dates_off_holidays_and_the_managers_days_off(db, make):
    manager = make.manager(timezone="Europe/London")
    partner = make.partner("gold", manager=manager)
    db.add(PublicHoliday(country="GB", day=date(2026, 12, 25), name="Christmas Day"))
    db.add(DayOff(manager_id=manager.id, first_day=date(2026, 12, 28), last_day=date(2026, 12, 29)))
    db.flush()
    planned = service.plan_checkins(db, None, partner, date(2026, 11, 25), now=NOW)
    assert planned[0].due_on == date(2026, 12, 30)  # 25th holiday, 26-27 weekend, 28-29 days off


def test_nightly_planning_picks_up_a_held_kickoff_without_a_plan(db, gold):
    partner, _, _ = gold
    factories.held_kickoff(db, partner, datetime(2026, 11, 16, 14, 0, tzinfo=timezone.utc))
    newly, created = service.plan_missing(db, NOW)
    assert (newly, created) == (1, 12)
    assert service.plan_of(db, partner.id).anchor_on == date(2026, 11, 16)
    assert service.plan_missing(db, NOW) == (0, 0)


def test_tier_change_replans_future_open_check_ins_and_keeps_held_ones(db, make, gold):
    partner, _, manager = gold
    kickoff = utcnow() - timedelta(days=320)
    service.plan_checkins(db, None, partner, kickoff.date(), now=kickoff)
    first = checkins_of(db, partner)[0]
    service.record_checkin(db, manager, first, held_on=first.due_on, notes="Fine", now=kickoff + timedelta(days=40))
    today = service.today_for(manager, utcnow())
    partners.update_partner(db, make.admin(), partner, name=partner.name, web_domain=None, tier=make.tier("bronze"),
                            manager=manager, reason="Downgraded at renewal")
    after = checkins_of(db, partner)
    held = [c for c in after if c.status == "held"]
    assert [(c.id, c.notes) for c in held] == [(first.id, "Fine")]
    future = [(c.due_on, c.kind) for c in after if c.due_on >= today]
    # Quarterly now, still counted from the kickoff; monthly future dates are gone.
    expected = plan_dates(kickoff.date(), 3, False, start=today, until=add_months(today, 12))
    assert future == [(p.due_on, p.kind) for p in expected] and 3 <= len(future) <= 5
    # Missed monthly ones before today stay on the agenda as overdue until recorded or skipped.
    assert all(c.status == "planned" for c in after if first.due_on < c.due_on < today)
    assert "checkins.replanned" in actions(db, partner)


def test_tier_change_to_platinum_adds_quarterly_reviews(db, make, gold):
    partner, _, manager = gold
    service.plan_checkins(db, None, partner, utcnow().date() - timedelta(days=3))
    assert not any(c.kind == "qbr" for c in checkins_of(db, partner))
    partners.update_partner(db, make.admin(), partner, name=partner.name, web_domain=None,
                            tier=make.tier("platinum"), manager=manager, reason="Upgraded")
    kinds = [c.kind for c in checkins_of(db, partner)]
    assert kinds.count("qbr") == 4 and len(kinds) == 12


def test_manager_change_hands_over_open_check_ins_and_requests(db, make, gold):
    partner, user, manager = gold
    kickoff = utcnow() - timedelta(days=40)
    service.plan_checkins(db, None, partner, kickoff.date(), now=kickoff)
    held = checkins_of(db, partner)[0]
    service.record_checkin(db, manager, held, held_on=held.due_on)
    request = factories.support_request(db, partner, user)
    colleague = make.manager(name="Marco Rossi", timezone="Europe/Berlin")
    partners.update_partner(db, make.admin(), partner, name=partner.name, web_domain=None, tier=partner.tier,
                            manager=colleague, reason="Anna moves to EMEA north")
    after = checkins_of(db, partner)
    assert db.get(CheckIn, held.id).manager_id == manager.id  # history stays with who held it
    assert {c.manager_id for c in after if c.status == "planned"} == {colleague.id}
    assert db.get(SupportRequest, request.id).manager_id == colleague.id
    assert len(after) == 12  # same tier: dates are not re-planned


# --- agenda -----------------------------------------------------------------------------------------

def test_agenda_shows_this_week_and_overdue_oldest_first_with_last_contact(db, make, gold):
    partner, _, manager = gold
    other = make.partner("bronze", manager=manager, name="Brightpath")
    not_mine = make.partner("gold", name="Somebody Else's")
    today = date(2026, 11, 25)  # Wednesday
    now = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    old = factories.checkin(db, other, due_on=date(2026, 11, 2))
    recent = factories.checkin(db, partner, due_on=date(2026, 11, 24))
    this_week = factories.checkin(db, partner, due_on=date(2026, 11, 27), kind="qbr")
    factories.checkin(db, partner, due_on=date(2026, 12, 30))
    factories.checkin(db, not_mine, due_on=date(2026, 11, 26))
    factories.checkin(db, partner, due_on=date(2026, 10, 20), status="held", held_on=date(2026, 10, 21))
    agenda = service.agenda(db, manager, now)
    assert agenda.today == today and agenda.week_start == date(2026, 11, 23)
    assert [c.id for c in agenda.overdue] == [old.id, recent.id]
    assert [agenda.days_overdue(c) for c in agenda.overdue] == [23, 1]
    assert [c.id for c in agenda.this_week] == [this_week.id]
    assert agenda.last_contact == {partner.id: date(2026, 10, 21)}


def test_the_week_is_the_managers_own(db, make):
    manager = make.manager(timezone="Pacific/Auckland")
    partner = make.partner("gold", manager=manager)
    monday_in_auckland = datetime(2026, 11, 29, 20, 0, tzinfo=timezone.utc)  # Sunday in UTC, Monday in NZ
    factories.checkin(db, partner, due_on=date(2026, 12, 4))
    agenda = service.agenda(db, manager, monday_in_auckland)
    assert agenda.week_start == date(2026, 11, 30) and len(agenda.this_week) == 1


# --- recording and skipping -------------------------------------------------------------------------

def test_recording_a_check_in_keeps_notes_steps_pulse_and_carries_open_steps(db, gold):
    partner, user, manager = gold
    first = factories.checkin(db, partner, due_on=date(2026, 10, 20))
    second = factories.checkin(db, partner, due_on=date(2026, 11, 20))
    service.record_checkin(
        db, manager, first, held_on=date(2026, 10, 21), notes="Pipeline review", pulse=4, now=NOW,
        steps=[service.StepInput("us", "Send the price list", date(2026, 10, 28)),
               service.StepInput("partner", "Register two deals", None),
               service.StepInput("us", "   ", None)],
    )
    assert (first.status, first.held_on, first.pulse, first.notes) == ("held", date(2026, 10, 21), 4, "Pipeline review")
    open_steps = service.open_steps(db, partner.id)
    assert [s.text for s in open_steps] == ["Send the price list", "Register two deals"]
    # At the next check-in the manager ticks one off; the other stays open for the one after.
    service.record_checkin(db, manager, second, held_on=date(2026, 11, 20), done_step_ids=[open_steps[0].id], now=NOW)
    assert [s.text for s in service.open_steps(db, partner.id)] == ["Register two deals"]
    assert actions(db, partner).count("checkin.held") == 2


def test_a_check_in_is_recorded_once(db, gold):
    partner, _, manager = gold
    checkin = factories.checkin(db, partner, due_on=date(2026, 11, 20))
    service.record_checkin(db, manager, checkin, held_on=date(2026, 11, 20), notes="first", now=NOW)
    stale = db.get(CheckIn, checkin.id)
    with pytest.raises(service.AlreadyRecorded):
        service.record_checkin(db, manager, stale, held_on=date(2026, 11, 21), notes="second", now=NOW)
    with pytest.raises(service.AlreadyRecorded):
        service.skip_checkin(db, manager, stale, "too late", now=NOW)
    db.refresh(checkin)
    assert (checkin.notes, checkin.held_on) == ("first", date(2026, 11, 20))


@pytest.mark.parametrize("kwargs, field", [
    ({"held_on": date(2026, 12, 30)}, "held_on"),
    ({"held_on": date(2026, 11, 20), "pulse": 6}, "pulse"),
    ({"held_on": date(2026, 11, 20), "steps": [service.StepInput("them", "x")]}, "steps"),
    ({"held_on": date(2026, 11, 20), "steps": [service.StepInput("us", "x", date(2026, 11, 1))]}, "steps"),
])
def test_bad_input_changes_nothing(db, gold, kwargs, field):
    partner, _, manager = gold
    checkin = factories.checkin(db, partner, due_on=date(2026, 11, 20))
    with pytest.raises(service.CheckinError) as error:
        service.record_checkin(db, manager, checkin, now=NOW, **kwargs)
    assert error.value.field == field
    assert db.get(CheckIn, checkin.id).status == "planned"
    assert db.scalar(select(func.count(NextStep.id))) == 0


def test_only_the_partners_manager_records(db, make, gold):
    partner, user, _ = gold
    checkin = factories.checkin(db, partner, due_on=date(2026, 11, 20))
    for outsider in (make.manager(), user):
        with pytest.raises(service.CheckinError):
            service.record_checkin(db, outsider, checkin, held_on=date(2026, 11, 20), now=NOW)
    service.record_checkin(db, make.admin(), checkin, held_on=date(2026, 11, 20), now=NOW)


def test_skipping_needs_a_reason_and_shows_as_skipped(db, gold):
    partner, _, manager = gold
    checkin = factories.checkin(db, partner, due_on=date(2026, 11, 20))
    with pytest.raises(service.CheckinError, match="why"):
        service.skip_checkin(db, manager, checkin, "  ", now=NOW)
    service.skip_checkin(db, manager, checkin, "Partner asked to fold it into the QBR", now=NOW)
    assert (checkin.status, checkin.skip_reason) == ("skipped", "Partner asked to fold it into the QBR")
    assert service.agenda(db, manager, NOW).overdue == []
    assert "checkin.skipped" in actions(db, partner)


def test_ad_hoc_check_in_is_recorded_once_per_day(db, gold):
    partner, _, manager = gold
    checkin = service.record_adhoc(db, manager, partner, held_on=date(2026, 11, 22), notes="Met at the expo", now=NOW)
    assert (checkin.kind, checkin.status) == ("adhoc", "held")
    with pytest.raises(service.CheckinError):
        service.record_adhoc(db, manager, partner, held_on=date(2026, 11, 22), now=NOW)


def test_partner_users_tick_off_only_their_own_steps(db, gold):
    partner, user, manager = gold
    checkin = factories.checkin(db, partner, due_on=date(2026, 11, 2), status="held")
    ours = factories.next_step(db, checkin, "Send the deck", owner="us")
    theirs = factories.next_step(db, checkin, "Register two deals", owner="partner")
    assert service.complete_steps(db, user, partner, [ours.id, theirs.id]) == 1
    assert [s.id for s in service.open_steps(db, partner.id)] == [ours.id]


def test_a_foreign_step_id_is_refused_and_never_quoted(db, gold, make):
    """Issue 9, item 10: a crafted done_steps list must not reach another organisation's step."""
    partner, user, manager = gold
    admin = make.admin()
    summit = make.partner("gold", name="Summit")
    summit_step = factories.next_step(db, factories.checkin(db, summit, status="held"), "Summit secret step")
    own_step = factories.next_step(db, factories.checkin(db, partner, status="held"), "Our step")
    service.complete_steps(db, admin, summit, [summit_step.id])  # done by the same admin, earlier
    for ids in ([summit_step.id], [own_step.id, summit_step.id]):
        with pytest.raises(service.CheckinError):
            service.complete_steps(db, admin, partner, ids)
    assert [s.id for s in service.open_steps(db, partner.id)] == [own_step.id]
    events = db.scalars(select(AuditEvent.summary).where(AuditEvent.partner_id == partner.id)).all()
    assert not any("Summit secret step" in summary for summary in events)
    with pytest.raises(service.CheckinError):
        service.record_adhoc(db, manager, partner, held_on=date(2026, 11, 20), done_step_ids=[summit_step.id],
                             now=NOW)


# --- support ----------------------------------------------------------------------------------------

def test_gold_request_on_friday_afternoon_is_due_monday_noon(db, gold):
    partner, user, manager = gold
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=LONDON)
    request = service.request_support(db, user, partner, subject="Deal registration", body="Portal says no",
                                      request_key="k" * 32, now=friday_4pm)
    assert request.due_at.astimezone(LONDON) == datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)
    assert "Anna Berg, +44 20 7946 0018" in request.sla_text
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == manager.email))
    assert "Deal registration" in mail.subject and "Mon 23 Nov 2026, 12:00" in mail.body_text
    assert "support.requested" in actions(db, partner)


def test_public_holidays_of_the_managers_country_extend_the_deadline(db, gold):
    partner, user, _ = gold
    db.add(PublicHoliday(country="GB", day=date(2026, 11, 23), name="Test holiday"))
    db.flush()
    request = service.request_support(db, user, partner, subject="s", body="b", request_key="h" * 32,
                                      now=datetime(2026, 11, 20, 16, 0, tzinfo=LONDON))
    assert request.due_at.astimezone(LONDON) == datetime(2026, 11, 24, 12, 0, tzinfo=LONDON)


def test_platinum_is_wall_clock_and_bronze_has_no_deadline(db, make):
    for tier, expected in (("platinum", timedelta(hours=2)), ("bronze", None)):
        user = make.partner_user(tier)
        request = service.request_support(db, user, user.partner, subject="s", body="b",
                                          request_key=f"{tier}-key-0123456789", now=NOW)
        assert (request.due_at - NOW if request.due_at else None) == expected


def test_the_same_form_sent_twice_is_one_request(db, gold):
    partner, user, manager = gold
    first = service.request_support(db, user, partner, subject="s", body="b", request_key="x" * 32, now=NOW)
    again = service.request_support(db, user, partner, subject="s", body="b", request_key="x" * 32, now=NOW)
    assert first.id == again.id
    assert db.scalar(select(func.count(SupportRequest.id)).where(SupportRequest.partner_id == partner.id)) == 1
    assert db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == manager.email)) == 1


def test_open_requests_by_deadline_with_breaches_and_answering(db, make, gold):
    partner, user, manager = gold
    bronze = make.partner("bronze", manager=manager)
    late = factories.support_request(db, partner, user, subject="late", created_at=NOW - timedelta(hours=9),
                                     due_at=NOW - timedelta(hours=1))
    soon = factories.support_request(db, partner, user, subject="soon", created_at=NOW, due_at=NOW + timedelta(hours=3))
    inbox = factories.support_request(db, bronze, None, subject="inbox", created_at=NOW - timedelta(days=2))
    factories.support_request(db, make.partner("gold"), None, subject="not mine")
    assert [r.subject for r in service.open_requests(db, manager)] == ["late", "soon", "inbox"]
    assert late.is_breached(NOW) and not soon.is_breached(NOW) and not inbox.is_breached(NOW)
    service.mark_answered(db, manager, soon, "Called back", now=NOW + timedelta(hours=1))
    assert [r.subject for r in service.open_requests(db, manager)] == ["late", "inbox"]
    assert soon.answered_by_id == manager.id and not soon.is_breached(NOW + timedelta(days=1))
    with pytest.raises(service.CheckinError):
        service.mark_answered(db, manager, soon, now=NOW)


def test_support_promise_in_plain_words(make):
    anna = make.manager(name="Anna Berg", timezone="Europe/London", phone="+44 20 7946 0018")
    assert service.support_promise(make.tier("gold"), anna) == (
        "Email or call Anna Berg, +44 20 7946 0018 (" + anna.email + "); we answer within 4 business hours, "
        "Monday to Friday 09:00-17:00 Europe/London."
    )
    assert "2 hours, day and night" in service.support_promise(make.tier("platinum"), anna)
    assert "no guaranteed response time" in service.support_promise(make.tier("bronze"), anna)


def test_agenda_query_count_does_not_grow_with_rows(db, make):
    from sqlalchemy import event

    manager = make.manager(timezone="Europe/London")
    today = service.today_for(manager, NOW)

    def count_queries(rows: int) -> int:
        for n in range(rows):
            partner = make.partner("gold", manager=manager)
            item = factories.checkin(db, partner, due_on=today - timedelta(days=n + 1))
            start = NOW + timedelta(days=rows, hours=n)
            call = Booking(kind="checkin", status="booked", partner_id=partner.id, manager_id=manager.id,
                           starts_at=start, ends_at=start + timedelta(minutes=30))
            db.add(call)
            db.flush()
            item.booking_id = call.id
            db.flush()
        db.expire_all()
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.get_bind(), "before_cursor_execute", listener)
        try:
            agenda = service.agenda(db, manager, NOW)
            [(c.booking, c.partner.tier.name) for c in agenda.overdue]
        finally:
            event.remove(db.get_bind(), "before_cursor_execute", listener)
        return len(statements)

    assert count_queries(2) == count_queries(8)
