"""Workspace pages: documents, programme resources, the conversation, the agenda, the team."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.access import load_partner, role_required, visible_partners
from lms.db import get_db, utcnow
from lms.models import Partner, Tier
from lms.pagination import page_arg, paginate
from lms.workspace import agenda, bp, documents, team, thread
from lms.workspace.forms import AgendaForm, InviteForm, PostForm, ResourceForm, UploadForm, VersionForm

# Ids in URLs fit the database's integer columns: a larger number is a 404, not a database error.
ID = "int(max=2147483647)"


@bp.app_template_filter("linkify")
def linkify_filter(text: str):
    return thread.linkify(text or "")


@bp.app_template_filter("filesize")
def filesize_filter(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _too_big() -> bool:
    """Refuse a body far over the limit before reading it (the service checks the file's exact size)."""
    limit = current_app.config.get("WORKSPACE_MAX_UPLOAD_BYTES", documents.MAX_UPLOAD_BYTES) + 64 * 1024
    return (request.content_length or 0) > limit


def _size_error() -> str:
    limit = current_app.config.get("WORKSPACE_MAX_UPLOAD_BYTES", documents.MAX_UPLOAD_BYTES)
    return f"Files can be at most {max(1, limit // (1024 * 1024))} MB."


@bp.get("/")
@login_required
def index():
    if current_user.is_partner:
        return redirect(url_for("workspace.partner", partner_id=current_user.partner_id))
    db = get_db()
    page = paginate(db, visible_partners(current_user, select(Partner)).order_by(Partner.name, Partner.id), page_arg())
    unread = thread.unread_counts(db, current_user, [p.id for p in page.items])
    return render_template("workspace/index.html", page=page, unread=unread)


def _partner_page(partner: Partner, upload_form=None, agenda_form=None, status: int = 200):
    db = get_db()
    page = paginate(db, documents.partner_documents(partner.id), page_arg())
    items = paginate(db, agenda.open_items(partner.id), page_arg("agenda_page"))
    return render_template(
        "workspace/partner.html", partner=partner, page=page, versions=documents.versions_of(db, list(page.items)),
        items=items, proposals=agenda.proposals(db, partner.id, utcnow()),
        unread=thread.unread_counts(db, current_user, [partner.id]).get(partner.id, 0),
        upload_form=upload_form or UploadForm(), agenda_form=agenda_form or AgendaForm(),
        manage_team=team.may_manage_team(current_user, partner),
    ), status


@bp.get(f"/partners/<{ID}:partner_id>")
@login_required
def partner(partner_id: int):
    return _partner_page(load_partner(partner_id))


@bp.post(f"/partners/<{ID}:partner_id>/documents")
@login_required
def upload(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    if _too_big():
        form = UploadForm(formdata=None)
        form.file.errors = [_size_error()]
        return _partner_page(partner, upload_form=form, status=413)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            document = documents.upload_document(db, current_user, partner, title=form.title.data,
                                                 filename=form.file.data.filename, data=form.file.data.read())
        except documents.DocumentError as error:
            db.rollback()
            getattr(form, error.field, form.file).errors = [error.message]
            return _partner_page(load_partner(partner_id), upload_form=form, status=400)
        db.commit()
        flash(f"“{document.title}” is shared with {partner.name} and its manager.", "success")
        return redirect(url_for("workspace.partner", partner_id=partner.id))
    return _partner_page(partner, upload_form=form, status=400)


def _document_page(document, form=None, status: int = 200):
    db = get_db()
    partner = db.get(Partner, document.partner_id) if document.partner_id else None
    versions = documents.versions_of(db, [document])[document.id]
    may_change = current_user.is_admin if partner is None else True
    return render_template("workspace/document.html", document=document, partner=partner, versions=versions,
                           form=form or VersionForm(), may_change=may_change), status


@bp.get(f"/documents/<{ID}:document_id>")
@login_required
def document(document_id: int):
    return _document_page(documents.load_document(get_db(), current_user, document_id))


@bp.post(f"/documents/<{ID}:document_id>/versions")
@login_required
def new_version(document_id: int):
    db = get_db()
    doc = documents.load_document(db, current_user, document_id)
    if _too_big():
        form = VersionForm(formdata=None)
        form.file.errors = [_size_error()]
        return _document_page(doc, form, 413)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            version = documents.upload_version(db, current_user, doc, filename=form.file.data.filename,
                                               data=form.file.data.read())
        except documents.DocumentError as error:
            db.rollback()
            form.file.errors = [error.message]
            return _document_page(documents.load_document(db, current_user, document_id), form, 400)
        db.commit()
        flash(f"Version {version.number} uploaded.", "success")
        return redirect(url_for("workspace.document", document_id=document_id))
    return _document_page(doc, form, 400)


@bp.get(f"/files/<{ID}:version_id>")
@login_required
def download(version_id: int):
    db = get_db()
    version = documents.load_version(db, current_user, version_id)
    data = documents.version_data(db, version)
    response = Response(data, mimetype=documents.served_type(version, data))
    response.headers["Content-Disposition"] = f'attachment; filename="{version.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _resources_page(form=None, status: int = 200):
    db = get_db()
    page = paginate(db, documents.resources_for(current_user), page_arg())
    form = form or ResourceForm()
    tiers = list(db.scalars(select(Tier).order_by(Tier.rank)))
    form.tiers.choices = [(t.id, t.name) for t in tiers]
    return render_template("workspace/resources.html", page=page, versions=documents.versions_of(db, list(page.items)),
                           form=form), status


@bp.get("/resources")
@login_required
def resources():
    return _resources_page()


@bp.post("/resources")
@role_required("admin")
def publish():
    db = get_db()
    if _too_big():
        form = ResourceForm(formdata=None)
        form.file.errors = [_size_error()]
        return _resources_page(form, 413)
    form = ResourceForm()
    form.tiers.choices = [(t.id, t.name) for t in db.scalars(select(Tier))]
    if form.validate_on_submit():
        tiers = list(db.scalars(select(Tier).where(Tier.id.in_(form.tiers.data or []))))
        try:
            doc = documents.upload_document(db, current_user, None, title=form.title.data, tiers=tiers,
                                            filename=form.file.data.filename, data=form.file.data.read())
        except documents.DocumentError as error:
            db.rollback()
            getattr(form, error.field, form.file).errors = [error.message]
            return _resources_page(form, 400)
        db.commit()
        flash(f"“{doc.title}” is published.", "success")
        return redirect(url_for("workspace.resources"))
    return _resources_page(form, 400)


def _thread_page(partner: Partner, form=None, status: int = 200):
    db = get_db()
    page = paginate(db, thread.thread_posts(partner.id), page_arg())
    marker = thread.last_read(db, current_user, partner.id)
    if page.page == 1 and page.items and status == 200:
        thread.mark_read(db, current_user, partner.id, page.items[0].id)
        db.commit()
    return render_template("workspace/thread.html", partner=partner, page=page, marker=marker,
                           form=form or PostForm()), status


@bp.route(f"/partners/<{ID}:partner_id>/thread", methods=["GET", "POST"], endpoint="thread")
@login_required
def thread_view(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    form = PostForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                thread.post_message(db, current_user, partner, form.body.data)
            except thread.ThreadError as error:
                db.rollback()
                form.body.errors = [error.message]
                return _thread_page(load_partner(partner_id), form, 400)
            db.commit()
            return redirect(url_for("workspace.thread", partner_id=partner.id))
        return _thread_page(partner, form, 400)
    return _thread_page(partner, form)


@bp.post(f"/partners/<{ID}:partner_id>/agenda")
@login_required
def add_agenda_item(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    form = AgendaForm()
    if form.validate_on_submit():
        try:
            agenda.add_item(db, current_user, partner, form.text.data)
        except agenda.AgendaError as error:
            db.rollback()
            form.text.errors = [error.message]
            return _partner_page(load_partner(partner_id), agenda_form=form, status=400)
        db.commit()
        flash("Added to the agenda of the next check-in.", "success")
        return redirect(url_for("workspace.partner", partner_id=partner.id) + "#agenda-heading")
    return _partner_page(partner, agenda_form=form, status=400)


def _team_page(partner: Partner, form=None, status: int = 200):
    page = paginate(get_db(), team.team_members(partner.id), page_arg())
    return render_template("workspace/team.html", partner=partner, page=page, form=form or InviteForm(),
                           manage=team.may_manage_team(current_user, partner)), status


@bp.route(f"/partners/<{ID}:partner_id>/team", methods=["GET", "POST"], endpoint="team")
@login_required
def team_view(partner_id: int):
    db = get_db()
    partner = load_partner(partner_id)
    form = InviteForm()
    if request.method == "POST":
        if not team.may_manage_team(current_user, partner):
            abort(403)
        if form.validate_on_submit():
            try:
                user = team.invite_colleague(db, current_user, partner, email=form.email.data, name=form.name.data)
            except team.TeamError as error:
                db.rollback()
                (form.email.errors if error.field else form.form_errors).append(error.message)
                return _team_page(load_partner(partner_id), form, 400)
            db.commit()
            flash(f"An invite is on its way to {user.email}.", "success")
            return redirect(url_for("workspace.team", partner_id=partner.id))
        return _team_page(partner, form, 400)
    return _team_page(partner, form)


@bp.post(f"/people/<{ID}:user_id>/active")
@login_required
def set_active(user_id: int):
    db = get_db()
    user = team.load_colleague(db, current_user, user_id)
    activate = request.args.get("active") == "1"
    try:
        team.set_colleague_active(db, current_user, user, activate)
    except team.TeamError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("workspace.team", partner_id=user.partner_id))
    db.commit()
    flash(f"{user.name} is {'active again' if activate else 'deactivated: they can no longer sign in'}.", "success")
    return redirect(url_for("workspace.team", partner_id=user.partner_id))


@bp.post(f"/people/<{ID}:user_id>/admin")
@role_required("manager", "admin")
def set_admin(user_id: int):
    db = get_db()
    user = team.load_colleague(db, current_user, user_id)
    make_admin = request.args.get("admin") == "1"
    try:
        team.set_partner_admin(db, current_user, user, make_admin)
    except team.TeamError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("workspace.team", partner_id=user.partner_id))
    db.commit()
    flash(f"{user.name} is {'now' if make_admin else 'no longer'} a partner admin.", "success")
    return redirect(url_for("workspace.team", partner_id=user.partner_id))
