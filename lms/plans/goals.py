"""Target vs actual: each goal kind is measured from the portal's own records by ONE function.

A metric takes `(db, partner_ids, since, until)` and returns {partner_id: value} from one aggregate
query over all the partners (so a page of plans costs one query per kind). A kind whose records
the portal does not keep (leads and NPS before those features are installed) shows as "not measured yet".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Collection

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lms.models import Certificate, CheckIn, PlanGoal, PlanRevision, User
from lms.models.plan import GOAL_KINDS

Metric = Callable[[Session, Collection[int], datetime, datetime], dict[int, int]]
TREND_DAYS = 30


def people_certified(db: Session, partner_ids: Collection[int], since: datetime, until: datetime) -> dict[int, int]:
    """Active people of the partner holding at least one valid certificate issued before `until`."""
    rows = db.execute(
        select(User.partner_id, func.count(func.distinct(User.id)))
        .join(Certificate, Certificate.user_id == User.id)
        .where(User.partner_id.in_(list(partner_ids)), User.active.is_(True), Certificate.revoked_at.is_(None),
               Certificate.issued_at < until)
        .group_by(User.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}


def path_complete(db: Session, partner_ids: Collection[int], since: datetime, until: datetime) -> dict[int, int]:
    """Active people who completed their tier's required path (the courses capability's own count, today)."""
    from lms.courses.service import path_completion  # one direction: plans reads courses, never the reverse

    return {partner_id: done for partner_id, (done, _people) in path_completion(db, partner_ids).items()}


def checkins_held(db: Session, partner_ids: Collection[int], since: datetime, until: datetime) -> dict[int, int]:
    """Check-ins (any kind) held in the period up to `until`."""
    rows = db.execute(
        select(CheckIn.partner_id, func.count(CheckIn.id))
        .where(CheckIn.partner_id.in_(list(partner_ids)), CheckIn.status == "held",
               CheckIn.held_on >= since.date(), CheckIn.held_on < until.date() + timedelta(days=1))
        .group_by(CheckIn.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}


def leads_registered(db: Session, partner_ids: Collection[int], since: datetime, until: datetime) -> dict[int, int]:
    """Leads the partner registered with the vendor in the period (direction "in")."""
    from lms.models import Lead  # present once the leads feature is merged

    rows = db.execute(
        select(Lead.partner_id, func.count(Lead.id))
        .where(Lead.partner_id.in_(list(partner_ids)), Lead.direction == "in",
               Lead.registered_at >= since, Lead.registered_at < until)
        .group_by(Lead.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}


def leads_won(db: Session, partner_ids: Collection[int], since: datetime, until: datetime) -> dict[int, int]:
    """Leads (either direction) the partner won in the period."""
    from lms.models import Lead  # present once the leads feature is merged

    rows = db.execute(
        select(Lead.partner_id, func.count(Lead.id))
        .where(Lead.partner_id.in_(list(partner_ids)), Lead.status == "won",
               Lead.closed_at >= since, Lead.closed_at < until)
        .group_by(Lead.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}


def leads_won_value(db: Session, partner_ids: Collection[int], since: datetime, until: datetime) -> dict[int, int]:
    """The value of the leads won in the period, in whole currency units (the amounts as recorded)."""
    from lms.models import Lead  # present once the leads feature is merged

    rows = db.execute(
        select(Lead.partner_id, func.sum(Lead.actual_value))
        .where(Lead.partner_id.in_(list(partner_ids)), Lead.status == "won",
               Lead.closed_at >= since, Lead.closed_at < until)
        .group_by(Lead.partner_id)
    )
    return {partner_id: int(total or 0) for partner_id, total in rows}


def nps(db: Session, partner_ids: Collection[int], since: datetime, until: datetime) -> dict[int, int]:
    """Net Promoter Score of the partner's people's answers in the period (promoters minus detractors, %)."""
    from lms.models import SurveyAnswer, SurveyResponse  # present once the surveys feature is merged

    promoter = func.sum(case((SurveyAnswer.score >= 9, 1), else_=0))
    detractor = func.sum(case((SurveyAnswer.score <= 6, 1), else_=0))
    rows = db.execute(
        select(SurveyResponse.partner_id, promoter, detractor, func.count(SurveyAnswer.id))
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.partner_id.in_(list(partner_ids)), SurveyAnswer.kind == "nps",
               SurveyAnswer.score.is_not(None), SurveyResponse.submitted_at >= since,
               SurveyResponse.submitted_at < until)
        .group_by(SurveyResponse.partner_id)
    )
    return {partner_id: round(100 * (int(p or 0) - int(d or 0)) / n) for partner_id, p, d, n in rows if n}


# kind -> metric, for the records every portal has.
METRICS: dict[str, Metric] = {
    "people_certified": people_certified,
    "path_complete": path_complete,
    "checkins_held": checkins_held,
}


def metrics() -> dict[str, Metric]:
    """The measurable kinds: METRICS, plus leads and NPS when the leads and surveys features are installed
    (their models are in lms.models); a kind without its records shows as "not measured yet"."""
    from lms import models

    found = dict(METRICS)
    if hasattr(models, "Lead"):
        found.update(leads_registered=leads_registered, leads_won=leads_won, leads_won_value=leads_won_value)
    if hasattr(models, "SurveyResponse") and hasattr(models, "SurveyAnswer"):
        found["nps"] = nps
    return found
# Kinds measured as a level (a score) rather than a count that grows through the period.
LEVEL_KINDS = {"nps"}
# Kinds whose value is a snapshot of today (no history to compute a trend from).
SNAPSHOT_KINDS = {"path_complete"}


@dataclass(frozen=True)
class GoalProgress:
    kind: str
    target: int
    actual: int | None  # None: not measured yet
    expected: int  # what "on track" needs by today (pro rata through the period for counts)
    trend: int | None  # change over the last TREND_DAYS days; None when unknown

    @property
    def label(self) -> str:
        return GOAL_KINDS.get(self.kind, self.kind)

    @property
    def measured(self) -> bool:
        return self.actual is not None

    @property
    def on_track(self) -> bool:
        return self.actual is not None and self.actual >= self.expected

    @property
    def state(self) -> str:
        if not self.measured:
            return "not measured yet"
        return "on track" if self.on_track else "behind"

    @property
    def trend_text(self) -> str:
        if self.trend is None:
            return "no trend yet"
        if self.trend == 0:
            return f"no change in {TREND_DAYS} days"
        return f"{self.trend:+d} in {TREND_DAYS} days"


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def expected_by(target: int, kind: str, starts_on: date, ends_on: date, today: date) -> int:
    """The pro-rata share of a count target due by `today` (the whole target for a level such as NPS)."""
    if kind in LEVEL_KINDS:
        return target
    total = (ends_on - starts_on).days
    elapsed = min(max((today - starts_on).days, 0), total)
    return -(-target * elapsed // total) if total > 0 else target  # ceiling: 1 of 4 due after a quarter


def progress(db: Session, revision: PlanRevision, goals: list[PlanGoal], partner_id: int,
             now: datetime) -> list[GoalProgress]:
    """Target vs actual for each goal of `revision`: two queries per measured kind (now, and 30 days ago)."""
    since = _start(revision.period_starts_on)
    until = min(now, _start(revision.period_ends_on))
    today = now.date()
    rows = []
    available = metrics()
    for goal in goals:
        metric = available.get(goal.kind)
        actual = trend = None
        if metric is not None:
            # A count with no rows is 0; a level (NPS) with no answers is not measured yet.
            missing = None if goal.kind in LEVEL_KINDS else 0
            actual = metric(db, [partner_id], since, until).get(partner_id, missing)
            if goal.kind not in SNAPSHOT_KINDS and actual is not None:
                before = metric(db, [partner_id], since, until - timedelta(days=TREND_DAYS)).get(partner_id, missing)
                trend = None if before is None else actual - before
        expected = expected_by(goal.target, goal.kind, revision.period_starts_on, revision.period_ends_on, today)
        rows.append(GoalProgress(goal.kind, goal.target, actual, expected, trend))
    return rows
