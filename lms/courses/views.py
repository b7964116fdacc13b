"""Courses: catalogue, course and lesson pages, checks, certificates; admin pages under /courses/admin/."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from lms.access import role_required
from lms.courses import bp, content, service
from lms.courses.forms import CompleteForm, LearningPathForm, RevokeForm, check_form
from lms.db import get_db
from lms.pagination import page_arg, paginate
from lms.forms import db_int
from lms.models import Certificate, CourseAsset, Course, LearningPathItem, Lesson, LessonCompletion, Partner, Tier


# -- load-or-404 helpers --------------------------------------------------------------------------

def load_course(slug: str) -> Course:
    """The one way views get a course: 404 if it does not exist or is a draft and the viewer no admin."""
    course = get_db().scalar(select(Course).where(Course.slug == slug))
    if course is None or not service.can_see_course(current_user, course):
        abort(404)
    return course


def load_lesson(course: Course, slug: str) -> Lesson:
    for lesson in course.lessons:
        if lesson.slug == slug:
            return lesson
    abort(404)


def _completions(course: Course) -> dict[int, LessonCompletion]:
    if not current_user.is_partner:
        return {}
    rows = get_db().scalars(
        select(LessonCompletion).join(Lesson)
        .where(Lesson.course_id == course.id, LessonCompletion.user_id == current_user.id)
    )
    return {row.lesson_id: row for row in rows}


def _certificate(course: Course) -> Certificate | None:
    if not current_user.is_partner:
        return None
    return get_db().scalar(
        select(Certificate).where(Certificate.user_id == current_user.id, Certificate.course_id == course.id)
    )


def _tier_id() -> int | None:
    if not current_user.is_partner:
        return None
    return get_db().scalar(select(Partner.tier_id).where(Partner.id == current_user.partner_id))


# -- learner pages --------------------------------------------------------------------------------

@bp.get("/courses/")
@role_required("admin", "manager", "partner")
def index():
    db = get_db()
    courses = list(db.scalars(service.visible_courses(current_user, select(Course)).order_by(Course.title)))
    tier_id = _tier_id()
    path = service.path_summary(db, current_user, tier_id) if tier_id else None
    required = {p.course.id for p in path.courses} if path else set()
    progress = service.progress_for(db, current_user, courses, required)
    others = [p for p in progress if p.course.id not in required]
    certificates = [p.certificate for p in progress if p.certificate]
    return render_template("courses/index.html", path=path, others=others, certificates=certificates)


@bp.get("/courses/<course_slug>")
@role_required("admin", "manager", "partner")
def course(course_slug: str):
    course = load_course(course_slug)
    lessons = course.lessons
    completions = _completions(course)
    done_minutes = sum(lesson.estimated_minutes for lesson in lessons if lesson.id in completions)
    total_minutes = sum(lesson.estimated_minutes for lesson in lessons)
    tier_id = _tier_id()
    required = tier_id is not None and get_db().scalar(
        select(LearningPathItem.id).where(LearningPathItem.tier_id == tier_id, LearningPathItem.course_id == course.id)
    ) is not None
    return render_template(
        "courses/course.html", course=course, lessons=lessons, completions=completions,
        certificate=_certificate(course), next_lesson=service.next_lesson(lessons, set(completions)),
        minutes_left=max(0, total_minutes - done_minutes), required=required,
        percent=round(100 * len(completions) / len(lessons)) if lessons else 0,
    )


def _render_lesson(course: Course, lesson: Lesson, form=None, status: int = 200):
    db = get_db()
    lessons = course.lessons
    completions = _completions(course)
    completion = completions.get(lesson.id)
    answers = service.answers_for(db, current_user, lesson) if current_user.is_partner else {}
    open_checks = service.open_checks(lesson, answers)
    if form is None and current_user.is_partner and open_checks:
        form = check_form(open_checks, formdata=None)
    index = lessons.index(lesson)
    return render_template(
        "courses/lesson.html", course=course, lesson=lesson, lessons=lessons, completions=completions,
        completion=completion, answers=answers, open_checks=open_checks, form=form, complete_form=CompleteForm(),
        feedback={check_id: service.feedback(a_check, answers[check_id].response)
                  for a_check in lesson.checks if (check_id := a_check.id) in answers and not answers[check_id].passed_at},
        explain={check_id for check_id, a in answers.items() if service.shows_explanation(a)},
        explain_after=service.EXPLAIN_AFTER_TRIES,
        tries_left={check_id: max(0, service.EXPLAIN_AFTER_TRIES - a.attempts) for check_id, a in answers.items()},
        changes=service.changes_since(db, lesson, completion),
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
    ), status


@bp.get("/courses/<course_slug>/<lesson_slug>")
@role_required("admin", "manager", "partner")
def lesson(course_slug: str, lesson_slug: str):
    course = load_course(course_slug)
    return _render_lesson(course, load_lesson(course, lesson_slug))


@bp.post("/courses/<course_slug>/<lesson_slug>/answers")
@role_required("partner")
def answer(course_slug: str, lesson_slug: str):
    db = get_db()
    course = load_course(course_slug)
    lesson = load_lesson(course, lesson_slug)
    open_checks = service.open_checks(lesson, service.answers_for(db, current_user, lesson))
    if not open_checks:
        flash("You have already passed every check in this lesson.", "info")
        return redirect(url_for("courses.lesson", course_slug=course.slug, lesson_slug=lesson.slug))
    form = check_form(open_checks)
    if not form.validate_on_submit():
        return _render_lesson(course, lesson, form, 400)
    had_certificate = _certificate(course) is not None
    try:
        graded = service.submit_answers(
            db, current_user, lesson, {name: field.data for name, field in form._fields.items() if name.startswith("check_")},
        )
    except service.LearningError as error:
        if error.field and error.field in form:
            form[error.field].errors.append(error.message)
        else:
            flash(error.message, "error")
        return _render_lesson(course, lesson, form, 400)
    db.commit()
    right = sum(g.correct for g in graded)
    if right == len(graded):
        _flash_completion(course, lesson, had_certificate)
    else:
        flash(f"{right} of {len(graded)} correct. See what was wrong under each question and try again.", "warning")
    return redirect(url_for("courses.lesson", course_slug=course.slug, lesson_slug=lesson.slug) + "#checks")


def _flash_completion(course: Course, lesson: Lesson, had_certificate: bool) -> None:
    certificate = _certificate(course)
    if certificate is not None and not had_certificate:
        flash(f"You have completed “{course.title}” and earned its certificate.", "success")
    else:
        flash(f"Lesson complete: {lesson.title}.", "success")


@bp.post("/courses/<course_slug>/<lesson_slug>/complete")
@role_required("partner")
def complete(course_slug: str, lesson_slug: str):
    db = get_db()
    course = load_course(course_slug)
    lesson = load_lesson(course, lesson_slug)
    form = CompleteForm()
    if not form.validate_on_submit():
        abort(400)
    had_certificate = _certificate(course) is not None
    try:
        service.complete_lesson(db, current_user, lesson)
    except service.LearningError as error:
        flash(error.message, "error")
        return redirect(url_for("courses.lesson", course_slug=course.slug, lesson_slug=lesson.slug) + "#checks")
    db.commit()
    _flash_completion(course, lesson, had_certificate)
    lessons = course.lessons
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        return redirect(url_for("courses.lesson", course_slug=course.slug, lesson_slug=lessons[index + 1].slug))
    return redirect(url_for("courses.course", course_slug=course.slug))


@bp.get("/courses/<course_slug>/media/<path:path>")
@role_required("admin", "manager", "partner")
def media(course_slug: str, path: str):
    course = load_course(course_slug)
    asset = get_db().scalar(
        select(CourseAsset).options(undefer(CourseAsset.data))
        .where(CourseAsset.course_id == course.id, CourseAsset.path == path)
    )
    if asset is None:
        abort(404)
    response = current_app.response_class(asset.data, mimetype=asset.content_type)
    response.set_etag(asset.sha256)
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    # An SVG opened on its own must not run scripts on our origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/certificates/<code>")
def certificate(code: str):
    """Public: anyone holding the code may check the certificate. Nothing else is shown."""
    found = get_db().scalar(select(Certificate).where(Certificate.code == code)) if len(code) <= 40 else None
    if found is None:
        abort(404)
    valid, status = service.certificate_status(found)
    return render_template("courses/certificate.html", certificate=found, valid=valid, status=status)


# -- admin ----------------------------------------------------------------------------------------

def courses_dir() -> Path:
    """The course content folder: COURSES_DIR (environment-overridable; courses/ beside the code by default)."""
    return Path(current_app.config["COURSES_DIR"])


@bp.get("/courses/admin/")
@role_required("admin")
def admin_index():
    db = get_db()
    status = request.args.get("status", "")
    query = select(Course).order_by(Course.title, Course.id)
    if status in ("draft", "published"):
        query = query.where(Course.status == status)
    else:
        status = ""
    page = paginate(db, query, page_arg(), count=True)
    ids = [c.id for c in page.items]
    totals = service.course_totals(db, ids)
    earned = dict(db.execute(select(Certificate.course_id, func.count(Certificate.id))
                             .where(Certificate.course_id.in_(ids)).group_by(Certificate.course_id)).all()) if ids else {}
    tiers = list(db.scalars(select(Tier).order_by(Tier.rank)))
    return render_template(
        "courses/admin/index.html", courses=page.items, page=page, status=status, totals=totals, earned=earned,
        tiers=tiers, paths=service.paths_by_tier(db, [t.id for t in tiers]), folder=courses_dir(),
    )


@bp.post("/courses/admin/sync")
@role_required("admin")
def admin_sync():
    db = get_db()
    if not CompleteForm().validate_on_submit():
        abort(400)
    try:
        results = content.sync_folder(db, courses_dir(), actor=current_user)
    except content.ContentError as error:
        db.rollback()
        flash(f"Nothing was changed: {error}", "error")
    else:
        db.commit()
        flash("Courses loaded. " + "; ".join(r.describe() for r in results), "success")
        for result in results:
            for warning in result.warnings:
                flash(warning, "warning")
    return redirect(url_for("courses.admin_index"))


@bp.post("/courses/admin/<course_slug>/<any(publish, unpublish):action>")
@role_required("admin")
def admin_status(course_slug: str, action: str):
    db = get_db()
    course = load_course(course_slug)
    if not CompleteForm().validate_on_submit():
        abort(400)
    changed = service.set_course_status(db, current_user, course, "published" if action == "publish" else "draft")
    db.commit()
    if changed:
        flash(f"“{course.title}” is {'published: partners can take it' if action == 'publish' else 'a draft: only admins see it'}.", "success")
    return redirect(url_for("courses.admin_index"))


def _course_id(entry) -> int | None:
    try:
        return db_int(entry.course_id.data)
    except (TypeError, ValueError):
        return None


@bp.route("/courses/admin/paths/<int:tier_id>", methods=["GET", "POST"])
@role_required("admin")
def admin_path(tier_id: int):
    db = get_db()
    tier = db.get(Tier, tier_id) or abort(404)
    courses = list(db.scalars(select(Course).order_by(Course.title)))
    current = {c.id: n for n, c in enumerate(service.path_courses(db, tier.id, published_only=False), start=1)}
    by_id = {c.id: c for c in courses}
    form = LearningPathForm()
    if request.method == "GET":
        for course in courses:
            form.entries.append_entry({
                "course_id": str(course.id), "required": course.id in current, "position": current.get(course.id),
            })
    entry_ids = [_course_id(entry) for entry in form.entries]
    if None in entry_ids:
        abort(400)  # the hidden course ids were tampered with
    if form.validate_on_submit():
        picks = [(course_id, entry.position.data) for course_id, entry in zip(entry_ids, form.entries) if entry.required.data]
        try:
            changed = service.set_learning_path(db, current_user, tier, service.order_path(picks, by_id))
        except service.LearningError as error:
            flash(error.message, "error")
        else:
            db.commit()
            flash(f"{tier.name} learning path saved." if changed else "Nothing changed.", "success" if changed else "info")
            return redirect(url_for("courses.admin_index"))
    rows = [(entry, by_id.get(course_id)) for course_id, entry in zip(entry_ids, form.entries)]
    for entry, course in rows:  # screen readers hear which course each box belongs to
        name = escape(course.title if course else "removed course")
        entry.required.label.text = Markup(f'Required<span class="skip-link">: {name}</span>')
        entry.position.label.text = Markup(f'Order<span class="skip-link"> of {name}</span>')
    return render_template("courses/admin/path.html", tier=tier, form=form, rows=rows), 400 if request.method == "POST" else 200


@bp.get("/courses/admin/<course_slug>/certificates")
@role_required("admin")
def admin_certificates(course_slug: str):
    course = load_course(course_slug)
    page = paginate(get_db(), select(Certificate).where(Certificate.course_id == course.id)
                    .order_by(Certificate.issued_at.desc(), Certificate.id.desc()), page_arg())
    forms = {c.id: RevokeForm(prefix=f"c{c.id}") for c in page.items}
    return render_template("courses/admin/certificates.html", course=course, certificates=page.items, page=page,
                           forms=forms)


@bp.post("/courses/admin/certificates/<int:certificate_id>/revoke")
@role_required("admin")
def admin_revoke(certificate_id: int):
    db = get_db()
    found = db.get(Certificate, certificate_id) or abort(404)
    form = RevokeForm(prefix=f"c{found.id}")
    if form.validate_on_submit():
        try:
            service.revoke_certificate(db, current_user, found, form.reason.data)
        except service.LearningError as error:
            flash(error.message, "error")
        else:
            db.commit()
            flash(f"{found.holder_name}'s certificate is revoked.", "success")
    else:
        flash(" ".join(form.reason.errors) or "The form expired; try again.", "error")
    return redirect(url_for("courses.admin_certificates", course_slug=found.course.slug))
