"""Lead forms: format checks only; the rules (identity, policy, limits) live in the leads services."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, MonthField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from lms.leads.commission import CURRENCIES, MAX_AMOUNT
from lms.models.lead import PAYOUT_STAGES, POLICIES

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def single_line(form, field) -> None:
    """One-line fields refuse line breaks and control characters (NUL included)."""
    if field.data and re.search(r"[\x00-\x1f\x7f]", field.data):
        raise ValidationError("Use one line of plain text.")


def no_nul(form, field) -> None:
    if field.data and "\x00" in field.data:
        raise ValidationError("This text contains a character we cannot store.")


def country_code(form, field) -> None:
    if field.data and not _COUNTRY.match(field.data):
        raise ValidationError("Use the two-letter ISO country code, e.g. GB or DE.")


def _line(label: str, max_length: int, required: str | None = None, **kwargs) -> StringField:
    first = DataRequired(required) if required else Optional()
    return StringField(label, validators=[first, Length(max=max_length), single_line], **kwargs)


def _amount(label: str, required: bool = False, **kwargs) -> DecimalField:
    return DecimalField(label, places=None, validators=[
        InputRequired("Enter the amount.") if required else Optional(),
        NumberRange(Decimal(0), MAX_AMOUNT, "Enter an amount of zero or more."),
    ], **kwargs)


CURRENCY_CHOICES = [SelectChoice(code, code) for code in CURRENCIES]


class DealFields(FlaskForm):
    """The deal's details a partner may still change after registering."""

    contact_name = _line("Contact name", 120)
    contact_email = StringField("Contact email", validators=[Optional(), Length(max=254), single_line,
                                                             Email("Enter an email address like name@example.com.")])
    contact_phone = _line("Contact phone", 40)
    estimated_value = _amount("Estimated value")
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, default="EUR")
    expected_close = MonthField("Expected close month", validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000), no_nul],
                          description="Only your organisation and your partner manager see the notes.")

    @property
    def deal_values(self) -> dict:
        return {"contact_name": self.contact_name.data or None,
                "contact_email": (self.contact_email.data or "").strip().lower() or None,
                "contact_phone": self.contact_phone.data or None, "estimated_value": self.estimated_value.data,
                "currency": self.currency.data, "expected_close": self.expected_close.data,
                "notes": (self.notes.data or "").strip() or None}


class LeadForm(DealFields):
    company_name = _line("Company name", 200, "Enter the company's name.")
    domain = _line("Web domain", 2048, description="The company's website, a link to it, or an email address "
                   "at the company, e.g. example.co.uk. Leave empty if it has none.")
    country = StringField("Country", validators=[Optional(), Length(max=2), country_code],
                          description="Two-letter ISO code, e.g. GB. Used to tell companies apart when there is no domain.")

    @property
    def prospect_values(self) -> dict:
        return {"company_name": self.company_name.data.strip(), "domain_text": (self.domain.data or "").strip() or None,
                "country": (self.country.data or "").upper() or None, **self.deal_values}


class ReferForm(LeadForm):
    partner_id = SelectField("Partner", coerce=int, choices=[], validate_choice=False,
                             validators=[InputRequired("Choose a partner.")])


class DecideForm(FlaskForm):
    decision = SelectField("Decision", choices=[SelectChoice("accept", "Accept"), SelectChoice("reject", "Reject")])
    reason = TextAreaField("Reason (required to reject)", validators=[Optional(), Length(max=2000), no_nul],
                           description="The partner sees the reason.")


class RespondForm(FlaskForm):
    decision = SelectField("Your answer", choices=[SelectChoice("accept", "Accept: we will work it"),
                                                   SelectChoice("decline", "Decline")])
    reason = TextAreaField("Reason (optional)", validators=[Optional(), Length(max=2000), no_nul])


class CloseForm(FlaskForm):
    outcome = SelectField("Outcome", choices=[SelectChoice("won", "Won"), SelectChoice("lost", "Lost")])
    actual_value = _amount("Actual value (when won)")
    reason = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000), no_nul])


class PayoutForm(FlaskForm):
    stage = SelectField("Move the payout to", choices=[SelectChoice(k, v) for k, v in PAYOUT_STAGES.items()
                                                       if k != "pending"] + [SelectChoice("pending", "Pending")])
    on = DateField("Date", validators=[DataRequired("Enter the date.")])
    reason = TextAreaField("Reason (required for on hold)", validators=[Optional(), Length(max=2000), no_nul])


class OverrideForm(FlaskForm):
    reason = TextAreaField("Why do you override the policy?", validators=[
        DataRequired("Write why you override the policy."), Length(max=2000), no_nul],
        description="Recorded in both leads' histories; both partners see it. Do not name the other partner.")


class SettingsForm(FlaskForm):
    policy = SelectField("Conflict policy", choices=[SelectChoice(k, v) for k, v in POLICIES.items()])
    split_sourcing_percent = IntegerField("Sourcing partner's share of a split (%)", validators=[
        InputRequired("Enter a percentage."), NumberRange(0, 100, "Enter a number from 0 to 100.")],
        description="The closing partner gets the rest. Used by the split commission policy.")
    expiry_days = IntegerField("Registrations expire after (days)", validators=[
        InputRequired("Enter a number of days."), NumberRange(1, 3650, "Enter a number from 1 to 3650.")])
    max_renewals = IntegerField("Renewals allowed", validators=[
        InputRequired("Enter a number."), NumberRange(0, 100, "Enter a number from 0 to 100.")])
    max_open = IntegerField("Open registrations per partner", validators=[
        InputRequired("Enter a number."), NumberRange(1, 100000, "Enter a number from 1 to 100000.")])
    decision_business_days = IntegerField("Decision target (business days)", validators=[
        InputRequired("Enter a number of days."), NumberRange(1, 60, "Enter a number from 1 to 60.")])
