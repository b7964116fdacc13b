"""Admin pages: tiers, managers, users, the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from lms import audit, mail
from lms.access import role_required
from lms.accounts import service as accounts
from lms.admin import bp, service
from lms.admin.forms import ManagerForm, TierForm
from lms.db import get_db
from lms.models import OutboxMessage, Partner, Tier, User
from lms.pagination import page_arg, paginate


@bp.get("/")
@role_required("admin")
def index():
    db = get_db()
    counts = dict(db.execute(select(User.role, func.count(User.id)).where(User.active.is_(True)).group_by(User.role)).all())
    partner_count = db.scalar(select(func.count(Partner.id)))
    return render_template("admin/index.html", counts=counts, partner_count=partner_count)


@bp.get("/tiers")
@role_required("admin")
def tiers():
    # A handful by nature (tiers are created by migrations and demo data, not on a page), paged all the same.
    page = paginate(get_db(), select(Tier).order_by(Tier.rank, Tier.id), page_arg())
    return render_template("admin/tiers.html", tiers=page.items, page=page)


@bp.route("/tiers/<int:tier_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_tier(tier_id: int):
    db = get_db()
    tier = db.get(Tier, tier_id) or abort(404)
    form = TierForm(obj=tier)
    if form.validate_on_submit():
        try:
            changes = service.update_tier(
                db, current_user, tier, name=form.name.data, onboarding_kind=form.onboarding_kind.data,
                group_capacity=form.group_capacity.data, support_channel=form.support_channel.data,
                sla_coverage=form.sla_coverage.data, sla_hours=form.sla_hours.data,
                checkin_cadence_months=form.checkin_cadence_months.data,
                quarterly_business_review=form.quarterly_business_review.data,
                commission_rate=form.commission_rate.data,
            )
        except service.TierError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.commit()
            flash(f"{tier.name} saved." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("admin.tiers"))
    return render_template("admin/tier_form.html", form=form, tier=tier)


@bp.get("/users")
@role_required("admin")
def users():
    db = get_db()
    role = request.args.get("role", "")
    q = request.args.get("q", "").strip()[:100]
    query = select(User).options(joinedload(User.partner)).order_by(User.role, User.name, User.id)
    if role in ("admin", "manager", "partner"):
        query = query.where(User.role == role)
    else:
        role = ""
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    page = paginate(db, query, page_arg(), count=True)
    return render_template("admin/users.html", users=page.items, page=page, role=role, q=q)


@bp.route("/managers/new", methods=["GET", "POST"])
@role_required("admin")
def create_manager():
    db = get_db()
    form = ManagerForm(timezone=current_user.timezone)
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(
                db, current_user, email=form.email.data, name=form.name.data, role="manager",
                timezone=form.timezone.data, phone=form.phone.data,
            )
        except accounts.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.commit()
            flash(f"{user.name} has been invited as a partner manager.", "success")
            return redirect(url_for("admin.users", role="manager"))
    return render_template("admin/manager_form.html", form=form)


@bp.post("/users/<int:user_id>/deactivate")
@role_required("admin")
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
@role_required("admin")
def reactivate_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    db = get_db()
    user = db.get(User, user_id) or abort(404)
    try:
        accounts.set_active(db, current_user, user, active)
    except accounts.AccountError as error:
        flash(error.message, "error")
    else:
        db.commit()
        flash(f"{user.email} is {'active again' if active else 'deactivated and signed out'}.", "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("admin.users"))


@bp.get("/audit")
@role_required("admin")
def audit_log():
    db = get_db()
    action = request.args.get("action", "")[:100]
    page = paginate(db, service.audit_query(action=action or None), page_arg())
    return render_template(
        "admin/audit.html", events=page.items, page=page, action=action,
        prefixes=service.audit_action_prefixes(db),
    )


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    """A readable label for an audit action code (the code stays in the database for filtering)."""
    return audit.action_label(action)


@bp.get("/mail")
@role_required("admin")
def mail_given_up():
    """Messages delivery gave up on (about a day of failures, or unbuildable), each with a Retry button."""
    return render_template("admin/mail.html", page=mail.given_up_messages(get_db(), page_arg()))


@bp.post("/mail/<int:message_id>/retry")
@role_required("admin")
def mail_retry(message_id: int):
    db = get_db()
    message = db.get(OutboxMessage, message_id) or abort(404)
    if mail.retry_message(db, current_user, message):
        db.commit()
        flash(f"Mail #{message.id} to {message.recipient} is back in the queue.", "success")
    else:
        flash(f"Mail #{message.id} is not waiting for a retry.", "info")
    return redirect(url_for("admin.mail_given_up"))
