"""Admin forms: format checks only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from lms.accounts.forms import TimezoneField, email_field, name_field
from lms.models.tier import ONBOARDING_KINDS, SLA_COVERAGES


class TierForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=64)])
    onboarding_kind = SelectField("Onboarding", choices=list(ONBOARDING_KINDS.items()))
    group_capacity = IntegerField(
        "Group session capacity", validators=[Optional(), NumberRange(1, 500, "Enter a number from 1 to 500.")],
        description="Seats per group onboarding session (group onboarding only).",
    )
    support_channel = TextAreaField(
        "Support channel", validators=[DataRequired("Describe the support channel."), Length(max=500)],
        description="What partners of this tier see, e.g. “Your partner manager's email and phone”.",
    )
    sla_coverage = SelectField("Response coverage", choices=list(SLA_COVERAGES.items()))
    sla_hours = IntegerField(
        "Response target (hours)", validators=[Optional(), NumberRange(1, 720, "Enter a number from 1 to 720.")],
    )
    checkin_cadence_months = IntegerField(
        "Check-in every (months)",
        validators=[InputRequired("Enter a number of months."), NumberRange(1, 12, "Enter a number from 1 to 12.")],
    )
    quarterly_business_review = BooleanField("Quarterly business review")
    commission_rate = DecimalField(
        "Default commission rate (%)", places=2,
        validators=[InputRequired("Enter a rate."), NumberRange(0, 100, "Enter a percentage from 0 to 100.")],
    )

    def validate_group_capacity(self, field) -> None:
        if self.onboarding_kind.data == "group" and not field.data:
            raise ValidationError("Group onboarding needs a capacity.")

    def validate_sla_hours(self, field) -> None:
        if self.sla_coverage.data != "none" and not field.data:
            raise ValidationError("Enter the response target in hours, or choose “No response target”.")


class ManagerForm(FlaskForm):
    name = name_field()
    email = email_field()
    phone = StringField("Phone", validators=[Optional(), Length(max=40)], description="Shown to Gold partners.")
    timezone = TimezoneField(description="Their working time zone: availability and SLAs are counted in it.")
