"""Booking forms: format checks only; the service decides what is allowed."""

from __future__ import annotations

import re
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, URL, ValidationError

from lms.bookings.slots import Window
from lms.forms import BoundedDateField, DbIntegerField, SingleLine, parse_datetime
from lms.models.checkin import STEP_OWNERS
from lms.models.availability import WEEKDAYS

_RANGE_RE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–to]+\s*(\d{1,2})(?::(\d{2}))?\s*$")


def parse_windows(weekday: int, text: str | None) -> list[Window]:
    """'09:00-12:00, 14:00-17:30' -> windows; ValueError with a message for anything else."""
    windows = []
    for part in filter(None, (p.strip() for p in (text or "").replace(";", ",").split(","))):
        match = _RANGE_RE.match(part)
        if not match:
            raise ValueError(f"Write times as 09:00-12:00; '{part}' is not understood.")
        h1, m1, h2, m2 = (int(g or 0) for g in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError(f"'{part}' is not a time of day.")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end or end > 1440:
            raise ValueError(f"'{part}' must end after it starts, on the same day.")
        windows.append(Window(weekday, start, end))
    return windows


def format_windows(windows) -> str:
    return ", ".join(f"{w.start_minute // 60:02d}:{w.start_minute % 60:02d}-{w.end_minute // 60:02d}:{w.end_minute % 60:02d}"
                     for w in windows)


def _windows_check(form, field) -> None:
    try:
        parse_windows(0, field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def parse_slot(text: str | None) -> datetime | None:
    """The UTC start a slot button carries ('2026-03-30T07:00:00+00:00'); None when malformed or out of range."""
    return parse_datetime(text)


class AvailabilityForm(FlaskForm):
    slot_minutes = DbIntegerField("Call length (minutes)", validators=[
        DataRequired("Enter the call length."), NumberRange(15, 120, "Between 15 and 120 minutes.")])
    buffer_before_minutes = DbIntegerField("Buffer before a call (minutes)", default=0, validators=[
        Optional(), NumberRange(0, 240, "Between 0 and 240 minutes.")])
    buffer_after_minutes = DbIntegerField("Buffer after a call (minutes)", default=0, validators=[
        Optional(), NumberRange(0, 240, "Between 0 and 240 minutes.")])
    min_notice_hours = DbIntegerField("Minimum notice (hours)", default=24, validators=[
        Optional(), NumberRange(0, 720, "Between 0 and 720 hours.")],
        description="Nobody can book, move or cancel a call closer to its start than this.")
    horizon_days = DbIntegerField("Booking horizon (days)", default=60, validators=[
        DataRequired("Enter how far ahead partners may book."), NumberRange(1, 365, "Between 1 and 365 days.")])
    meeting_url = StringField("How to join (video link)", validators=[
        Optional(), URL(message="Enter a full link such as https://meet.example.com/anna."), Length(max=500)])
    day_0 = StringField(WEEKDAYS[0], validators=[_windows_check])
    day_1 = StringField(WEEKDAYS[1], validators=[_windows_check])
    day_2 = StringField(WEEKDAYS[2], validators=[_windows_check])
    day_3 = StringField(WEEKDAYS[3], validators=[_windows_check])
    day_4 = StringField(WEEKDAYS[4], validators=[_windows_check])
    day_5 = StringField(WEEKDAYS[5], validators=[_windows_check])
    day_6 = StringField(WEEKDAYS[6], validators=[_windows_check])

    def day_fields(self):
        return [getattr(self, f"day_{i}") for i in range(7)]

    def windows(self) -> list[Window]:
        return [w for i, f in enumerate(self.day_fields()) for w in parse_windows(i, f.data)]


class DayOffForm(FlaskForm):
    first_day = BoundedDateField("First day", validators=[DataRequired("Enter the first day off.")])
    last_day = BoundedDateField("Last day", validators=[Optional()], description="Leave empty for a single day.")
    note = StringField("Note (only you see it)", validators=[Optional(), Length(max=200), SingleLine()])


class SlotForm(FlaskForm):
    starts_at = HiddenField("Time", validators=[DataRequired("Pick a time from the list.")])

    def validate_starts_at(self, field) -> None:
        if parse_slot(field.data) is None:
            raise ValidationError("Pick a time from the list.")


class SeatForm(FlaskForm):
    """Taking a seat carries nothing but the CSRF token: the session is in the URL."""


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason (optional)", validators=[Optional(), Length(max=500)])


STEP_ROWS = 4  # blank next-step rows on the kickoff outcome form, as on a check-in (no JavaScript needed)


class StepForm(Form):
    """One agreed next step (a sub-form: the outcome form's CSRF token covers it). The same fields as a
    check-in's, so the rows render with checkins/_step_rows.html; not imported from check-ins, whose
    blueprint imports this module."""

    text = StringField("Next step", validators=[Optional(), Length(max=500)])
    owner = SelectField("Owner", choices=[SelectChoice(k, v) for k, v in STEP_OWNERS.items()], default="partner")
    due_on = BoundedDateField("Due", validators=[Optional()])


class OutcomeForm(FlaskForm):
    outcome = RadioField("Outcome", choices={"held": "Held", "no_show": "No-show (the partner may book again)"},
                         validators=[DataRequired("Choose held or no-show.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)],
                          description="Only managers and admins see the notes.")
    next_steps = TextAreaField("Next steps", validators=[Optional(), Length(max=2000)],
                               description="The partner sees these on the call page.")
    # The agreed next steps as rows (owner, due): they join the partner's one list of open next steps.
    steps = FieldList(FormField(StepForm), min_entries=STEP_ROWS, max_entries=STEP_ROWS * 3)


class GroupSessionForm(FlaskForm):
    title = StringField("Title", default="Group onboarding session", validators=[
        DataRequired("Give the session a title."), Length(max=160), SingleLine()])
    starts_on = BoundedDateField("Date", validators=[DataRequired("Enter the date.")])
    start_time = TimeField("Start time (your zone)", validators=[DataRequired("Enter the start time.")])
    minutes = DbIntegerField("Length (minutes)", default=60, validators=[
        DataRequired("Enter the length."), NumberRange(15, 240, "Between 15 and 240 minutes.")])
    capacity = DbIntegerField("Seats", validators=[DataRequired("Enter the number of seats."),
                                                 NumberRange(1, 500, "Between 1 and 500 seats.")])
    meeting_url = StringField("Video link", validators=[
        Optional(), URL(message="Enter a full link such as https://meet.example.com/onboarding."), Length(max=500)])


class SeatOutcomeForm(FlaskForm):
    outcome = SelectField("Attendance", choices={"held": "Attended", "no_show": "No-show"},
                          validators=[DataRequired()])
