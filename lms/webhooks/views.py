"""Admin: register endpoints (secret shown once), see deliveries and their attempts, redeliver."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.access import role_required
from lms.db import get_db, utcnow
from lms.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lms.models.webhook import WEBHOOK_EVENTS
from lms.pagination import page_arg, paginate
from lms.webhooks import bp, service


class EndpointForm(FlaskForm):
    url = StringField("URL", validators=[DataRequired("Enter the receiver's URL."), Length(max=2000)])
    events = SelectMultipleField("Events", choices=[SelectChoice(k, v) for k, v in WEBHOOK_EVENTS.items()],
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    secret = StringField("Secret (empty: generate one)", validators=[Length(max=200)])


def _page(form, secret=None, status=200):
    db = get_db()
    endpoints = paginate(db, select(WebhookEndpoint).order_by(WebhookEndpoint.id), page_arg("endpoints_page"))
    deliveries = paginate(db, select(WebhookDelivery).order_by(WebhookDelivery.id.desc()), page_arg())
    ids = [d.id for d in deliveries.items]
    attempts: dict[int, list[WebhookAttempt]] = {}
    if ids:
        for attempt in db.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids))
                                  .order_by(WebhookAttempt.id)):
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return render_template("webhooks/index.html", form=form, endpoints=endpoints, deliveries=deliveries,
                           attempts=attempts, secret=secret, events=WEBHOOK_EVENTS), status


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = EndpointForm()
    if form.validate_on_submit():
        db = get_db()
        try:
            _endpoint, secret = service.register_endpoint(db, current_user, form.url.data, form.events.data,
                                                          form.secret.data)
        except service.WebhookError as error:
            db.rollback()
            getattr(form, error.field or "url").errors.append(error.message)
            return _page(form, status=400)
        db.commit()
        return _page(EndpointForm(formdata=None), secret=secret)
    return _page(form, status=400 if form.errors else 200)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@role_required("admin")
def redeliver(delivery_id: int):
    db = get_db()
    delivery = db.get(WebhookDelivery, delivery_id)
    if delivery is None:
        abort(404)
    service.redeliver(db, current_user, delivery, utcnow())
    db.commit()
    flash("Queued again; `flask webhooks send` (or the jobs run) sends it.", "success")
    return redirect(url_for("webhooks.index"))
