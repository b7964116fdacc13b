"""Admin page: create (secret shown once) and revoke API tokens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from lms.access import role_required
from lms.api import admin_bp
from lms.api.tokens import TokenError, create_token, revoke_token, tokens_query
from lms.db import get_db, utcnow
from lms.models import ApiToken, Partner
from lms.models.api_token import SCOPES
from lms.pagination import page_arg, paginate


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the token a name."), Length(max=120)])
    scope = SelectField("Scope", choices=[SelectChoice(k, v) for k, v in SCOPES.items()])
    partner_id = SelectField("Restrict to partner", coerce=str, validate_choice=True)


def _form() -> TokenForm:
    form = TokenForm()
    partners = get_db().execute(select(Partner.id, Partner.name).order_by(Partner.name)).all()
    form.partner_id.choices = [SelectChoice("", "No restriction (vendor token)")] + [
        SelectChoice(str(i), n) for i, n in partners]
    return form


def _page(form, secret=None, status=200):
    tokens = paginate(get_db(), tokens_query(), page_arg())
    return render_template("api/tokens.html", form=form, tokens=tokens, secret=secret), status


@admin_bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = _form()
    if form.validate_on_submit():
        db = get_db()
        try:
            _token, secret = create_token(db, current_user, form.name.data, form.scope.data,
                                          int(form.partner_id.data) if form.partner_id.data else None)
        except TokenError as error:
            db.rollback()
            getattr(form, error.field or "name").errors.append(error.message)
            return _page(form, status=400)
        db.commit()
        return _page(_form(), secret=secret)
    return _page(form, status=400 if form.errors else 200)


@admin_bp.post("/<int:token_id>/revoke")
@role_required("admin")
def revoke(token_id: int):
    db = get_db()
    token = db.get(ApiToken, token_id)
    if token is None:
        abort(404)
    revoke_token(db, current_user, token, utcnow())
    db.commit()
    flash(f"Token {token.name} revoked.", "success")
    return redirect(url_for("api_admin.index"))
