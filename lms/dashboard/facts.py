"""The facts the dashboard reads about many partners at once, one aggregate query per part.

`partner_facts(db, partner_ids, now)` takes a SELECT of partner ids (the visible, filtered partners)
and returns `{partner_id: PartnerFacts}`; its query count does not depend on how many partners there
are. Each stage of the funnel and each part of partner health reads one fact function below (leads
and surveys included), so a feature that lands later adds one function and one field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from lms.activity import Activity, _as_utc, activity_by_kind
from lms.models import (
    Booking,
    Certificate,
    CheckIn,
    Course,
    GroupSession,
    Lead,
    LearningPathItem,
    Partner,
    SessionSeat,
    SurveyAnswer,
    SurveyResponse,
    Tier,
    User,
)

ACTIVE_DAYS = 90  # "active": a won lead or a held check-in within this many days
PIPELINE_DAYS = 365  # leads registered and won, and NPS answers, count over the last year


@dataclass
class PartnerFacts:
    id: int
    name: str
    tier_id: int
    tier_key: str
    tier_name: str
    manager_id: int
    manager_name: str
    created_at: datetime
    people: int = 0
    invited_at: datetime | None = None
    first_sign_in_at: datetime | None = None
    kickoff_booked_at: datetime | None = None
    kickoff_held_at: datetime | None = None
    kickoff_no_shows: int = 0
    required_courses: int = 0
    people_path_done: int = 0
    best_courses_done: int = 0
    path_done_at: datetime | None = None
    last_checkin_held_on: date | None = None
    overdue_checkins: int = 0
    oldest_overdue_on: date | None = None
    last_pulse: int | None = None
    # Leads and surveys.
    first_lead_at: datetime | None = None
    last_won_at: datetime | None = None
    leads_registered: int | None = None
    leads_won: int | None = None
    nps: int | None = None
    nps_counts: tuple[int, int, int] = (0, 0, 0)  # promoters, passives, detractors (last year)
    activity: dict[str, Activity] = field(default_factory=dict)

    @property
    def last_activity(self) -> Activity | None:
        return max(self.activity.values(), key=lambda a: a.at) if self.activity else None

    def is_active(self, today: date) -> bool:
        since = today - timedelta(days=ACTIVE_DAYS)
        won = self.last_won_at is not None and self.last_won_at.date() >= since
        held = self.last_checkin_held_on is not None and self.last_checkin_held_on >= since
        return won or held


def _in(column, partner_ids: Select):
    return column.in_(partner_ids.scalar_subquery())


def _base(db: Session, partner_ids: Select) -> dict[int, PartnerFacts]:
    rows = db.execute(
        select(Partner.id, Partner.name, Partner.tier_id, Tier.key, Tier.name, Partner.manager_id, User.name, Partner.created_at)
        .join(Tier, Tier.id == Partner.tier_id).join(User, User.id == Partner.manager_id)
        .where(_in(Partner.id, partner_ids))
    )
    return {r[0]: PartnerFacts(*r) for r in rows}


def _people(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts]) -> None:
    """Invited (the first user's invite) and first sign-in (the first invite accepted)."""
    for partner_id, people, invited, first in db.execute(
        select(User.partner_id, func.count(User.id), func.min(User.created_at), func.min(User.activated_at))
        .where(_in(User.partner_id, partner_ids), User.active.is_(True)).group_by(User.partner_id)
    ):
        f = facts[partner_id]
        f.people, f.invited_at, f.first_sign_in_at = people, _as_utc(invited), _as_utc(first)


def _kickoff_calls(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts]) -> None:
    held = case((Booking.status == "held", Booking.starts_at))
    no_show = func.sum(case((Booking.status == "no_show", 1), else_=0))
    for partner_id, booked, held_at, no_shows in db.execute(
        select(Booking.partner_id, func.min(Booking.created_at), func.min(held), no_show)
        .where(_in(Booking.partner_id, partner_ids), Booking.kind == "kickoff").group_by(Booking.partner_id)
    ):
        _merge_kickoff(facts[partner_id], _as_utc(booked), _as_utc(held_at), no_shows or 0)


def _kickoff_seats(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts]) -> None:
    held = case((SessionSeat.status == "held", GroupSession.starts_at))
    no_show = func.sum(case((SessionSeat.status == "no_show", 1), else_=0))
    for partner_id, booked, held_at, no_shows in db.execute(
        select(SessionSeat.partner_id, func.min(SessionSeat.created_at), func.min(held), no_show)
        .join(GroupSession, GroupSession.id == SessionSeat.session_id)
        .where(_in(SessionSeat.partner_id, partner_ids)).group_by(SessionSeat.partner_id)
    ):
        _merge_kickoff(facts[partner_id], _as_utc(booked), _as_utc(held_at), no_shows or 0)


def _earliest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _merge_kickoff(f: PartnerFacts, booked: datetime | None, held: datetime | None, no_shows: int) -> None:
    f.kickoff_booked_at = _earliest(f.kickoff_booked_at, booked)
    f.kickoff_held_at = _earliest(f.kickoff_held_at, held)
    f.kickoff_no_shows += no_shows


