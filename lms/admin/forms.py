"""Admin forms: format checks only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.accounts.forms import TimezoneField, email_field, name_field
from lms.forms import DbIntegerField, SingleLine
from lms.models.tier import ONBOARDING_KINDS, SLA_COVERAGES


class TierForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=64), SingleLine()])
    onboarding_kind = SelectField("Onboarding", choices=ONBOARDING_KINDS)
    group_capacity = DbIntegerField(
        "Group session capacity", validators=[Optional(), NumberRange(1, 500, "Enter a number from 1 to 500.")],
        description="Seats per group onboarding session (group onboarding only).",
    )
    support_channel = TextAreaField(
        "Support channel", validators=[DataRequired("Describe the support channel."), Length(max=500)],
        description="What partners of this tier see, e.g. “Your partner manager's email and phone”.",
    )
    sla_coverage = SelectField("Response coverage", choices=SLA_COVERAGES)
    sla_hours = DbIntegerField(
        "Response target (hours)", validators=[Optional(), NumberRange(1, 720, "Enter a number from 1 to 720.")],
    )
    checkin_cadence_months = DbIntegerField(
        "Check-in every (months)",
        validators=[InputRequired("Enter a number of months."), NumberRange(1, 12, "Enter a number from 1 to 12.")],
    )
    quarterly_business_review = BooleanField("Quarterly business review")
    commission_rate = DecimalField(
        "Default commission rate (%)", places=2,
        validators=[InputRequired("Enter a rate."), NumberRange(0, 100, "Enter a percentage from 0 to 100.")],
    )

    def validate(self, extra_validators=None) -> bool:
        # Checked here, not in validate_<field>: Optional() ends a blank field's own chain.
        valid = super().validate(extra_validators)
        if self.onboarding_kind.data == "group" and not self.group_capacity.data and not self.group_capacity.errors:
            self.group_capacity.errors.append("Group onboarding needs a capacity.")
            valid = False
        if self.sla_coverage.data != "none" and not self.sla_hours.data and not self.sla_hours.errors:
            self.sla_hours.errors.append("Enter the response target in hours, or choose “No response target”.")
            valid = False
        return valid


class ManagerForm(FlaskForm):
    name = name_field()
    email = email_field()
    phone = StringField(
        "Phone", validators=[Optional(), Length(max=40), SingleLine()],
        description="Shown to partners whose tier promises a response time (Gold and Platinum by default).",
    )
    timezone = TimezoneField(description="Their working time zone: availability and SLAs are counted in it.")
