"""Bookings: managers publish availability and run calls and sessions; partners book their kickoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms import events
from lms.access import can_see_partner, load_partner, role_required
from lms.bookings import bp, service
from lms.bookings.forms import (
    AvailabilityForm,
    CancelForm,
    DayOffForm,
    GroupSessionForm,
    OutcomeForm,
    SeatForm,
    SeatOutcomeForm,
    SlotForm,
    format_windows,
    parse_slot,
)
from lms.bookings.calendar_links import google_link, outlook_link
from lms.bookings.ical import feed, invite
from lms.bookings.picker import build_picker, parse_day
from lms.bookings.slots import local_start
from lms.db import get_db, utcnow
from lms.errors import DomainError
from lms.forms import zone_or_none, zone_or_utc
from lms.models import Booking, DayOff, GroupSession, Partner, SessionSeat, Tier, User
from lms.pagination import page_arg, paginate

AGENDA_DAYS = 28


# --- load-or-404 helpers: the partner-visibility rule, plus the host of a call or session ----------

def _may_see_booking(user: User, booking: Booking) -> bool:
    return can_see_partner(user, booking.partner) or (user.is_manager and booking.manager_id == user.id)


def load_booking(booking_id: int) -> Booking:
    booking = get_db().get(Booking, booking_id)
    if booking is None or not _may_see_booking(current_user, booking):
        abort(404)
    return booking


def load_session(session_id: int) -> GroupSession:
    """Managers see their own sessions (admins all); partner users those of their own manager."""
    session = get_db().get(GroupSession, session_id)
    if session is None:
        abort(404)
    user = current_user
    if user.is_admin or (user.is_manager and session.manager_id == user.id):
        return session
    if user.is_partner and user.partner is not None and user.partner.manager_id == session.manager_id:
        return session
    abort(404)


def load_seat(seat_id: int) -> SessionSeat:
    seat = get_db().get(SessionSeat, seat_id)
    if seat is None:
        abort(404)
    if can_see_partner(current_user, seat.partner) or (current_user.is_manager and seat.session.manager_id == current_user.id):
        return seat
    abort(404)


def load_day_off(day_off_id: int) -> DayOff:
    day_off = get_db().get(DayOff, day_off_id)
    if day_off is None or day_off.manager_id != current_user.id:
        abort(404)
    return day_off


# --- template helpers -------------------------------------------------------------------------------

@bp.app_context_processor
def booking_helpers():
    return {"booking_kinds": service.KIND_LABELS}


def _zone_name(user: User) -> str:
    return user.timezone or "UTC"


# --- partner: the kickoff page ----------------------------------------------------------------------

@bp.get("/")
@role_required("partner", "manager", "admin")
def index():
    if not current_user.is_partner:
        return redirect(url_for("bookings.agenda"))
    db = get_db()
    partner = load_partner(current_user.partner_id)
    state = service.kickoff_state(db, partner)
    if state.booking is not None:
        return redirect(url_for("bookings.call", booking_id=state.booking.id))
    if state.seat is not None:
        return redirect(url_for("bookings.seat", seat_id=state.seat.id))
    if partner.tier.is_group_onboarding:
        return _render_sessions(partner, state)
    if service.get_availability(db, partner.manager_id) is None:
        service.ask_for_availability(db, partner)  # once per manager: the outbox dedupes the message
        db.commit()
    return _render_slots(partner, SlotForm(), state=state)


def _render_slots(partner: Partner, form: SlotForm, *, state=None, booking: Booking | None = None, status: int = 200):
    db = get_db()
    manager = partner.manager
    availability = service.get_availability(db, manager.id)
    now = utcnow()
    slots = service.free_slots(db, manager.id, now, exclude_booking_id=booking.id if booking else None)
    picker = build_picker(slots, _zone_name(current_user), parse_day(request.args.get("day")),
                          service.change_notice(availability), now=now)
    return render_template(
        "bookings/slots.html", partner=partner, manager=manager, availability=availability, picker=picker,
        form=form, state=state, booking=booking,
        picker_url=url_for("bookings.reschedule_form", booking_id=booking.id) if booking else url_for("bookings.index"),
        action=url_for("bookings.reschedule", booking_id=booking.id) if booking else url_for("bookings.book"),
    ), status


def _render_sessions(partner: Partner, state, error: str | None = None, status: int = 200):
    sessions = service.open_sessions(get_db(), partner.manager_id)
    return render_template("bookings/sessions.html", partner=partner, manager=partner.manager,
                           sessions=sessions, state=state, error=error), status


@bp.post("/book")
@role_required("partner")
def book():
    db = get_db()
    partner = load_partner(current_user.partner_id)
    form = SlotForm()
    if form.validate_on_submit():
        try:
            booking = service.book_call(db, current_user, partner, parse_slot(form.starts_at.data), kind="kickoff")
        except service.BookingError as error:
            db.rollback()
            partner = load_partner(current_user.partner_id)
            existing = service.live_kickoff(db, partner.id)
            if existing is not None and existing.starts_at == parse_slot(form.starts_at.data):
                # A double click, or a colleague picked the same time a moment earlier: it is booked.
                flash("This time is already booked for your organisation.", "info")
                return redirect(url_for("bookings.call", booking_id=existing.id))
            form.starts_at.errors.append(error.message)
            return _render_slots(partner, form, state=service.kickoff_state(db, partner), status=409)
        else:
            db.commit()
            flash("Your kickoff call is booked. The invitation is on its way by email.", "success")
            return redirect(url_for("bookings.call", booking_id=booking.id))
    return _render_slots(partner, form, state=service.kickoff_state(db, partner), status=400)


@bp.get("/calls/<int:booking_id>")
@role_required("partner", "manager", "admin")
def call(booking_id: int):
    booking = load_booking(booking_id)
    return _render_call(booking)


def _render_call(booking: Booking, *, cancel_form=None, outcome_form=None, status: int = 200):
    db = get_db()
    deadline = service.change_deadline(db, booking.starts_at, booking.manager_id)
    now = utcnow()
    meeting = service.call_meeting(booking)
    return render_template(
        "bookings/call.html", booking=booking, partner=booking.partner, manager=booking.manager,
        deadline=deadline, can_change=booking.status == "booked" and now <= deadline,
        started=booking.starts_at <= now, cancel_form=cancel_form or CancelForm(),
        outcome_form=outcome_form or OutcomeForm(), label=service.KIND_LABELS[booking.kind],
        checkin=service.planned_checkin_of(db, booking) if not current_user.is_partner else None,
        timeline_url=url_for("partners.detail", partner_id=booking.partner_id) if not current_user.is_partner else None,
        has_feed=service.has_feed(db, booking.manager_id), google_url=google_link(meeting),
        outlook_url=outlook_link(meeting),
    ), status


@bp.get("/calls/<int:booking_id>/invite.ics")
@role_required("partner", "manager", "admin")
def call_ics(booking_id: int):
    """The call's invite as a file: the same UID and SEQUENCE as the emailed one, so it updates, not duplicates."""
    booking = load_booking(booking_id)
    text, method = invite(service.call_meeting(booking))
    filename = "cancel.ics" if method == "CANCEL" else "invite.ics"
    return Response(text, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store",
    })


