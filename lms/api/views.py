"""Read endpoints: partners, their people, learning progress, certificates, survey scores."""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from lms.access import can_see_partner, visible_partners
from lms.api import bp
from lms.api import schemas as s
from lms.api.auth import Principal
from lms.api.paging import page
from lms.api.problems import ApiError
from lms.api.registry import operation
from lms.db import get_db, utcnow
from lms.models import AuditEvent, Certificate, CheckIn, Partner, Tier, User

NOT_FOUND = "There is nothing here, or it is not visible to this token."


def load_partner(db: Session, principal: Principal, partner_id: int) -> Partner:
    """Load-or-404 for the token: a partner-scoped token sees only its own organisation."""
    partner = db.get(Partner, partner_id)
    if partner is None or not can_see_partner(principal.user, partner):
        raise ApiError(404, NOT_FOUND)
    return partner


def load_person(db: Session, principal: Principal, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None or user.partner_id is None:
        raise ApiError(404, NOT_FOUND)
    load_partner(db, principal, user.partner_id)
    return user


def _standing(db: Session, ids: list[int]) -> dict:
    """{partner id: (stage key, Health)} from the dashboard's rules, in a constant number of queries."""
    from lms.dashboard.service import stages_and_health

    if not ids:
        return {}
    return stages_and_health(db, select(Partner.id).where(Partner.id.in_(ids)), utcnow())


def _health(health) -> s.HealthOut:
    return s.HealthOut(score=health.score, band=health.band, parts=[
        s.HealthPartOut(key=p.key, label=p.label, measured=p.measured, weight=p.weight, points=p.points,
                        reason=p.reason) for p in health.parts])


def _summary(partner: Partner, standing: dict) -> dict:
    stage, health = standing[partner.id]
    return {"id": partner.id, "name": partner.name, "web_domain": partner.web_domain,
            "tier": {"key": partner.tier.key, "name": partner.tier.name},
            "manager": {"id": partner.manager.id, "name": partner.manager.name}, "created_at": partner.created_at,
            "stage": stage or s.NOT_INVITED, "health": _health(health)}


def _at_stage(db: Session, stmt, stage: str, cursor: str | None, limit: int):
    """Narrow `stmt` to the first limit+1 partners after the cursor at `stage` (stages are computed, not stored:
    the dashboard's facts for every candidate, a constant number of queries)."""
    from lms.api.paging import decode_cursor
    from lms.dashboard.service import stages_and_health

    wanted = "" if stage == s.NOT_INVITED else stage
    candidates = stmt.with_only_columns(Partner.id).where(Partner.id > decode_cursor(cursor))
    standing = stages_and_health(db, candidates, utcnow())
    ids = sorted(pid for pid, (key, _health) in standing.items() if key == wanted)[:limit + 1]
    return stmt.where(Partner.id.in_(ids))


@operation(bp, "GET", "/partners", summary="List partners", tag="partners", response=s.PartnerPage,
           query=s.PartnerQuery)
def list_partners(principal: Principal, query: s.PartnerQuery):
    db = get_db()
    stmt = visible_partners(principal.user, select(Partner).join(Partner.tier))
    if query.tier:
        stmt = stmt.where(Tier.key == query.tier)
    if query.manager:
        stmt = stmt.where(Partner.manager_id == query.manager)
    if query.updated_since:
        try:
            since = query.updated_since.astimezone(timezone.utc)
        except OverflowError:
            raise ApiError(422, "updated_since is out of range.") from None
        changed = select(AuditEvent.partner_id).where(AuditEvent.occurred_at >= since,
                                                      AuditEvent.partner_id.is_not(None))
        stmt = stmt.where(or_(Partner.created_at >= since, Partner.id.in_(changed)))
    if query.stage:
        stmt = _at_stage(db, stmt, query.stage, query.cursor, query.limit)
    rows, next_link = page(db, stmt, Partner.id, query.cursor, query.limit, unique=True)
    standing = _standing(db, [p.id for p in rows])
    return s.PartnerPage(data=[s.PartnerSummary(**_summary(p, standing)) for p in rows], next=next_link)


@operation(bp, "GET", "/partners/{partner_id}", summary="A partner with learning progress and next check-in",
           tag="partners", response=s.PartnerDetail)
def get_partner(principal: Principal, partner_id: int):
    from lms.courses.service import path_completion

    db = get_db()
    partner = load_partner(db, principal, partner_id)
    completed, people = path_completion(db, [partner.id]).get(partner.id, (0, 0))
    next_checkin = db.scalar(select(func.min(CheckIn.due_on)).where(
        CheckIn.partner_id == partner.id, CheckIn.status == "planned", CheckIn.due_on >= utcnow().date()))
    standing = _standing(db, [partner.id])
    return s.PartnerDetail(**_summary(partner, standing), next_checkin=next_checkin, learning=s.Learning(
        people=people, completed=completed, percent=round(100 * completed / people) if people else 0))


@operation(bp, "GET", "/partners/{partner_id}/users", summary="The partner's people", tag="partners",
           response=s.UserPage, query=s.PageQuery)
def list_partner_users(principal: Principal, partner_id: int, query: s.PageQuery):
    db = get_db()
    partner = load_partner(db, principal, partner_id)
    rows, next_link = page(db, select(User).where(User.partner_id == partner.id), User.id, query.cursor, query.limit)
    return s.UserPage(data=[s.UserOut(id=u.id, name=u.name, email=u.email, active=u.active) for u in rows],
                      next=next_link)


def _courses(per_course) -> list[s.CourseProgressOut]:
    return [s.CourseProgressOut(course_id=p.course.id, course_title=p.course.title, lessons=p.lessons,
                                done=min(p.done, p.lessons), percent=min(100, p.percent), complete=p.complete,
                                certificate_code=p.certificate.code if p.certificate else None) for p in per_course]


@operation(bp, "GET", "/partners/{partner_id}/progress", summary="Learning progress of the partner's people",
           tag="learning", response=s.PartnerProgress)
def partner_progress(principal: Principal, partner_id: int):
    from lms.courses.service import partner_progress as progress_of

    db = get_db()
    partner = load_partner(db, principal, partner_id)
    progress = progress_of(db, partner)
    return s.PartnerProgress(partner_id=partner.id, people=progress.people, completed=progress.completed,
                             percent=progress.percent, users=[
                                 s.UserProgress(user_id=u.id, name=u.name, path_complete=done, courses=_courses(pc))
                                 for u, pc, done in progress.rows])


@operation(bp, "GET", "/users/{user_id}/progress", summary="One person's progress on their tier's path",
           tag="learning", response=s.UserProgress)
def user_progress(principal: Principal, user_id: int):
    from lms.courses.service import path_summary

    db = get_db()
    user = load_person(db, principal, user_id)
    summary = path_summary(db, user, db.get(Partner, user.partner_id).tier_id)
    return s.UserProgress(user_id=user.id, name=user.name, path_complete=summary.complete,
                          courses=_courses(summary.courses))


@operation(bp, "GET", "/certificates/{code}", summary="Verify a certificate by its code", tag="learning",
           response=s.CertificateOut)
def verify_certificate(principal: Principal, code: str):
    db = get_db()
    if len(code) > 40 or not code.isprintable():
        raise ApiError(404, NOT_FOUND)
    certificate = db.scalar(select(Certificate).where(Certificate.code == code).options(joinedload(Certificate.user)))
    if certificate is None or (principal.partner_id is not None and certificate.user.partner_id != principal.partner_id):
        raise ApiError(404, NOT_FOUND)
    return s.CertificateOut(code=certificate.code, holder_name=certificate.holder_name,
                            course_title=certificate.course_title, course_version=certificate.course_version,
                            issued_at=certificate.issued_at, valid=certificate.revoked_at is None,
                            revoked_at=certificate.revoked_at)


@operation(bp, "GET", "/surveys/scores", summary="NPS and CSAT by tier and quarter, with counts", tag="surveys",
           response=s.SurveyScores, query=s.SurveyQuery, errors=(403,))
def survey_scores(principal: Principal, query: s.SurveyQuery):
    from lms.surveys.insights import Scope, load_insight

    if principal.partner_id is not None:
        raise ApiError(403, "Survey scores are for the vendor; a partner-scoped token cannot read them.")
    db = get_db()
    insight = load_insight(db, Scope(query.manager), utcnow())
    rows = []
    for tier in insight.tiers:
        for quarter in insight.quarters:
            nps, csat = insight.nps.get((tier.id, quarter)), insight.csat.get((tier.id, quarter))
            if nps is None and csat is None:
                continue
            rows.append(s.ScoreRow(tier=tier.key, quarter=quarter, nps=s.NpsOut(
                value=nps.value, margin=nps.margin, promoters=nps.promoters, passives=nps.passives,
                detractors=nps.detractors, count=nps.count), csat=s.CsatOut(
                value=csat.value, satisfied=csat.satisfied, count=csat.count)))
    return s.SurveyScores(quarters=insight.quarters, rows=rows)
