"""Check-in and support forms: format checks only; the rules live in checkins.service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.forms import BoundedDateField, SingleLine, db_int
from lms.models.checkin import STEP_OWNERS

STEP_ROWS = 4  # blank next-step rows offered on the record form (no JavaScript needed)
PULSE_CHOICES = [
    SelectChoice(value, label) for value, label in (
        ("", "Not asked"), ("5", "5 - delighted"), ("4", "4 - happy"), ("3", "3 - neutral"), ("2", "2 - unhappy"),
        ("1", "1 - very unhappy"),
    )
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StepForm(Form):
    """One agreed next step (a sub-form: the record form's CSRF token covers it)."""

    text = StringField("Next step", validators=[Optional(), Length(max=500), SingleLine()])
    owner = SelectField("Owner", choices=[SelectChoice(k, v) for k, v in STEP_OWNERS.items()], default="partner")
    due_on = BoundedDateField("Due", validators=[Optional()])


class RecordForm(FlaskForm):
    held_on = BoundedDateField("Held on", validators=[DataRequired("Enter the day the check-in was held.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)],
                          description="What you talked about. Only managers and admins see the notes.")
    pulse = SelectField("Satisfaction pulse (optional)", choices=PULSE_CHOICES, default="",
                        description="How happy the partner said they are, if you asked.")
    steps = FieldList(FormField(StepForm), min_entries=STEP_ROWS, max_entries=STEP_ROWS * 3)
    done_steps = MultiCheckboxField("Open next steps done since the last check-in", coerce=db_int, choices=[],
                                    validate_choice=False)

    @property
    def pulse_value(self) -> int | None:
        return int(self.pulse.data) if self.pulse.data else None


class SkipForm(FlaskForm):
    reason = TextAreaField("Why is it skipped?", validators=[DataRequired("Say why this check-in is skipped."),
                                                             Length(max=500)],
                           description="For example: the partner asked to postpone to the next one.")


class SupportForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired("Give the request a short subject."), Length(max=200), SingleLine()])
    body = TextAreaField("What do you need?", validators=[DataRequired("Describe what you need."), Length(max=10000)])
    # One key per opened form: a double click or a resubmitted page records the request once.
    request_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class AnswerForm(FlaskForm):
    note = StringField("Note (optional)", validators=[Optional(), Length(max=1000), SingleLine()])


class StepsDoneForm(FlaskForm):
    done_steps = MultiCheckboxField("Done", coerce=db_int, choices=[], validate_choice=False)


class SlotForm(FlaskForm):
    starts_at = HiddenField("Time", validators=[DataRequired("Pick a time from the list.")])


class HolidayForm(FlaskForm):
    country = StringField("Country", validators=[DataRequired("Enter the two-letter country code."), Length(min=2, max=2,
                          message="Use the two-letter ISO country code, e.g. GB or DE.")],
                          description="Two-letter ISO code, e.g. GB, DE, US.")
    day = BoundedDateField("Date", validators=[DataRequired("Enter the date of the holiday.")])
    name = StringField("Name", validators=[DataRequired("Name the holiday, e.g. Christmas Day."), Length(max=120), SingleLine()])
