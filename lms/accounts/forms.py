"""Account forms: format checks only; the rules live in accounts.service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from lms.accounts.service import MAX_PASSWORD_LENGTH, is_valid_timezone, password_problems, timezone_groups
from lms.forms import SingleLine


def email_field(label: str = "Email") -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired("Enter an email address."), Length(max=254), Email("Enter a valid email address.")],
    )


def name_field(label: str = "Full name") -> StringField:
    return StringField(label, validators=[DataRequired("Enter a name."), Length(max=120), SingleLine()])


def new_password_field(label: str = "New password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired("Choose a password."), Length(max=MAX_PASSWORD_LENGTH)],
        description="At least 12 characters, and not your email address. A short sentence works well.",
    )


def confirm_field(other: str = "password") -> PasswordField:
    return PasswordField(
        "Repeat the password",
        validators=[DataRequired("Repeat the password."), EqualTo(other, "The two passwords are not the same.")],
    )


class TimezoneField(SelectField):
    """A select of IANA zone names grouped by region, common zones first (a plain select without
    JavaScript; static/app.js adds a search box); the page's script may preselect the browser's zone."""

    def __init__(self, label: str = "Time zone", **kwargs):
        kwargs.setdefault("description", "Times in the portal are shown in this zone.")
        kwargs.setdefault("render_kw", {"data-zone-search": "1"})
        super().__init__(label, validate_choice=False, **kwargs)

    def pre_validate(self, form) -> None:
        if not self.data or not is_valid_timezone(self.data):
            raise ValidationError("Choose a time zone from the list (for example Europe/London).")

    def iter_choices(self):
        # Only the flat list's iteration is used for single values; the widget renders optgroups.
        self.choices = timezone_groups()
        return super().iter_choices()

    def has_groups(self) -> bool:
        return True

    def iter_groups(self):
        self.choices = timezone_groups()
        return super().iter_groups()


class NewPasswordForm(FlaskForm):
    """A form that sets a password: the strength rules (accounts.service) are shown beside the field."""

    account_email = ""  # the view sets it: the password may not be the email

    def validate_password(self, field) -> None:
        problems = password_problems(field.data or "", self.account_email)
        if problems:
            raise ValidationError(" ".join(problems))


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField("Keep me signed in on this device")


class AcceptInviteForm(NewPasswordForm):
    name = name_field("Your full name")
    password = new_password_field("Choose a password")
    confirm = confirm_field()
    timezone = TimezoneField(default="UTC")


class ForgotPasswordForm(FlaskForm):
    email = email_field("Your account email")


class ResetPasswordForm(NewPasswordForm):
    password = new_password_field()
    confirm = confirm_field()


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    password = new_password_field()
    confirm = confirm_field()


class ProfileForm(FlaskForm):
    name = name_field()
    timezone = TimezoneField()
    phone = StringField(
        "Phone", validators=[Optional(), Length(max=40), SingleLine()],
        description="Shown to partners whose tier promises a response time, as part of their support channel.",
    )
