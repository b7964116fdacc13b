"""Survey pages: answering (partners), insight and follow-ups (managers, admins), settings (admins), public figures."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.access import role_required
from lms.db import get_db, utcnow
from lms.models import Partner, Survey, SurveyFollowUp, SurveyResponse, Tier, User
from lms.pagination import page_arg, paginate
from lms.surveys import bp, charts, insights, service
from lms.csvexport import safe_cell
from lms.surveys.forms import AnswerForm, NoteForm, SettingsForm, SurveyForm
from lms.surveys.invitations import get_settings, is_open
from lms.surveys.panels import open_invitations

MIN_PUBLIC_ANSWERS = 5


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


# --- partners ------------------------------------------------------------------------------------------

@bp.get("/surveys/")
@role_required("partner")
def index():
    """The partner's open surveys and the answers they gave before."""
    db = get_db()
    query = (select(SurveyResponse).where(SurveyResponse.user_id == current_user.id)
             .options(selectinload(SurveyResponse.answers), selectinload(SurveyResponse.survey))
             .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc()))
    page = paginate(db, query, page_arg(), per_page=20)
    return render_template("surveys/index.html", invitations=open_invitations(db, current_user, utcnow()),
                           page=page)


@bp.route("/surveys/answer/<token>", methods=["GET", "POST"])
@role_required("partner")
def answer(token: str):
    db = get_db()
    invitation = service.load_invitation(db, current_user, token)
    form = AnswerForm()
    if invitation.answered_at is not None:
        return _answered(invitation)
    version = service.current_version(db, invitation.survey_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            response = service.submit_response(db, current_user, invitation, request.form.to_dict())
        except service.InvalidAnswers as error:
            db.rollback()  # expires what was loaded: load the survey again to show it with the messages
            errors = error.errors
            invitation = service.load_invitation(db, current_user, token)
            version = service.current_version(db, invitation.survey_id)
        except service.AlreadyAnswered:
            db.rollback()
            return _answered(service.load_invitation(db, current_user, token))
        except service.SurveyError as error:
            db.rollback()
            flash(error.message, "error")
            return redirect(url_for("surveys.index"))
        else:
            db.commit()
            unhappy = service.follow_up_for(db, response.id) is not None
            flash("Thank you for your answers." + (" Your manager will be in touch within two working days."
                                                   if unhappy else ""), "success")
            return redirect(url_for("surveys.thanks", token=token))
    return render_template("surveys/answer.html", invitation=invitation, questions=version.questions, form=form,
                           errors=errors, values=request.form, closed=not is_open(invitation)), 400 if errors else 200


def _answered(invitation):
    return render_template("surveys/answered.html", invitation=invitation, already=True), 200


@bp.get("/surveys/answer/<token>/thanks")
@role_required("partner")
def thanks(token: str):
    db = get_db()
    invitation = service.load_invitation(db, current_user, token)
    response = db.scalar(select(SurveyResponse).where(SurveyResponse.invitation_id == invitation.id))
    follow_up = service.follow_up_for(db, response.id) if response is not None else None
    return render_template("surveys/answered.html", invitation=invitation, already=False, follow_up=follow_up)


# --- managers and admins: insight ------------------------------------------------------------------------

def _scope():
    manager_id = _int_arg("manager") if current_user.is_admin else None
    return insights.Scope.for_user(current_user, manager_id), manager_id


def _managers(db):
    return list(db.scalars(select(User).where(User.role == "manager").order_by(User.name))) \
        if current_user.is_admin else []


@bp.get("/surveys/insights")
@role_required("manager", "admin")
def insight():
    db = get_db()
    scope, manager_id = _scope()
    data = insights.load_insight(db, scope, utcnow())
    trend = charts.nps_trend(data.quarters, data.tiers, data.nps)
    csat_chart = charts.percent_bars([
        (survey.title, float(figure.value) if figure.value is not None else None,
         f"{survey.title}: CSAT {figure.value} % of {figure.count} answer(s)")
        for survey, figure in data.csat_by_survey
    ])
    rate_chart = charts.percent_bars([
        (quarter.replace("-", " "), 100.0 * answered / invited if invited else None,
         f"{quarter}: {answered} of {invited} answered, {suppressed} suppressed")
        for quarter, invited, answered, suppressed in data.rates
    ], css="bar bar-rate")
    return render_template("surveys/insights.html", data=data, trend=trend, csat_chart=csat_chart,
                           rate_chart=rate_chart, managers=_managers(db), manager_id=manager_id)


@bp.get("/surveys/comments")
@role_required("manager", "admin")
def comments():
    db = get_db()
    scope, manager_id = _scope()
    tier_id, survey_id = _int_arg("tier"), _int_arg("survey")
    band = request.args.get("band") if request.args.get("band") in insights.BANDS else None
    page = paginate(db, insights.comments_query(scope, tier_id=tier_id, band=band, survey_id=survey_id),
                    page_arg(), scalars=False)
    return render_template(
        "surveys/comments.html", page=page, tiers=list(db.scalars(select(Tier).order_by(Tier.id))),
        surveys=list(db.scalars(select(Survey).order_by(Survey.id))), bands=insights.BANDS,
        managers=_managers(db), filters={"tier": tier_id, "band": band, "survey": survey_id, "manager": manager_id},
    )


_cell = safe_cell  # the one formula-injection helper (lms/csvexport.py)


@bp.get("/surveys/export.csv")
@role_required("manager", "admin")
def export():
    """One row per answer, UTF-8 with a BOM (Excel opens it as UTF-8), ISO 8601 dates."""
    db = get_db()
    scope, _manager_id = _scope()
    rows = insights.export_rows(db, scope)

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["response_id", "submitted_at", "quarter", "survey", "partner", "tier", "respondent",
                         "question_no", "kind", "question", "score", "answer"])
        yield "\ufeff" + buffer.getvalue()
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            response_id, submitted_at, quarter, *rest = row
            writer.writerow([response_id, submitted_at.isoformat(timespec="seconds"), quarter,
                             *(_cell(value) for value in rest)])
            yield buffer.getvalue()

    return Response(generate(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=survey-responses.csv"})


# --- the closed loop --------------------------------------------------------------------------------------

@bp.get("/surveys/follow-ups")
@role_required("manager", "admin")
def follow_ups():
    db = get_db()
    query = select(SurveyFollowUp).options(joinedload(SurveyFollowUp.partner)).order_by(
        SurveyFollowUp.status == "resolved", SurveyFollowUp.due_at, SurveyFollowUp.id)
    if current_user.is_manager:
        query = query.join(Partner, Partner.id == SurveyFollowUp.partner_id).where(Partner.manager_id == current_user.id)
    page = paginate(db, query, page_arg())
    return render_template("surveys/follow_ups.html", page=page, now=utcnow())


@bp.get("/surveys/follow-ups/<int:follow_up_id>")
@role_required("manager", "admin")
def follow_up(follow_up_id: int):
    return _render_follow_up(service.load_follow_up(get_db(), current_user, follow_up_id), NoteForm())


def _render_follow_up(follow_up, form, status=200):
    db = get_db()
    response = db.scalar(select(SurveyResponse).where(SurveyResponse.id == follow_up.response_id)
                         .options(selectinload(SurveyResponse.answers), selectinload(SurveyResponse.survey)))
    return render_template("surveys/follow_up.html", follow_up=follow_up, response=response, form=form,
                           now=utcnow()), status


@bp.post("/surveys/follow-ups/<int:follow_up_id>/<any(contacted, resolved):step>")
@role_required("manager", "admin")
def follow_up_step(follow_up_id: int, step: str):
    db = get_db()
    follow_up = service.load_follow_up(db, current_user, follow_up_id)
    form = NoteForm()
    if form.validate_on_submit():
        action = service.mark_contacted if step == "contacted" else service.resolve_follow_up
        try:
            action(db, current_user, follow_up, form.note.data)
        except service.SurveyError as error:
            db.rollback()
            form.note.errors.append(error.message)
        else:
            db.commit()
            flash("Marked contacted." if step == "contacted" else "Follow-up resolved.", "success")
            return redirect(url_for("surveys.follow_up", follow_up_id=follow_up_id))
    return _render_follow_up(service.load_follow_up(db, current_user, follow_up_id), form, 400)


# --- admins ---------------------------------------------------------------------------------------------------

@bp.route("/surveys/admin", methods=["GET", "POST"])
@role_required("admin")
def admin():
    db = get_db()
    settings = get_settings(db)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        form.populate_obj(settings)
        db.commit()
        flash("Survey settings saved.", "success")
        return redirect(url_for("surveys.admin"))
    surveys = list(db.scalars(select(Survey).order_by(Survey.id)))
    return render_template("surveys/admin.html", form=form, surveys=surveys,
                           suppressed=insights.suppressed_by_survey(db)), 400 if form.errors else 200


@bp.route("/surveys/admin/<int:survey_id>", methods=["GET", "POST"])
@role_required("admin")
def edit(survey_id: int):
    db = get_db()
    survey = service.load_survey(db, survey_id)
    version = service.current_version(db, survey.id)
    form = SurveyForm()
    if request.method == "GET":
        form.title.data, form.active.data = survey.title, survey.active
        for entry, question in zip(form.questions.entries, version.questions):
            entry.form.kind.data, entry.form.prompt.data = question.kind, question.prompt
            entry.form.required.data, entry.form.choices.data = question.required, question.choices or ""
    elif form.validate_on_submit():
        rows = [entry.form for entry in form.questions.entries if entry.form.kind.data]
        missing = [row for row in rows if not (row.prompt.data or "").strip()]
        for row in missing:
            row.prompt.errors.append("Write the question.")
        if not missing:
            questions = [service.QuestionInput(row.kind.data, row.prompt.data, row.required.data,
                                               [c.strip() for c in (row.choices.data or "").splitlines() if c.strip()])
                         for row in rows]
            try:
                saved = service.save_questions(db, current_user, survey, form.title.data, form.active.data, questions)
            except service.SurveyError as error:
                db.rollback()
                flash(error.message, "error")
            else:
                db.commit()
                flash(f"Saved as version {saved.number}.", "success")
                return redirect(url_for("surveys.admin"))
    return render_template("surveys/edit.html", form=form, survey=survey, version=version), \
        400 if request.method == "POST" else 200


# --- public -----------------------------------------------------------------------------------------------------

@bp.get("/satisfaction")
def public():
    """The programme's NPS and CSAT, when an admin switched the page on; nothing under 5 answers."""
    db = get_db()
    if not get_settings(db).public_page:
        abort(404)
    nps, csat = insights.programme_figures(db)
    return render_template("surveys/public.html", nps=nps, csat=csat, minimum=MIN_PUBLIC_ANSWERS)