@bp.get("/calls/<int:booking_id>/reschedule")
@role_required("partner", "manager")
def reschedule_form(booking_id: int):
    booking = load_booking(booking_id)
    if booking.status != "booked":
        return redirect(url_for("bookings.call", booking_id=booking.id))
    return _render_slots(booking.partner, SlotForm(), booking=booking)


@bp.post("/calls/<int:booking_id>/reschedule")
@role_required("partner", "manager")
def reschedule(booking_id: int):
    db = get_db()
    booking = load_booking(booking_id)
    form = SlotForm()
    if form.validate_on_submit():
        try:
            service.reschedule_booking(db, current_user, booking, parse_slot(form.starts_at.data))
        except service.BookingError as error:
            db.rollback()
            form.starts_at.errors.append(error.message)
        else:
            db.commit()
            flash("The call has been moved. An updated invitation is on its way." if not current_user.is_partner
                  else "Your call has been moved. An updated invitation is on its way.", "success")
            return redirect(url_for("bookings.call", booking_id=booking.id))
    booking = load_booking(booking_id)
    return _render_slots(booking.partner, form, booking=booking, status=409)


@bp.post("/calls/<int:booking_id>/cancel")
@role_required("partner", "manager", "admin")
def cancel(booking_id: int):
    db = get_db()
    booking = load_booking(booking_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_booking(db, current_user, booking, form.reason.data)
        except service.BookingError as error:
            db.rollback()
            form.reason.errors.append(error.message)
        else:
            db.commit()
            flash("The call is cancelled and everyone has been told.", "success")
            if current_user.is_partner:
                return redirect(url_for("bookings.index"))
            return redirect(url_for("bookings.call", booking_id=booking.id))
    return _render_call(load_booking(booking_id), cancel_form=form, status=409)


@bp.post("/calls/<int:booking_id>/outcome")
@role_required("manager", "admin")
def outcome(booking_id: int):
    db = get_db()
    booking = load_booking(booking_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            service.record_outcome(db, current_user, booking, form.outcome.data, notes=form.notes.data,
                                   next_steps=form.next_steps.data, steps=[
                                       events.AgreedStep(row.owner.data, (row.text.data or "").strip(), row.due_on.data)
                                       for row in form.steps if (row.text.data or "").strip()])
        except DomainError as error:  # also a check-in receiver's refusal (events.checkin_call_held)
            db.rollback()
            # A next step's problem (a check-in receiver's "steps") is shown with the outcome.
            target = getattr(form, error.field, None) if error.field in ("notes", "next_steps") else form.outcome
            target.errors.append(error.message)
        else:
            db.commit()
            flash("Outcome recorded." if form.outcome.data == "held"
                  else "No-show recorded. The partner can book a new call.", "success")
            return redirect(url_for("bookings.call", booking_id=booking.id))
    return _render_call(load_booking(booking_id), outcome_form=form, status=400)


# --- partner: group sessions ------------------------------------------------------------------------

@bp.post("/sessions/<int:session_id>/seat")
@role_required("partner")
def take_seat(session_id: int):
    db = get_db()
    group_session = load_session(session_id)
    partner = load_partner(current_user.partner_id)
    if SeatForm().validate_on_submit():
        try:
            seat = service.book_seat(db, current_user, partner, group_session)
        except service.BookingError as error:
            db.rollback()
            partner = load_partner(current_user.partner_id)
            state = service.kickoff_state(db, partner)
            if state.seat is not None and state.seat.session_id == group_session.id:
                flash("Your organisation already has a seat in this session.", "info")
                return redirect(url_for("bookings.seat", seat_id=state.seat.id))
            return _render_sessions(partner, state, error=error.message, status=409)
        db.commit()
        flash("Your seat is booked. The invitation is on its way by email.", "success")
        return redirect(url_for("bookings.seat", seat_id=seat.id))
    return _render_sessions(partner, service.kickoff_state(db, partner), error="Please try again.", status=400)


@bp.get("/seats/<int:seat_id>")
@role_required("partner", "manager", "admin")
def seat(seat_id: int):
    seat = load_seat(seat_id)
    return _render_seat(seat)


def _render_seat(seat: SessionSeat, form=None, status: int = 200, move_error: str | None = None):
    db = get_db()
    deadline = service.change_deadline(db, seat.session.starts_at, seat.session.manager_id)
    can_change = seat.status == "booked" and utcnow() <= deadline
    return render_template("bookings/seat.html", seat=seat, session=seat.session, partner=seat.partner,
                           manager=seat.session.manager, deadline=deadline, can_change=can_change,
                           others=service.other_sessions(db, seat) if can_change and current_user.is_partner else [],
                           move_error=move_error, cancel_form=form or CancelForm()), status


@bp.post("/seats/<int:seat_id>/move/<int:session_id>")
@role_required("partner")
def move_seat(seat_id: int, session_id: int):
    db = get_db()
    seat = load_seat(seat_id)
    group_session = load_session(session_id)
    if SeatForm().validate_on_submit():
        try:
            service.move_seat(db, current_user, seat, group_session)
        except service.BookingError as error:
            db.rollback()
            return _render_seat(load_seat(seat_id), status=409, move_error=error.message)
        db.commit()
        flash("Your seat is moved. An updated invitation is on its way.", "success")
        return redirect(url_for("bookings.seat", seat_id=seat_id))
    return _render_seat(seat, status=400, move_error="Please try again.")


@bp.post("/seats/<int:seat_id>/cancel")
@role_required("partner")
def cancel_seat(seat_id: int):
    db = get_db()
    seat = load_seat(seat_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_seat(db, current_user, seat)
        except service.BookingError as error:
            db.rollback()
            form.reason.errors.append(error.message)
        else:
            db.commit()
            flash("Your seat is cancelled. You can book another session.", "success")
            return redirect(url_for("bookings.index"))
    return _render_seat(load_seat(seat_id), form, status=409)


@bp.post("/seats/<int:seat_id>/outcome")
@role_required("manager", "admin")
def seat_outcome(seat_id: int):
    db = get_db()
    seat = load_seat(seat_id)
    form = SeatOutcomeForm()
    if form.validate_on_submit():
        try:
            service.record_seat_outcome(db, current_user, seat, form.outcome.data)
        except DomainError as error:  # also a receiver's refusal (events.kickoff_held)
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(f"Attendance of {seat.partner.name} recorded.", "success")
    else:
        flash("Choose attended or no-show.", "error")
    return redirect(url_for("bookings.session", session_id=seat.session_id))


# --- manager: availability, days off, feed ----------------------------------------------------------

@bp.route("/availability", methods=["GET", "POST"])
@role_required("manager")
def availability():
    db = get_db()
    current = service.get_availability(db, current_user.id)
    windows = service.windows_of(db, current_user.id)
    if current is not None:
        form = AvailabilityForm(obj=current)
    else:
        form = AvailabilityForm(slot_minutes=30, buffer_before_minutes=0,
                                buffer_after_minutes=10, min_notice_hours=24, horizon_days=60)
    if request.method == "GET":
        for i, field in enumerate(form.day_fields()):
            field.data = format_windows([w for w in windows if w.weekday == i])
    if form.validate_on_submit():
        try:
            service.save_availability(
                db, current_user, current_user, timezone=current_user.timezone, slot_minutes=form.slot_minutes.data,
                buffer_before_minutes=form.buffer_before_minutes.data or 0,
                buffer_after_minutes=form.buffer_after_minutes.data or 0,
                min_notice_hours=form.min_notice_hours.data or 0, horizon_days=form.horizon_days.data,
                meeting_url=form.meeting_url.data, windows=form.windows(),
            )
        except service.BookingError as error:
            db.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.commit()
            flash("Availability saved. Existing bookings stay as they are.", "success")
            return redirect(url_for("bookings.availability"))
    today = datetime.now(zone_or_utc(_zone_name(current_user))).date()
    preview = service.free_slots(db, current_user.id)[:8] if current is not None else []
    return render_template(
        "bookings/availability.html", form=form, availability=current, day_off_form=DayOffForm(),
        days_off=service.days_off_of(db, current_user.id, since=today), preview=preview,
        feed_url=url_for("bookings.feed_ics", token=current.feed_token, _external=True)
        if current is not None and current.feed_token else None,
    ), 400 if form.errors else 200


@bp.post("/days-off")
@role_required("manager")
def add_day_off():
    db = get_db()
    form = DayOffForm()
    if form.validate_on_submit():
        try:
            service.add_day_off(db, current_user, current_user, form.first_day.data, form.last_day.data, form.note.data)
        except service.BookingError as error:
            db.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.commit()
            flash("Day off added: no new bookings can land on it.", "success")
            return redirect(url_for("bookings.availability") + "#days-off")
    current = service.get_availability(db, current_user.id)
    avail_form = AvailabilityForm(obj=current, formdata=None) if current else AvailabilityForm(formdata=None)
    for i, field in enumerate(avail_form.day_fields()):
        field.data = format_windows([w for w in service.windows_of(db, current_user.id) if w.weekday == i])
    return render_template(
        "bookings/availability.html", form=avail_form, availability=current, day_off_form=form,
        days_off=service.days_off_of(db, current_user.id), preview=[], feed_url=None,
    ), 400


@bp.post("/days-off/<int:day_off_id>/delete")
@role_required("manager")
def remove_day_off(day_off_id: int):
    db = get_db()
    service.remove_day_off(db, current_user, load_day_off(day_off_id))
    db.commit()
    flash("Day off removed.", "success")
    return redirect(url_for("bookings.availability") + "#days-off")


@bp.post("/feed/new")
@role_required("manager")
def rotate_feed():
    db = get_db()
    try:
        service.rotate_feed_token(db, current_user, current_user)
    except service.BookingError as error:
        flash(error.message, "error")
    else:
        db.commit()
        flash("Your calendar feed has a new secret address; any old address has stopped working.", "success")
    return redirect(url_for("bookings.availability") + "#feed")


@bp.post("/feed/revoke")
@role_required("manager")
def revoke_feed():
    db = get_db()
    service.revoke_feed_token(db, current_user, current_user)
    db.commit()
    flash("Your calendar feed is turned off.", "success")
    return redirect(url_for("bookings.availability") + "#feed")


@bp.get("/feed/<token>.ics")
def feed_ics(token: str):
    """The manager's calls as a subscribable calendar; the secret in the URL is the only key."""
    db = get_db()
    availability = service.feed_owner(db, token)
    if availability is None:
        abort(404)
    manager = availability.manager
    body = feed(f"{manager.name}: partner calls", service.feed_meetings(db, manager.id))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="partner-calls.ics"', "Cache-Control": "private, max-age=300",
    })


# --- manager: agenda and group sessions -------------------------------------------------------------

@bp.get("/agenda")
@role_required("manager", "admin")
def agenda():
    db = get_db()
    zone = zone_or_utc(_zone_name(current_user))
    today = datetime.now(zone).date()
    start = datetime.combine(today, datetime.min.time(), zone).astimezone(ZoneInfo("UTC"))
    end = start + timedelta(days=AGENDA_DAYS + 1)
    items = service.agenda(db, current_user.id, start, end)
    days: dict = {}
    for item in items:
        days.setdefault(item.starts_at.astimezone(zone).date(), []).append(item)
    return render_template(
        "bookings/agenda.html", days=sorted(days.items()), today=today, agenda_days=AGENDA_DAYS,
        awaiting=paginate(db, service.awaiting_outcome_query(current_user.id), page_arg(), count=True),
        has_availability=service.get_availability(
            db, current_user.id) is not None,
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@role_required("manager")
def new_session():
    db = get_db()
    tiers = db.scalars(select(Tier).order_by(Tier.rank))
    group_capacity = next((t.group_capacity for t in tiers if t.is_group_onboarding and t.group_capacity), 12)
    form = GroupSessionForm(capacity=group_capacity)
    availability = service.get_availability(db, current_user.id)
    if availability is not None and not form.meeting_url.data:
        form.meeting_url.data = availability.meeting_url
    zone_name = _zone_name(current_user)  # one zone per manager: their profile's
    if form.validate_on_submit():
        minute = form.start_time.data.hour * 60 + form.start_time.data.minute
        starts_at = local_start(form.starts_on.data, minute, zone_or_utc(zone_name))
        if starts_at is None:
            form.start_time.errors.append("That time does not exist on this date (the clocks change). Pick another.")
        else:
            try:
                session = service.create_group_session(
                    db, current_user, current_user, starts_at=starts_at, minutes=form.minutes.data,
                    capacity=form.capacity.data, title=form.title.data, meeting_url=form.meeting_url.data,
                )
            except service.BookingError as error:
                db.rollback()
                field = "start_time" if error.field == "starts_on" else error.field
                getattr(form, field if hasattr(form, field) else "title").errors.append(error.message)
            else:
                db.commit()
                flash("Session created. Your group-onboarding partners can take a seat now.", "success")
                return redirect(url_for("bookings.session", session_id=session.id))
    return render_template("bookings/session_form.html", form=form, zone_name=zone_name), 400 if form.errors else 200


@bp.get("/sessions/<int:session_id>")
@role_required("partner", "manager", "admin")
def session(session_id: int):
    group_session = load_session(session_id)
    if current_user.is_partner:
        return redirect(url_for("bookings.index"))
    return _render_session(group_session)


def _render_session(group_session: GroupSession, cancel_form=None, status: int = 200):
    seats = get_db().scalars(
        select(SessionSeat).where(SessionSeat.session_id == group_session.id, SessionSeat.status != "cancelled")
        .options(joinedload(SessionSeat.partner), joinedload(SessionSeat.booked_by)).order_by(SessionSeat.id)
    ).all()
    return render_template("bookings/session.html", session=group_session, seats=seats,
                           cancel_form=cancel_form or CancelForm(), now=utcnow()), status


@bp.post("/sessions/<int:session_id>/cancel")
@role_required("manager", "admin")
def cancel_session(session_id: int):
    db = get_db()
    group_session = load_session(session_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            freed = service.cancel_group_session(db, current_user, group_session, form.reason.data)
        except service.BookingError as error:
            db.rollback()
            form.reason.errors.append(error.message)
        else:
            db.commit()
            flash(f"Session cancelled; {freed} partner(s) told they can book another.", "success")
            return redirect(url_for("bookings.agenda"))
    return _render_session(load_session(session_id), form, status=409)
