"""Partnership plan pages: the plan (terms in force, draft, what changed, goals), edit, sign, status, wind down."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.access import load_partner, role_required, visible_partners
from lms.db import get_db, utcnow
from lms.checkins.planning import add_months
from lms.models import Partner, Plan
from lms.pagination import page_arg, paginate
from lms.plans import bp, diff, goals, service
from lms.plans.forms import PlanForm, StatusForm, WindDownForm

# Ids in URLs fit the database's integer columns: a larger number is a 404, not a database error.
ID = "int(max=2147483647)"


@bp.get("/")
@login_required
def index():
    """Managers and admins: their partners' plans. A partner goes straight to its own."""
    if current_user.is_partner:
        return redirect(url_for("plans.partner", partner_id=current_user.partner_id))
    db = get_db()
    stmt = visible_partners(current_user, select(Partner, Plan).outerjoin(Plan, Plan.partner_id == Partner.id))
    page = paginate(db, stmt.order_by(Partner.name, Partner.id), page_arg(), scalars=False)
    return render_template("plans/index.html", page=page, today=utcnow().date())


def _plan_page(partner: Partner, status_form=None, wind_form=None, status: int = 200):
    db = get_db()
    now = utcnow()
    plan = service.plan_of(db, partner.id)
    context = {"partner": partner, "plan": plan, "today": now.date(), "may_edit": service.may_edit(current_user, partner),
               "runs": service.runs_partner(current_user, partner),
               "owner": service.is_plan_owner(current_user, partner.id)}
    if plan is not None:
        in_force = service.terms_in_force(db, plan)
        latest = service.latest_revision(db, plan)
        base, changes = diff.changes_since_signed(db, plan, current_user)
        context.update(
            in_force=in_force, latest=latest, base=base, changes=changes,
            progress=goals.progress(db, in_force, in_force.goals, partner.id, now) if in_force else [],
            status_form=status_form or StatusForm(status=plan.status if plan.status != "ending" else "on_track"),
            wind_form=wind_form or WindDownForm(),
        )
    return render_template("plans/plan.html", **context), status


@bp.get(f"/partners/<{ID}:partner_id>")
@login_required
def partner(partner_id: int):
    return _plan_page(load_partner(partner_id))[0]


def _form_for(latest) -> PlanForm:
    if latest is None:
        today = utcnow().date()
        return PlanForm(period_starts_on=today, period_ends_on=add_months(today, 12))
    data = {name: getattr(latest, name) for name in service.TERM_FIELDS}
    data.update({f"goal_{goal.kind}": goal.target for goal in latest.goals})
    return PlanForm(period_starts_on=latest.period_starts_on, period_ends_on=latest.period_ends_on, **data)


@bp.route(f"/partners/<{ID}:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    if not service.may_edit(current_user, partner):
        abort(403)
    plan = service.plan_of(db, partner.id)
    latest = service.latest_revision(db, plan) if plan else None
    form = _form_for(latest) if not PlanForm().is_submitted() else PlanForm()
    if form.validate_on_submit():
        terms = service.Terms(
            **{name: getattr(form, name).data or "" for name in service.TERM_FIELDS},
            period_starts_on=form.period_starts_on.data, period_ends_on=form.period_ends_on.data, goals=form.goals(),
        )
        try:
            revision = service.revise_plan(db, current_user, partner, terms, form.change_note.data)
        except service.PlanError as error:
            db.rollback()
            target = getattr(form, error.field, None) if error.field else None
            (target.errors if target is not None else form.form_errors).append(error.message)
            return render_template("plans/edit.html", partner=load_partner(partner_id), form=form, latest=latest), 400
        db.commit()
        flash(f"Revision {revision.number} saved. It takes effect when both sides have signed it.", "success")
        return redirect(url_for("plans.partner", partner_id=partner.id))
    return render_template("plans/edit.html", partner=partner, form=form, latest=latest), 400 if form.errors else 200


@bp.get(f"/revisions/<{ID}:revision_id>")
@login_required
def revision(revision_id: int):
    db = get_db()
    rev = service.load_revision(db, current_user, revision_id)
    history = service.revisions_of(db, rev.plan)
    previous = next((r for r in history if r.number == rev.number - 1), None)
    changes = diff.diff_terms(service.Terms.of(previous), service.Terms.of(rev)) if previous else []
    return render_template("plans/revision.html", revision=rev, partner=rev.plan.partner, history=history,
                           previous=previous, changes=changes)


@bp.post(f"/revisions/<{ID}:revision_id>/sign")
@login_required
def sign(revision_id: int):
    db = get_db()
    rev = service.load_revision(db, current_user, revision_id)
    partner_id = rev.plan.partner_id
    try:
        agreed = service.sign_revision(db, current_user, rev)
    except service.PlanError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("plans.partner", partner_id=partner_id)), 303
    db.commit()
    flash("Signed. Both sides have signed: these terms are now in force." if agreed
          else "Signed. The terms take effect when the other side signs too.", "success")
    return redirect(url_for("plans.partner", partner_id=partner_id))


def _managed_plan(partner_id: int) -> tuple[Partner, Plan]:
    partner = load_partner(partner_id)
    if not service.runs_partner(current_user, partner):
        abort(403)
    plan = service.plan_of(get_db(), partner.id)
    if plan is None:
        abort(404)
    return partner, plan


@bp.post(f"/partners/<{ID}:partner_id>/status")
@role_required("manager", "admin")
def status(partner_id: int):
    db = get_db()
    partner, plan = _managed_plan(partner_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            service.set_status(db, current_user, plan, partner, form.status.data, form.note.data)
        except service.PlanError as error:
            db.rollback()
            form.status.errors.append(error.message)
            return _plan_page(load_partner(partner_id), status_form=form, status=400)
        db.commit()
        flash(f"Plan status: {plan.status_label}.", "success")
        return redirect(url_for("plans.partner", partner_id=partner.id))
    return _plan_page(partner, status_form=form, status=400)


@bp.post(f"/partners/<{ID}:partner_id>/wind-down")
@role_required("manager", "admin")
def wind_down(partner_id: int):
    db = get_db()
    partner, plan = _managed_plan(partner_id)
    form = WindDownForm()
    if form.validate_on_submit():
        try:
            service.wind_down(db, current_user, plan, partner, reason=form.reason.data, ends_on=form.ends_on.data)
        except service.PlanError as error:
            db.rollback()
            form.reason.errors.append(error.message)
            return _plan_page(load_partner(partner_id), wind_form=form, status=400)
        db.commit()
        flash(f"The partnership with {partner.name} is winding down.", "success")
        return redirect(url_for("plans.partner", partner_id=partner.id))
    return _plan_page(partner, wind_form=form, status=400)
