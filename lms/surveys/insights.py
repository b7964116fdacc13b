"""Satisfaction figures for managers (their partners) and admins (all, or one manager's), aggregated in SQL.

A constant number of queries whatever the number of answers: each figure is one GROUP BY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from lms.models import (
    Partner, Survey, SurveyAnswer, SurveyInvitation, SurveyResponse, SurveySuppression, Tier, User,
)
from lms.surveys.scores import CsatFigure, NpsFigure

QUARTERS_SHOWN = 8
BANDS = {"promoter": "Happy (NPS 9-10, CSAT 4-5)", "passive": "Neutral (NPS 7-8, CSAT 3)",
         "detractor": "Unhappy (NPS 0-6, CSAT 1-2)"}


def last_quarters(now: datetime, count: int = QUARTERS_SHOWN) -> list[str]:
    """The last `count` calendar quarters, oldest first, ending with the current one ("2026-Q4")."""
    index = now.year * 4 + (now.month - 1) // 3
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index - count + 1, index + 1)]


@dataclass(frozen=True)
class Scope:
    """Whose partners: a manager's own, or (admin) everyone's or one manager's."""

    manager_id: int | None

    @classmethod
    def for_user(cls, user: User, manager_id: int | None = None) -> Scope:
        return cls(user.id if user.is_manager else manager_id)

    def narrow(self, query: Select, partner_id_column) -> Select:
        if self.manager_id is None:
            return query
        return query.join(Partner, Partner.id == partner_id_column).where(Partner.manager_id == self.manager_id)


_PROMOTER = case((SurveyAnswer.kind == "nps", case((SurveyAnswer.score >= 9, 1), else_=0)), else_=0)
_PASSIVE = case((SurveyAnswer.kind == "nps", case((SurveyAnswer.score.between(7, 8), 1), else_=0)), else_=0)
_DETRACTOR = case((SurveyAnswer.kind == "nps", case((SurveyAnswer.score <= 6, 1), else_=0)), else_=0)
_SATISFIED = case((SurveyAnswer.kind == "csat", case((SurveyAnswer.score >= 4, 1), else_=0)), else_=0)
_CSAT = case((SurveyAnswer.kind == "csat", 1), else_=0)


@dataclass
class Insight:
    quarters: list[str]
    tiers: list[Tier]
    nps: dict[tuple[int, str], NpsFigure]  # (tier_id, quarter) -> figure
    csat: dict[tuple[int, str], CsatFigure]
    nps_total: NpsFigure
    csat_total: CsatFigure
    csat_by_survey: list[tuple[Survey, CsatFigure]]
    rates: list[tuple[str, int, int, int]]  # (quarter, invited, answered, suppressed)


def load_insight(db: Session, scope: Scope, now: datetime) -> Insight:
    """Everything the charts page shows, in six queries."""
    quarters = last_quarters(now)
    tiers = list(db.scalars(select(Tier).order_by(Tier.id)))
    scored = (
        select(SurveyResponse.tier_id, SurveyResponse.quarter, func.sum(_PROMOTER), func.sum(_PASSIVE),
               func.sum(_DETRACTOR), func.sum(_SATISFIED), func.sum(_CSAT))
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyAnswer.kind.in_(("nps", "csat")), SurveyResponse.quarter.in_(quarters))
        .group_by(SurveyResponse.tier_id, SurveyResponse.quarter)
    )
    nps, csat = {}, {}
    totals = [0, 0, 0, 0, 0]
    for tier_id, quarter, *counts in db.execute(scope.narrow(scored, SurveyResponse.partner_id)):
        promoters, passives, detractors, satisfied, csat_count = (int(c or 0) for c in counts)
        nps[(tier_id, quarter)] = NpsFigure(promoters, passives, detractors)
        csat[(tier_id, quarter)] = CsatFigure(satisfied, csat_count)
        totals = [a + b for a, b in zip(totals, (promoters, passives, detractors, satisfied, csat_count))]
    by_survey_query = (
        select(Survey, func.sum(_SATISFIED), func.sum(_CSAT))
        .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyAnswer.kind == "csat", SurveyResponse.quarter.in_(quarters))
        .group_by(Survey.id).order_by(Survey.id)
    )
    by_survey = [(survey, CsatFigure(int(sat or 0), int(total or 0)))
                 for survey, sat, total in db.execute(scope.narrow(by_survey_query, SurveyResponse.partner_id))]
    invited = (
        select(SurveyInvitation.quarter, func.count(SurveyInvitation.id),
               func.count(SurveyInvitation.answered_at))
        .where(SurveyInvitation.quarter.in_(quarters)).group_by(SurveyInvitation.quarter)
    )
    invited_by = {q: (int(n), int(a)) for q, n, a in db.execute(scope.narrow(invited, SurveyInvitation.partner_id))}
    suppressed = (
        select(SurveySuppression.quarter, func.count(SurveySuppression.id))
        .where(SurveySuppression.quarter.in_(quarters)).group_by(SurveySuppression.quarter)
    )
    suppressed_by = dict(db.execute(scope.narrow(suppressed, SurveySuppression.partner_id)).all())
    rates = [(q, *invited_by.get(q, (0, 0)), int(suppressed_by.get(q, 0))) for q in quarters]
    return Insight(quarters, tiers, nps, csat, NpsFigure(*totals[:3]), CsatFigure(totals[3], totals[4]),
                   by_survey, rates)