def _required_path(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts]) -> None:
    """Per partner: required course count, people with every required certificate, and when the first did."""
    required = (
        select(LearningPathItem.tier_id, func.count(LearningPathItem.id).label("n"))
        .join(Course, Course.id == LearningPathItem.course_id).where(Course.status == "published")
        .group_by(LearningPathItem.tier_id).subquery()
    )
    per_user = (
        select(User.partner_id.label("partner_id"), Partner.tier_id.label("tier_id"),
               func.count(Certificate.id).label("got"), func.max(Certificate.issued_at).label("at"))
        .join(Partner, Partner.id == User.partner_id)
        .join(Certificate, and_(Certificate.user_id == User.id, Certificate.revoked_at.is_(None)))
        .join(LearningPathItem, and_(LearningPathItem.course_id == Certificate.course_id,
                                     LearningPathItem.tier_id == Partner.tier_id))
        .join(Course, and_(Course.id == Certificate.course_id, Course.status == "published"))
        .where(_in(User.partner_id, partner_ids), User.active.is_(True))
        .group_by(User.partner_id, Partner.tier_id, User.id).subquery()
    )
    complete = per_user.c.got >= required.c.n
    for partner_id, n, best, done, first_at in db.execute(
        select(per_user.c.partner_id, func.max(required.c.n), func.max(per_user.c.got),
               func.sum(case((complete, 1), else_=0)), func.min(case((complete, per_user.c.at))))
        .join(required, required.c.tier_id == per_user.c.tier_id).group_by(per_user.c.partner_id)
    ):
        f = facts[partner_id]
        f.best_courses_done, f.people_path_done, f.path_done_at = best or 0, done or 0, _as_utc(first_at)
    # Partners nobody has started still need to know how many courses their tier requires.
    counts = dict(db.execute(select(required.c.tier_id, required.c.n)).all())
    for f in facts.values():
        f.required_courses = counts.get(f.tier_id, 0)


def _checkins(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts], today: date) -> None:
    overdue = and_(CheckIn.status == "planned", CheckIn.due_on < today)
    for partner_id, last_held, overdue_count, oldest in db.execute(
        select(CheckIn.partner_id, func.max(CheckIn.held_on), func.sum(case((overdue, 1), else_=0)),
               func.min(case((overdue, CheckIn.due_on))))
        .where(_in(CheckIn.partner_id, partner_ids)).group_by(CheckIn.partner_id)
    ):
        f = facts[partner_id]
        f.last_checkin_held_on = _as_date(last_held)
        f.overdue_checkins, f.oldest_overdue_on = overdue_count or 0, _as_date(oldest)


def _pulse(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts]) -> None:
    """The satisfaction pulse (1-5) given at the latest held check-in that recorded one."""
    ranked = (
        select(CheckIn.partner_id, CheckIn.pulse,
               func.row_number().over(partition_by=CheckIn.partner_id,
                                      order_by=(CheckIn.held_on.desc(), CheckIn.id.desc())).label("rank"))
        .where(_in(CheckIn.partner_id, partner_ids), CheckIn.status == "held", CheckIn.pulse.is_not(None))
        .subquery()
    )
    for partner_id, pulse in db.execute(select(ranked.c.partner_id, ranked.c.pulse).where(ranked.c.rank == 1)):
        facts[partner_id].last_pulse = pulse


def _leads(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts], now: datetime) -> None:
    """First lead registered, leads registered and won in the last year, the latest win."""
    since = now - timedelta(days=PIPELINE_DAYS)
    incoming = Lead.direction == "in"
    won = Lead.status == "won"
    for f in facts.values():
        f.leads_registered, f.leads_won = 0, 0  # measured: the leads feature is here
    for partner_id, first, registered, won_count, last_won in db.execute(
        select(Lead.partner_id, func.min(case((incoming, Lead.registered_at))),
               func.sum(case((and_(incoming, Lead.registered_at >= since), 1), else_=0)),
               func.sum(case((and_(won, Lead.closed_at >= since), 1), else_=0)),
               func.max(case((won, Lead.closed_at))))
        .where(_in(Lead.partner_id, partner_ids)).group_by(Lead.partner_id)
    ):
        f = facts[partner_id]
        f.first_lead_at, f.last_won_at = _as_utc(first), _as_utc(last_won)
        f.leads_registered, f.leads_won = registered or 0, won_count or 0


def _nps(db: Session, partner_ids: Select, facts: dict[int, PartnerFacts], now: datetime) -> None:
    """NPS of the partner's answers in the last year: promoters (9-10) minus detractors (0-6), in percent."""
    since = now - timedelta(days=PIPELINE_DAYS)
    score = SurveyAnswer.score
    for partner_id, promoters, passives, detractors in db.execute(
        select(SurveyResponse.partner_id, func.sum(case((score >= 9, 1), else_=0)),
               func.sum(case((and_(score >= 7, score <= 8), 1), else_=0)), func.sum(case((score <= 6, 1), else_=0)))
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(_in(SurveyResponse.partner_id, partner_ids), SurveyAnswer.kind == "nps",
               SurveyAnswer.score.is_not(None), SurveyResponse.submitted_at >= since)
        .group_by(SurveyResponse.partner_id)
    ):
        counts = (promoters or 0, passives or 0, detractors or 0)
        total = sum(counts)
        if total:
            f = facts[partner_id]
            f.nps_counts = counts
            f.nps = round(100 * (counts[0] - counts[2]) / total)


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def partner_facts(db: Session, partner_ids: Select, now: datetime) -> dict[int, PartnerFacts]:
    """Everything the dashboard shows about each partner in `partner_ids`, in a constant number of queries."""
    facts = _base(db, partner_ids)
    if not facts:
        return facts
    _people(db, partner_ids, facts)
    _kickoff_calls(db, partner_ids, facts)
    _kickoff_seats(db, partner_ids, facts)
    _required_path(db, partner_ids, facts)
    _checkins(db, partner_ids, facts, now.date())
    _pulse(db, partner_ids, facts)
    _leads(db, partner_ids, facts, now)
    _nps(db, partner_ids, facts, now)
    for partner_id, by_kind in activity_by_kind(db, partner_ids).items():
        if partner_id in facts:
            facts[partner_id].activity = by_kind
    return facts
