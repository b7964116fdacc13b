"""Course forms: format checks only. The knowledge-check form is built per lesson from its checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, FieldList, FormField, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.form import Form
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.forms import DbIntegerField
from lms.models import KnowledgeCheck


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def check_form(checks: list[KnowledgeCheck], **kwargs) -> FlaskForm:
    """One field per open check, named check_<id>; choices are sent as their numbers only."""

    class CheckForm(FlaskForm):
        pass

    for check in checks:
        choices = [SelectChoice(str(i), Markup(text)) for i, text in enumerate(check.choices)]
        if check.kind == "single":
            field = RadioField("Your answer", choices=choices, validators=[InputRequired("Choose an answer.")])
        elif check.kind == "multiple":
            field = CheckboxesField(
                "Your answer (choose all that apply)", choices=choices,
                validators=[DataRequired("Choose at least one answer.")],
            )
        else:
            field = StringField(
                "Your answer", validators=[DataRequired("Type your answer."), Length(max=200, message="Keep it under 200 characters.")],
            )
        setattr(CheckForm, f"check_{check.id}", field)
    return CheckForm(**kwargs)


class CompleteForm(FlaskForm):
    pass


class PathEntryForm(Form):
    course_id = HiddenField()
    required = BooleanField("Required")
    position = DbIntegerField(
        "Order", validators=[Optional(), NumberRange(1, 99, "Enter a number from 1 to 99.")],
    )


class LearningPathForm(FlaskForm):
    entries = FieldList(FormField(PathEntryForm))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Say why the certificate is revoked."), Length(max=500)],
        description="Shown on the public verification page.",
    )
