"""Sign in and out, accept an invite, reset or change a password, edit one's profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import bp, service, throttle
from lms.accounts.forms import (
    AcceptInviteForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
)
from lms.db import get_db
from lms.extensions import limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _pair_key() -> str:
    """Per (account, address): one address guessing at one account; others are not affected."""
    return f"login-pair:{get_remote_address()}:{service.normalize_email(request.form.get('email', ''))}"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a sign-in to another host."""
    if target:
        parts = urlsplit(target)
        # Browsers read "/\\host" as "//host": refuse backslashes too.
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("index")


def render_login_throttled(message: str):
    form = LoginForm()
    form.password.errors = [message]
    return render_template("accounts/login.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, key_func=_pair_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_db()
        email, address = service.normalize_email(form.email.data), get_remote_address()
        if throttle.refused(email, address):
            abort(429)
        try:
            user = service.authenticate(db, form.email.data, form.password.data)
        except service.InvalidCredentials as error:
            throttle.record_failure(email, address)
            form.password.errors.append(error.message)
        else:
            service.start_session(db, user)
            db.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        db = get_db()
        service.end_session(db, current_user)
        db.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    db = get_db()
    try:
        invite = service.check_token(db, token, "invite")
    except service.TokenInvalid as error:
        return _bad_link(error, "invite")
    if current_user.is_authenticated:  # someone else's session in this browser: end it for good
        service.end_session(db, current_user)
        db.commit()
        logout_user()
    # Prefilled with the zone the inviter chose; a manager's stays unless they change it here.
    form = AcceptInviteForm(name=invite.user.name, timezone=invite.user.timezone)
    form.account_email = invite.user.email
    if form.validate_on_submit():
        try:
            user = service.accept_invite(
                db, token, name=form.name.data, password=form.password.data, timezone=form.timezone.data
            )
        except service.TokenInvalid as error:
            return _bad_link(error, "invite")
        except service.WeakPassword as error:
            form.password.errors.append(error.message)
        else:
            service.start_session(db, user)
            db.commit()
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("index"))
    return render_template("accounts/accept_invite.html", form=form, invite=invite)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        db = get_db()
        service.request_password_reset(db, form.email.data)
        db.commit()
        flash(
            f"If {form.email.data} has an account, we have sent it a link to choose a new password. "
            f"The link works once, for {current_app.config['RESET_TOKEN_HOURS']} hour(s).",
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    db = get_db()
    try:
        reset = service.check_token(db, token, "reset")
    except service.TokenInvalid as error:
        return _bad_link(error, "reset")
    form = ResetPasswordForm()
    form.account_email = reset.user.email
    if form.validate_on_submit():
        try:
            user = service.reset_password(db, token, form.password.data)
        except service.TokenInvalid as error:
            return _bad_link(error, "reset")
        except service.WeakPassword as error:
            form.password.errors.append(error.message)
        else:
            service.start_session(db, user)
            db.commit()
            logout_user()
            login_user(user)
            flash("Your password has been changed.", "success")
            return redirect(url_for("index"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    db = get_db()
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        service.update_profile(db, current_user, name=form.name.data, timezone=form.timezone.data, phone=form.phone.data)
        db.commit()
        flash("Your profile has been saved.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.post("/account/password")
@login_required
def change_password():
    db = get_db()
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    password_form.account_email = current_user.email
    if password_form.validate_on_submit():
        try:
            service.change_password(db, current_user, password_form.current_password.data, password_form.password.data)
        except service.AccountError as error:
            getattr(password_form, error.field).errors.append(error.message)
        else:
            db.commit()
            login_user(current_user._get_current_object())  # the token rotated: keep this session
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form), 400


def _bad_link(error: service.TokenInvalid, purpose: str):
    return (
        render_template("accounts/bad_link.html", error=error, purpose=purpose),
        410 if error.reason in ("expired", "used") else 404,
    )
