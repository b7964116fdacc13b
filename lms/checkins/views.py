"""Check-ins: the manager's agenda, recording and skipping, the partner's plan, support requests."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms import events
from lms.access import check_partner_access, load_partner, role_required
from lms.bookings import service as bookings
from lms.bookings.forms import parse_slot
from lms.bookings.picker import build_picker, parse_day
from lms.checkins import bp, holidays, service
from lms.checkins.forms import AnswerForm, HolidayForm, RecordForm, SkipForm, SlotForm, StepsDoneForm, SupportForm
from lms.db import get_db, utcnow
from lms.pagination import page_arg, paginate
from lms.models import CheckIn, Partner, PublicHoliday, SupportRequest
from lms.models.booking import LIVE_STATUSES


# --- load-or-404 helpers: the partner-visibility rule applies to every check-in record -------------

def _load_visible(model, object_id: int):
    """Load-or-404 a record that belongs to a partner: 404 when missing or when its partner is not visible."""
    item = get_db().get(model, object_id)
    if item is None:
        abort(404)
    check_partner_access(current_user, get_db().get(Partner, item.partner_id))
    return item


def load_checkin(checkin_id: int) -> CheckIn:
    return _load_visible(CheckIn, checkin_id)


def load_support_request(request_id: int) -> SupportRequest:
    return _load_visible(SupportRequest, request_id)


# --- manager: agenda, record, skip ----------------------------------------------------------------

AGENDA_PAGE_ARGS = {"overdue": "overdue_page", "this_week": "week_page", "coming": "coming_page"}


@bp.get("/")
@role_required("manager", "admin")
def agenda():
    db = get_db()
    panels = events.collect_panels(events.manager_agenda_requested, db=db, user=current_user, now=utcnow())
    pages = {name: page_arg(AGENDA_PAGE_ARGS[name]) for name in service.AGENDA_SECTIONS}
    # Each section's pager keeps the other sections where they are.
    keep = {name: {AGENDA_PAGE_ARGS[other]: number for other, number in pages.items() if other != name and number > 1}
            for name in pages}
    return render_template("checkins/agenda.html", agenda=service.agenda(db, current_user, pages=pages), panels=panels,
                           keep=keep)


def _record_values(form: RecordForm) -> dict:
    """What the record form says, as the keyword arguments of record_checkin / record_adhoc."""
    steps = [service.StepInput(entry.form.owner.data, entry.form.text.data or "", entry.form.due_on.data)
             for entry in form.steps]
    return {"held_on": form.held_on.data, "notes": form.notes.data, "steps": steps, "pulse": form.pulse_value,
            "done_step_ids": form.done_steps.data or [],
            # The agenda items ticked as covered (workspace's include on the form; ids checked by its receiver).
            "agenda_covered": request.form.getlist("agenda_covered", type=int)}


def _record_page(partner: Partner, form: RecordForm, checkin: CheckIn | None, status: int = 200):
    db = get_db()
    # The 50 nearest open steps to tick; the rest are paged on the partner's check-ins page.
    steps = paginate(db, service.open_steps_query(partner.id), 1, count=True)
    history = service.recent_checkins(db, partner.id, 5)
    panels = events.collect_panels(events.checkin_record_requested, db=db, user=current_user, partner=partner,
                                   checkin=checkin, now=utcnow())
    return render_template("checkins/record.html", partner=partner, checkin=checkin, form=form, open_steps=steps.items,
                           more_steps=(steps.total or 0) - len(steps.items),
                           panels=panels,
                           history=history, now=utcnow(),
                           last_contact=service.last_contact(db, [partner.id], current_user).get(partner.id)), status


@bp.route("/<int:checkin_id>/record", methods=["GET", "POST"])
@role_required("manager", "admin")
def record(checkin_id: int):
    db = get_db()
    checkin = load_checkin(checkin_id)
    if checkin.status != "planned":
        flash(f"This check-in is already {checkin.status}.", "info")
        return redirect(url_for("checkins.partner", partner_id=checkin.partner_id))
    today = service.today_for(current_user, utcnow())
    form = RecordForm(held_on=today)
    if form.validate_on_submit():
        try:
            recorded = service.record_checkin(db, current_user, checkin, **_record_values(form))
        except service.CheckinError as error:
            db.rollback()
            _form_error(form, error)
            checkin = load_checkin(checkin_id)
            return _record_page(checkin.partner, form, checkin, status=409 if isinstance(error, service.AlreadyRecorded) else 400)
        db.commit()
        if recorded.id != checkin.id:
            flash(f"Held before its month, so it is recorded as an extra check-in with {checkin.partner.name}; "
                  f"the {checkin.kind_label.lower()} due {checkin.due_on:%-d %b %Y} stays due, keeping the rhythm.",
                  "success")
        else:
            flash(f"{checkin.kind_label} with {checkin.partner.name} recorded.", "success")
        return redirect(url_for("checkins.agenda"))
    return _record_page(checkin.partner, form, checkin, status=400 if form.errors else 200)


@bp.route("/partners/<int:partner_id>/adhoc", methods=["GET", "POST"])
@role_required("manager", "admin")
def adhoc(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    form = RecordForm(held_on=service.today_for(current_user, utcnow()))
    if form.validate_on_submit():
        try:
            service.record_adhoc(db, current_user, partner, **_record_values(form))
        except service.CheckinError as error:
            db.rollback()
            _form_error(form, error)
            return _record_page(load_partner(partner_id), form, None, status=400)
        db.commit()
        flash(f"Ad hoc check-in with {partner.name} recorded.", "success")
        return redirect(url_for("checkins.partner", partner_id=partner.id))
    return _record_page(partner, form, None, status=400 if form.errors else 200)


def _form_error(form, error: service.CheckinError) -> None:
    target = getattr(form, error.field, None)
    if target is None or error.field == "steps":
        # Step errors belong to the step rows as a whole.
        form.form_errors.append(error.message)
    else:
        target.errors = list(target.errors) + [error.message]


@bp.route("/<int:checkin_id>/skip", methods=["GET", "POST"])
@role_required("manager", "admin")
def skip(checkin_id: int):
    db = get_db()
    checkin = load_checkin(checkin_id)
    form = SkipForm()
    if checkin.status != "planned":
        flash(f"This check-in is already {checkin.status}.", "info")
        return redirect(url_for("checkins.partner", partner_id=checkin.partner_id))
    if form.validate_on_submit():
        try:
            service.skip_checkin(db, current_user, checkin, form.reason.data)
        except service.CheckinError as error:
            db.rollback()
            _form_error(form, error)
            checkin = load_checkin(checkin_id)
        else:
            db.commit()
            flash(f"{checkin.kind_label} due {checkin.due_on:%-d %b} skipped.", "success")
            return redirect(url_for("checkins.agenda"))
    return render_template("checkins/skip.html", checkin=checkin, form=form), 400 if form.errors else 200


@bp.get("/partners/<int:partner_id>")
@role_required("manager", "admin")
def partner(partner_id: int):
    """Every check-in of one partner: held, skipped and planned, with the next steps agreed (each list paged)."""
    db = get_db()
    partner = load_partner(partner_id)
    checkins = paginate(db, service.partner_checkins_query(partner.id), page_arg(), count=True)
    steps = paginate(db, service.open_steps_query(partner.id), page_arg("steps_page"), count=True)
    return render_template(
        "checkins/partner.html", partner=partner, checkins=checkins, plan=service.plan_of(db, partner.id),
        open_steps=steps.items, steps=steps, steps_form=StepsDoneForm(),
        today=service.today_for(current_user, utcnow()),
    )


# --- partner: the plan, booking a call, next steps --------------------------------------------------

@bp.get("/plan")
@role_required("partner")
def plan():
    db = get_db()
    partner = load_partner(current_user.partner_id)
    manager = partner.manager
    upcoming = service.upcoming_checkins(db, partner.id, 6)
    steps = paginate(db, service.open_steps_query(partner.id), page_arg("steps_page"), count=True)
    requests = paginate(db, service.partner_requests_query(partner.id), page_arg("requests_page"), per_page=10)
    return render_template(
        "checkins/plan.html", partner=partner, tier=partner.tier, manager=manager,
        promise=service.support_promise(partner.tier, manager), next_checkin=upcoming[0] if upcoming else None,
        upcoming=upcoming[1:6], past=service.recent_checkins(db, partner.id, 6), open_steps=steps.items, steps=steps,
        requests=requests.items, requests_page=requests, steps_form=StepsDoneForm(),
        started=service.plan_of(db, partner.id) is not None, live=LIVE_STATUSES, now=utcnow(),
        today=service.today_for(current_user, utcnow()),
    )


@bp.post("/partners/<int:partner_id>/steps")
@role_required("partner", "manager", "admin")
def steps_done(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    form = StepsDoneForm()
    if form.validate_on_submit() and form.done_steps.data:
        try:
            done = service.complete_steps(db, current_user, partner, form.done_steps.data)
        except service.CheckinError as error:
            flash(error.message, "error")
        else:
            db.commit()
            flash(f"{done} next step(s) marked done." if done else "Nothing to mark done.", "success" if done else "info")
    else:
        flash("Tick the steps that are done first.", "info")
    if current_user.is_partner:
        return redirect(url_for("checkins.plan"))
    return redirect(url_for("checkins.partner", partner_id=partner.id))


def _slots_page(checkin: CheckIn, form: SlotForm, status: int = 200):
    db = get_db()
    manager = checkin.partner.manager
    availability = bookings.get_availability(db, manager.id)
    now = utcnow()
    # Open on the first free day from ten days before the due date (the whole horizon stays reachable).
    picker = build_picker(bookings.free_slots(db, manager.id, now), current_user.timezone or "UTC",
                          parse_day(request.args.get("day")), bookings.change_notice(availability), now=now,
                          default=checkin.due_on - timedelta(days=10))
    return render_template(
        "checkins/book.html", checkin=checkin, partner=checkin.partner, manager=manager, form=form, picker=picker,
        availability=availability, picker_url=url_for("checkins.book", checkin_id=checkin.id),
        action=url_for("checkins.book", checkin_id=checkin.id),
    ), status


@bp.route("/<int:checkin_id>/book", methods=["GET", "POST"])
@role_required("partner")
def book(checkin_id: int):
    db = get_db()
    checkin = load_checkin(checkin_id)
    if checkin.status != "planned":
        flash("This check-in is already recorded.", "info")
        return redirect(url_for("checkins.plan"))
    if checkin.booking is not None and checkin.booking.status in LIVE_STATUSES:
        return redirect(url_for("bookings.call", booking_id=checkin.booking_id))
    if request.method == "GET" and bookings.get_availability(db, checkin.partner.manager_id) is None:
        bookings.ask_for_availability(db, checkin.partner)  # once per manager: the outbox dedupes it
        db.commit()
    form = SlotForm()
    if request.method == "POST":
        if form.validate_on_submit() and parse_slot(form.starts_at.data) is not None:
            try:
                booking = service.book_checkin_call(db, current_user, checkin, parse_slot(form.starts_at.data))
            except service.CheckinError as error:
                db.rollback()
                form.starts_at.errors = [error.message]
                return _slots_page(load_checkin(checkin_id), form, status=409)
            db.commit()
            flash("Your check-in call is booked. The invitation is on its way by email.", "success")
            return redirect(url_for("bookings.call", booking_id=booking.id))
        form.starts_at.errors = ["Pick a time from the list."]
        return _slots_page(checkin, form, status=400)
    return _slots_page(checkin, form)


# --- support requests -------------------------------------------------------------------------------

@bp.route("/support/new", methods=["GET", "POST"])
@role_required("partner")
def request_support():
    db = get_db()
    partner = load_partner(current_user.partner_id)
    form = SupportForm()
    if request.method == "GET":
        form.request_key.data = secrets.token_hex(16)
    if form.validate_on_submit():
        try:
            support_request = service.request_support(
                db, current_user, partner, subject=form.subject.data, body=form.body.data,
                request_key=form.request_key.data,
            )
        except service.CheckinError as error:
            db.rollback()
            _form_error(form, error)
        else:
            db.commit()
            if support_request.due_at is not None:
                flash(f"Request sent to {partner.manager.name}. You will get an answer by "
                      f"{support_request.due_at.astimezone(service.zone_of(current_user)):%a %-d %b %Y, %H:%M}.",
                      "success")
            else:
                flash("Request sent to the partner team's inbox.", "success")
            return redirect(url_for("checkins.plan"))
    if form.request_key.errors:  # a tampered or missing key: give a fresh one, keep what they typed
        form.request_key.errors = []
        form.request_key.data = secrets.token_hex(16)
    return render_template(
        "checkins/support_form.html", form=form, partner=partner, tier=partner.tier, manager=partner.manager,
        promise=service.support_promise(partner.tier, partner.manager),
    ), 400 if form.errors else 200


@bp.get("/support")
@role_required("manager", "admin")
def support():
    db = get_db()
    page = paginate(db, service.open_requests_query(current_user), page_arg(), count=True)
    return render_template(
        "checkins/support.html", open_page=page, open_requests=page.items,
        answered=service.answered_requests(db, current_user), now=utcnow(), form=AnswerForm(),
        soon=timedelta(hours=1),
    )


@bp.post("/support/<int:request_id>/answered")
@role_required("manager", "admin")
def answered(request_id: int):
    db = get_db()
    support_request = load_support_request(request_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            service.mark_answered(db, current_user, support_request, form.note.data)
        except service.CheckinError as error:
            db.rollback()
            flash(error.message, "info")
        else:
            db.commit()
            flash(f"Marked answered: {support_request.subject}", "success")
    else:
        flash("Keep the note under 1000 characters.", "error")
    return redirect(url_for("checkins.support"))


# --- public holidays (admins edit; managers see whose holidays count) -------------------------------

def load_holiday(holiday_id: int) -> PublicHoliday:
    holiday = get_db().get(PublicHoliday, holiday_id)
    if holiday is None:
        abort(404)
    return holiday


def _holidays_page(form: HolidayForm, status: int = 200):
    db = get_db()
    today = service.today_for(current_user, utcnow())
    choices = holidays.holiday_countries(db)
    country = request.args.get("country", "").strip().upper()
    country = country if country in choices else ""
    page = paginate(db, holidays.holidays_query(since=today.replace(month=1, day=1), country=country or None),
                    page_arg(), count=True)
    return render_template(
        "checkins/holidays.html", form=form, countries=holidays.manager_countries(db),
        holidays=page.items, page=page, country=country, country_choices=choices, today=today,
    ), status


@bp.get("/holidays")
@role_required("manager", "admin")
def holiday_list():
    return _holidays_page(HolidayForm())


@bp.post("/holidays")
@role_required("admin")
def holiday_add():
    db = get_db()
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            holiday, moved = holidays.add_holiday(db, current_user, form.country.data, form.day.data, form.name.data)
        except holidays.HolidayError as error:
            db.rollback()
            getattr(form, error.field).errors = [error.message]
        else:
            db.commit()
            message = f"{holiday.name} ({holiday.country}, {holiday.day:%-d %b %Y}) added."
            if moved:
                message += f" {moved} open check-in(s) due that day moved to the next working day."
            flash(message, "success")
            return redirect(url_for("checkins.holiday_list"))
    return _holidays_page(form, status=400)


@bp.post("/holidays/<int:holiday_id>/remove")
@role_required("admin")
def holiday_remove(holiday_id: int):
    db = get_db()
    holiday = load_holiday(holiday_id)
    label = f"{holiday.name} ({holiday.country}, {holiday.day:%-d %b %Y})"
    holidays.remove_holiday(db, current_user, holiday)
    db.commit()
    flash(f"{label} removed.", "success")
    return redirect(url_for("checkins.holiday_list"))
