"""Forms of the surveys feature (format checks only; the answers are checked by the service)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from lms.models.survey import QUESTION_KINDS

ONE_LINE = Regexp(r"^[^\r\n]*$", message="Keep it on one line.")
QUESTION_ROWS = 6


class AnswerForm(FlaskForm):
    """Only the CSRF token: the questions are data, rendered by the template and checked by the service."""


class NoteForm(FlaskForm):
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])


class SettingsForm(FlaskForm):
    min_days_between = IntegerField("Days between two invitations to one person",
                                    validators=[DataRequired("Enter a number of days."), NumberRange(1, 365)])
    nps_min_days = IntegerField("Days between two quarterly NPS surveys to one person",
                                validators=[DataRequired("Enter a number of days."), NumberRange(1, 365)])
    public_page = BooleanField("Show the programme's NPS and CSAT on the public /satisfaction page")


class QuestionForm(Form):
    kind = SelectField("Kind", choices=[SelectChoice("", "(no question)")] + [SelectChoice(k, v) for k, v in QUESTION_KINDS.items()], default="",
                       validators=[Optional()])
    prompt = StringField("Question", validators=[Optional(), Length(max=300), ONE_LINE])
    required = BooleanField("Required")
    choices = TextAreaField("Answers offered (single choice, one per line)",
                            validators=[Optional(), Length(max=2000)])


class SurveyForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the survey a title."), Length(max=160), ONE_LINE])
    active = BooleanField("Active (invitations go out)")
    questions = FieldList(FormField(QuestionForm), min_entries=QUESTION_ROWS, max_entries=QUESTION_ROWS)
