"""Lead pages: partners register and follow their leads; managers decide, refer, rule on conflicts, export."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.access import load_partner, role_required
from lms.db import get_db, utcnow
from lms.errors import DomainError
from lms.leads import bp, payouts, policy, queries, service
from lms.leads.forms import (
    CloseForm, DealFields, DecideForm, LeadForm, OverrideForm, PayoutForm, ReferForm, RespondForm, SettingsForm,
)
from lms.leads.service import Prospect
from lms.models.lead import DIRECTIONS, STATUSES
from lms.pagination import page_arg, paginate


def _field_error(form, error: DomainError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is None:
        form.form_errors.append(error.message)
    else:
        target.errors = list(target.errors) + [error.message]


def _load(lead_id: int):
    return service.load_lead(get_db(), current_user, lead_id)


# --- lists ---------------------------------------------------------------------------------------------

@bp.get("/")
@role_required("partner", "manager", "admin")
def index():
    db = get_db()
    filters = queries.parse_filters(request.args)
    page = paginate(db, queries.lead_query(current_user, filters), page_arg(), per_page=25, count=True)
    context = {"page": page, "filters": filters, "settings": policy.get_settings(db), "statuses": STATUSES,
               "directions": DIRECTIONS}
    if current_user.is_partner:
        context["open_count"] = service.open_registrations(db, current_user.partner_id)
        return render_template("leads/partner_list.html", **context)
    totals = paginate(db, queries.totals_partners_query(current_user, filters), page_arg("totals_page"), scalars=False)
    return render_template("leads/manager_list.html", partners=queries.partner_choices(db, current_user),
                           tiers=queries.tier_choices(db), totals_page=totals,
                           totals=queries.totals_by_partner(db, current_user, filters, [row.id for row in totals.items]),
                           **context)


@bp.get("/export.csv")
@role_required("partner", "manager", "admin")
def export():
    filters = queries.parse_filters(request.args)
    body = queries.export_csv(get_db(), current_user, filters)
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response("\ufeff" + body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="leads-{stamp}.csv"'})


# --- registering and referring ------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@role_required("partner")
def new():
    db = get_db()
    form = LeadForm()
    if form.validate_on_submit():
        try:
            lead, claim = service.register_lead(db, current_user, Prospect(**form.prospect_values), utcnow())
        except DomainError as error:
            db.rollback()
            _field_error(form, error)
            return _form_page(form, 409 if error.field == "domain" else 400)
        db.commit()
        if claim.outcome == "duplicate":
            flash(f"{lead.company_name} is already registered in the programme (since {claim.since:%-d %B %Y}). "
                  "Your registration is recorded as a duplicate; your partner manager can review it.", "warning")
        elif claim.outcome == "split":
            flash(f"{lead.company_name} registered. Another partner registered it earlier, so under the programme's "
                  "split policy the commission is shared.", "info")
        else:
            flash(f"{lead.company_name} registered. Your partner manager decides within "
                  f"{policy.get_settings(db).decision_business_days} business days.", "success")
        return redirect(url_for("leads.detail", lead_id=lead.id))
    return _form_page(form, 400 if form.errors else 200)


def _form_page(form: LeadForm, status: int = 200):
    settings = policy.get_settings(get_db())
    return render_template("leads/form.html", form=form, settings=settings, policy_text=policy.policy_text(settings)), status


@bp.route("/refer", methods=["GET", "POST"])
@role_required("manager", "admin")
def refer():
    db = get_db()
    form = ReferForm()
    partners = queries.partner_choices(db, current_user, every=True)
    form.partner_id.choices = partners
    if form.validate_on_submit():
        if form.partner_id.data not in {id for id, _name in partners}:
            form.partner_id.errors = ["Choose one of your partners."]
        else:
            partner = load_partner(form.partner_id.data)
            try:
                lead = service.refer_lead(db, current_user, partner,
                                          Prospect(**form.prospect_values), utcnow())
            except DomainError as error:
                db.rollback()
                _field_error(form, error)
                return render_template("leads/refer.html", form=form), 400
            db.commit()
            flash(f"{lead.company_name} referred to {partner.name}.", "success")
            return redirect(url_for("leads.detail", lead_id=lead.id))
    return render_template("leads/refer.html", form=form), 400 if form.errors else 200


# --- one lead ---------------------------------------------------------------------------------------------

def _detail_page(lead, status: int = 200, **forms):
    db = get_db()
    today = utcnow().date()
    forms.setdefault("decide_form", DecideForm(formdata=None))
    forms.setdefault("respond_form", RespondForm(formdata=None))
    forms.setdefault("close_form", CloseForm(formdata=None))
    forms.setdefault("payout_form", PayoutForm(formdata=None, on=today))
    return render_template("leads/detail.html", lead=lead, history=queries.lead_history(db, lead),
                           settings=policy.get_settings(db), now=utcnow(), **forms), status


@bp.get("/<int:lead_id>")
@role_required("partner", "manager", "admin")
def detail(lead_id: int):
    return _detail_page(_load(lead_id))[0]


def _act(lead_id: int, form_name: str, form, action, done: str, who: tuple[str, ...]):
    """Validate `form`, run `action(db, lead, form)`, commit once; errors go beside the form's fields."""
    if current_user.role not in who:
        abort(403)
    db = get_db()
    lead = _load(lead_id)
    if form.validate_on_submit():
        try:
            action(db, lead, form)
        except DomainError as error:
            db.rollback()
            _field_error(form, error)
            return _detail_page(_load(lead_id), 409 if isinstance(error, service.NotAllowed) else 400,
                                **{form_name: form})
        db.commit()
        flash(done.format(lead=lead), "success")
        return redirect(url_for("leads.detail", lead_id=lead.id))
    return _detail_page(lead, 400, **{form_name: form})


