"""Partner forms: format checks only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.accounts.forms import email_field, name_field
from lms.forms import SingleLine, db_int
from lms.partners.service import normalize_domain


def _domain_check(form, field) -> None:
    try:
        normalize_domain(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class PartnerForm(FlaskForm):
    name = StringField("Organisation name", validators=[DataRequired("Enter the organisation's name."), Length(max=160), SingleLine()])
    web_domain = StringField(
        "Web domain", validators=[Optional(), Length(max=253), _domain_check],
        description="For example example.com. Used to spot duplicate lead claims.",
    )
    tier_id = SelectField("Tier", coerce=db_int, validate_choice=True)
    manager_id = SelectField("Partner manager", coerce=db_int, validate_choice=True)
    reason = TextAreaField(
        "Reason for a tier or manager change", validators=[Optional(), Length(max=500)],
        description="Required when the tier or the manager changes.",
    )

    def set_choices(self, tiers, managers) -> None:
        self.tier_id.choices = {t.id: t.name for t in tiers}
        self.manager_id.choices = {m.id: f"{m.name} ({m.email})" for m in managers}
        self.tier_id.validate_choice = True


class InviteUserForm(FlaskForm):
    name = name_field("Their full name")
    email = email_field("Their work email")
