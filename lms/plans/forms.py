"""Plan forms: format checks only; the rules live in plans.service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lms.models.plan import CONFLICT_POLICIES, GOAL_KINDS, TERM_FIELDS


def no_nul(form, field) -> None:
    if field.data and "\x00" in field.data:
        raise ValidationError("Remove the invisible control characters from this text.")


def one_line(form, field) -> None:
    no_nul(form, field)
    if field.data and ("\r" in field.data or "\n" in field.data):
        raise ValidationError("Keep this to one line.")


def _terms_field(name: str, description: str) -> TextAreaField:
    return TextAreaField(TERM_FIELDS[name], validators=[Optional(), Length(max=5000), no_nul], description=description)


def _goal_field(kind: str) -> IntegerField:
    low, high = (-100, 100) if kind == "nps" else (0, 1_000_000_000)
    return IntegerField(GOAL_KINDS[kind], validators=[Optional(), NumberRange(low, high)],
                        description="Leave empty for no goal." if kind != "nps" else "From -100 to 100; empty for none.")


class PlanForm(FlaskForm):
    period_starts_on = DateField("Period starts", validators=[DataRequired("Enter the first day of the period.")])
    period_ends_on = DateField("Period ends", validators=[DataRequired("Enter the last day of the period.")])
    commission = _terms_field("commission", "The referral fee or commission agreed, e.g. 12% of the first year.")
    discounts = _terms_field("discounts", "Discounts the partner gets and mark-ups it may add.")
    rules_of_engagement = _terms_field("rules_of_engagement", "Who does what in a deal, and when to call in the vendor.")
    lead_division = _terms_field("lead_division", "Which leads go to the partner, which stay with the vendor.")
    conflict_policy = SelectField(TERM_FIELDS["conflict_policy"],
                                  choices=[SelectChoice(k, v) for k, v in CONFLICT_POLICIES.items()])
    communication_boundaries = _terms_field("communication_boundaries", "Who may promise what to customers.")
    goal_people_certified = _goal_field("people_certified")
    goal_path_complete = _goal_field("path_complete")
    goal_checkins_held = _goal_field("checkins_held")
    goal_leads_registered = _goal_field("leads_registered")
    goal_leads_won = _goal_field("leads_won")
    goal_leads_won_value = _goal_field("leads_won_value")
    goal_nps = _goal_field("nps")
    change_note = StringField("What changed, in a few words", validators=[Optional(), Length(max=300), one_line])

    def goal_fields(self):
        return [getattr(self, f"goal_{kind}") for kind in GOAL_KINDS]

    def goals(self) -> dict[str, int]:
        return {kind: getattr(self, f"goal_{kind}").data for kind in GOAL_KINDS
                if getattr(self, f"goal_{kind}").data is not None}


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[SelectChoice("on_track", "On track"), SelectChoice("at_risk", "At risk")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000), no_nul])


class WindDownForm(FlaskForm):
    reason = TextAreaField("Why the partnership is ending", validators=[DataRequired("Say why."), Length(max=2000), no_nul])
    ends_on = DateField("Ends on", validators=[DataRequired("Enter the last day of the partnership.")])