@bp.post("/<int:lead_id>/decide")
@role_required("manager", "admin")
def decide(lead_id: int):
    return _act(lead_id, "decide_form", DecideForm(), lambda db, lead, f: service.decide_lead(
        db, current_user, lead, f.decision.data == "accept", f.reason.data, utcnow()),
        "{lead.company_name}: {lead.status_label}.", ("manager", "admin"))


@bp.post("/<int:lead_id>/respond")
@role_required("partner")
def respond(lead_id: int):
    return _act(lead_id, "respond_form", RespondForm(), lambda db, lead, f: service.respond_to_referral(
        db, current_user, lead, f.decision.data == "accept", f.reason.data, utcnow()),
        "{lead.company_name}: {lead.status_label}.", ("partner",))


@bp.post("/<int:lead_id>/close")
@role_required("partner", "manager", "admin")
def close(lead_id: int):
    lead = _load(lead_id)
    # Managers close what partners registered; partners report how a referral they took on turned out.
    who = ("partner", "manager", "admin") if lead.direction == "out" else ("manager", "admin")
    return _act(lead_id, "close_form", CloseForm(), lambda db, lead, f: service.close_lead(
        db, current_user, lead, f.outcome.data == "won", f.actual_value.data, f.reason.data, utcnow()),
        "{lead.company_name}: {lead.status_label}.", who)


@bp.post("/<int:lead_id>/payout")
@role_required("manager", "admin")
def payout(lead_id: int):
    return _act(lead_id, "payout_form", PayoutForm(), lambda db, lead, f: payouts.set_payout_stage(
        db, current_user, lead, f.stage.data, f.on.data, f.reason.data, utcnow()),
        "Payout for {lead.company_name}: {lead.payout_label}.", ("manager", "admin"))


@bp.post("/<int:lead_id>/renew")
@role_required("partner")
def renew(lead_id: int):
    db = get_db()
    lead = _load(lead_id)
    try:
        service.renew_lead(db, current_user, lead, utcnow())
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("leads.detail", lead_id=lead_id))
    db.commit()
    flash(f"{lead.company_name} renewed until {lead.expires_at:%-d %B %Y}.", "success")
    return redirect(url_for("leads.detail", lead_id=lead.id))


@bp.route("/<int:lead_id>/edit", methods=["GET", "POST"])
@role_required("partner", "manager", "admin")
def edit(lead_id: int):
    db = get_db()
    lead = _load(lead_id)
    form = DealFields(obj=lead)
    if form.validate_on_submit():
        try:
            changed = service.edit_lead(db, current_user, lead, utcnow(), **form.deal_values)
        except DomainError as error:
            db.rollback()
            _field_error(form, error)
            return render_template("leads/edit.html", form=form, lead=_load(lead_id)), 400
        db.commit()
        flash(f"{changed} change(s) saved." if changed else "Nothing changed.", "success" if changed else "info")
        return redirect(url_for("leads.detail", lead_id=lead.id))
    return render_template("leads/edit.html", form=form, lead=lead), 400 if form.errors else 200


# --- conflicts --------------------------------------------------------------------------------------------

@bp.get("/<int:lead_id>/conflict")
@role_required("manager", "admin")
def conflict(lead_id: int):
    return _conflict_page(_load(lead_id), OverrideForm(formdata=None))


def _conflict_page(lead, form, status: int = 200):
    sides = queries.conflict_sides(get_db(), lead)
    return render_template("leads/conflict.html", lead=lead, sides=sides, form=form), status


@bp.post("/<int:lead_id>/override")
@role_required("manager", "admin")
def override(lead_id: int):
    db = get_db()
    lead = _load(lead_id)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            service.override_conflict(db, current_user, lead, form.reason.data, utcnow())
        except DomainError as error:
            db.rollback()
            _field_error(form, error)
            return _conflict_page(_load(lead_id), form, 409)
        db.commit()
        flash(f"{lead.company_name}: the prospect is now held by {lead.partner.name}.", "success")
        return redirect(url_for("leads.conflict", lead_id=lead.id))
    return _conflict_page(lead, form, 400)


# --- settings --------------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings():
    db = get_db()
    current = policy.get_settings(db)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            policy.update_settings(db, current_user, **{name: getattr(form, name).data for name in (
                "policy", "split_sourcing_percent", "expiry_days", "max_renewals", "max_open",
                "decision_business_days")})
        except DomainError as error:
            db.rollback()
            _field_error(form, error)
            return render_template("leads/settings.html", form=form, settings=current), 400
        db.commit()
        flash("Lead programme settings saved.", "success")
        return redirect(url_for("leads.settings"))
    return render_template("leads/settings.html", form=form, settings=current,
                           policy_text=policy.policy_text(current)), 400 if form.errors else 200
