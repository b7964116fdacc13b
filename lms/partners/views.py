"""Partner organisations for managers and admins; the home page for partner users."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.access import check_partner_access, load_partner, role_required, visible_partners
from lms import events
from lms.accounts import service as accounts
from lms.bookings import service as bookings
from lms.checkins import service as checkins
from lms.courses import service as courses
from lms.db import get_db, utcnow
from lms.pagination import page_arg, paginate
from lms.models import AuditEvent, Partner, Tier, User
from lms.partners import bp, service
from lms.partners.forms import InviteUserForm, PartnerForm


def _partner_form(db, **kwargs) -> PartnerForm:
    form = PartnerForm(**kwargs)
    managers = service.managers(db)
    if current_user.is_manager:
        # A manager creates partners for themselves; only an admin reassigns.
        managers = [m for m in managers if m.id == current_user.id] or [current_user]
    form.set_choices(service.tiers(db), managers)
    return form


@bp.get("/partners/")
@role_required("admin", "manager")
def index():
    db = get_db()
    tier_key = request.args.get("tier", "")[:40]
    q = request.args.get("q", "").strip()[:100]
    manager_id = request.args.get("manager", "")
    manager_id = int(manager_id) if manager_id.isdigit() and len(manager_id) < 10 and current_user.is_admin else None
    query = (
        visible_partners(current_user, select(Partner))
        .options(joinedload(Partner.tier), joinedload(Partner.manager))
        .order_by(Partner.name_key)  # unique: a stable page order
    )
    if tier_key:
        query = query.where(Partner.tier.has(Tier.key == tier_key))
    if manager_id:
        query = query.where(Partner.manager_id == manager_id)
    if q:
        query = query.where(Partner.name_key.contains(service.name_key(q), autoescape=True))
    page = paginate(db, query, page_arg(), count=True)
    counts = service.partner_counts(db, [p.id for p in page.items])
    return render_template(
        "partners/index.html", page=page, partners=page.items, counts=counts, tiers=service.tiers(db),
        managers=service.managers(db) if current_user.is_admin else [], tier_key=tier_key, manager_id=manager_id,
        q=q,
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@role_required("admin", "manager")
def create():
    db = get_db()
    form = _partner_form(db, manager_id=current_user.id if current_user.is_manager else None)
    if form.validate_on_submit():
        try:
            partner = service.create_partner(
                db, current_user, name=form.name.data, tier=db.get(Tier, form.tier_id.data),
                manager=db.get(User, form.manager_id.data), web_domain=form.web_domain.data,
            )
        except service.PartnerError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.commit()
            flash(f"{partner.name} has been created. Invite its first user below.", "success")
            return redirect(url_for("partners.detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=None)


@bp.get("/partners/<int:partner_id>")
@role_required("admin", "manager")
def detail(partner_id: int):
    partner = load_partner(partner_id)
    return _render_detail(partner, InviteUserForm())


def _render_detail(partner: Partner, invite_form: InviteUserForm, status: int = 200):
    db = get_db()
    timeline = db.scalars(
        select(AuditEvent).where(AuditEvent.partner_id == partner.id).options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc()).limit(30)
    )
    people = paginate(db, select(User).where(User.partner_id == partner.id).order_by(User.name, User.id),
                      page_arg("people_page"), count=True)
    return (
        render_template(
            "partners/detail.html", partner=partner, invite_form=invite_form, timeline=list(timeline),
            people=people.items, people_page=people, kickoff=bookings.kickoff_state(db, partner),
            next_up=checkins.next_checkin(db, partner.id),
            # Everyone on one page: the progress of all (one query); else this page's, the share over all.
            learning_progress=courses.partner_progress(
                db, partner, None if people.page == 1 and not people.has_next else list(people.items)),
        ),
        status,
    )


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@role_required("admin", "manager")
def edit(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    form = _partner_form(db, obj=partner)
    if current_user.is_manager:
        # A manager may hand a partner over to a colleague; list every active manager.
        form.set_choices(service.tiers(db), service.managers(db))
    if form.validate_on_submit():
        try:
            changes = service.update_partner(
                db, current_user, partner, name=form.name.data, web_domain=form.web_domain.data,
                tier=db.get(Tier, form.tier_id.data), manager=db.get(User, form.manager_id.data),
                reason=form.reason.data,
            )
        except service.PartnerError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.commit()
            flash("Saved." if changes else "Nothing changed.", "success" if changes else "info")
            if partner.manager_id != current_user.id and current_user.is_manager:
                return redirect(url_for("partners.index"))
            return redirect(url_for("partners.detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=partner)


@bp.post("/partners/<int:partner_id>/invite")
@role_required("admin", "manager")
def invite(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    form = InviteUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(
                db, current_user, email=form.email.data, name=form.name.data, role="partner", partner=partner,
            )
        except accounts.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.commit()  # user is None: the address has an account this manager may not know of; same answer
            flash(f"Invite sent to {accounts.normalize_email(form.email.data)}. The link works for 7 days.", "success")
            return redirect(url_for("partners.detail", partner_id=partner.id))
    return _render_detail(partner, form, status=400)


@bp.post("/partners/<int:partner_id>/users/<int:user_id>/resend-invite")
@role_required("admin", "manager")
def resend_invite(partner_id: int, user_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    user = db.get(User, user_id)
    if user is None or user.partner_id != partner.id:
        abort(404)
    if user.has_password:
        flash(f"{user.email} has already set up the account.", "info")
    else:
        accounts.send_invite(db, current_user, user)
        db.commit()
        flash(f"A new invite has been sent to {user.email}.", "success")
    return redirect(url_for("partners.detail", partner_id=partner.id))


@bp.get("/home")
@role_required("partner")
def home():
    db = get_db()
    partner = check_partner_access(current_user, db.scalar(
        select(Partner).where(Partner.id == current_user.partner_id)
        .options(joinedload(Partner.tier), joinedload(Partner.manager))
    ))
    panels = events.collect_panels(events.partner_home_requested, db=db, user=current_user, partner=partner,
                                   now=utcnow())
    return render_template(
        "partners/home.html", partner=partner, tier=partner.tier, manager=partner.manager, panels=panels,
        kickoff=bookings.kickoff_state(db, partner), learning=courses.path_summary(db, current_user, partner.tier_id),
        next_up=checkins.next_checkin(db, partner.id),
    )