def band_expression():
    """Per response: its worst band over its scored answers (3 unhappy, 2 neutral, 1 happy; None if unscored),
    as a subquery correlated with `SurveyResponse`, so a page of comments reads the bands of its own rows only."""
    scored = aliased(SurveyAnswer)
    worst = func.max(case(
        ((scored.kind == "nps") & (scored.score <= 6), 3),
        ((scored.kind == "csat") & (scored.score <= 2), 3),
        ((scored.kind == "nps") & (scored.score <= 8), 2),
        ((scored.kind == "csat") & (scored.score == 3), 2),
        else_=1,
    ))
    return (select(worst).where(scored.response_id == SurveyResponse.id, scored.kind.in_(("nps", "csat")))
            .correlate(SurveyResponse).scalar_subquery())


BAND_CODES = {"promoter": 1, "passive": 2, "detractor": 3}


def comments_query(scope: Scope, *, tier_id: int | None, band: str | None, survey_id: int | None) -> Select:
    """Free-text answers, newest first, with their partner, tier, survey and band (for `paginate`)."""
    band_of = band_expression()
    query = (
        select(SurveyAnswer.text, SurveyResponse.submitted_at, Partner.id, Partner.name, Tier.name, Survey.title,
               band_of.label("band"))
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Partner, Partner.id == SurveyResponse.partner_id)
        .join(Tier, Tier.id == SurveyResponse.tier_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyAnswer.kind == "text")
        .order_by(SurveyResponse.submitted_at.desc(), SurveyAnswer.id.desc())
    )
    if scope.manager_id is not None:
        query = query.where(Partner.manager_id == scope.manager_id)
    if tier_id:
        query = query.where(SurveyResponse.tier_id == tier_id)
    if survey_id:
        query = query.where(SurveyResponse.survey_id == survey_id)
    if band in BAND_CODES:
        query = query.where(band_of == BAND_CODES[band])
    return query


def export_rows(db: Session, scope: Scope):
    """Every answer in scope, one row each, oldest first (one query, for the CSV export)."""
    query = (
        select(SurveyResponse.id, SurveyResponse.submitted_at, SurveyResponse.quarter, Survey.title, Partner.name,
               Tier.name, User.email, SurveyAnswer.position, SurveyAnswer.kind, SurveyAnswer.prompt,
               SurveyAnswer.score, SurveyAnswer.text)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Partner, Partner.id == SurveyResponse.partner_id)
        .join(Tier, Tier.id == SurveyResponse.tier_id)
        .join(User, User.id == SurveyResponse.user_id)
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id, SurveyAnswer.position)
    )
    if scope.manager_id is not None:
        query = query.where(Partner.manager_id == scope.manager_id)
    return db.execute(query).all()


def programme_figures(db: Session) -> tuple[NpsFigure, CsatFigure]:
    """The whole programme's NPS and CSAT over all time (the public page), one query."""
    row = db.execute(select(func.sum(_PROMOTER), func.sum(_PASSIVE), func.sum(_DETRACTOR), func.sum(_SATISFIED),
                            func.sum(_CSAT)).where(SurveyAnswer.kind.in_(("nps", "csat")))).one()
    promoters, passives, detractors, satisfied, csat_count = (int(c or 0) for c in row)
    return NpsFigure(promoters, passives, detractors), CsatFigure(satisfied, csat_count)


def suppressed_by_survey(db: Session) -> dict[int, int]:
    return dict(db.execute(select(SurveySuppression.survey_id, func.count(SurveySuppression.id))
                           .group_by(SurveySuppression.survey_id)).all())
