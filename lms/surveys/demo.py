"""Demo data for surveys: a year of answers across the tiers (so the charts show something), answered and
unanswered invitations, a few suppressions, resolved follow-ups and two open ones on Anna's agenda. Idempotent:
every demo row carries a `demo:` source key, and what exists is not made again."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.models import Partner, Survey, SurveyFollowUp, SurveyInvitation, SurveySuppression, User
from lms.partners.service import name_key
from lms.surveys import service
from lms.surveys.invitations import EXPIRY_DAYS, quarter_of

RESPONDENTS = 5  # demo respondents per partner (they cannot sign in; they only answer)
# partner name key -> how happy that partner is on average (NPS 0-10)
MOOD = {"brightpath solutions": 6.5, "goldcrest integrations": 8.2, "summit platinum systems": 8.8}
COMMENTS = {
    "unhappy": ["Response times were slow this quarter.", "The portal invoices were hard to find.",
                "We waited two weeks for demo licences."],
    "neutral": ["Fine overall; more co-marketing material would help.", "Good, but the training is long."],
    "happy": ["Anna is always quick to help.", "The kickoff set us up well.", "Great enablement courses."],
}


def _answer(db: Session, user: User, survey: Survey, key: str, when: datetime, score: int, comment: str | None):
    invitation = SurveyInvitation(survey_id=survey.id, user_id=user.id, partner_id=user.partner_id, source_key=key,
                                  quarter=quarter_of(when - timedelta(days=2)), created_at=when - timedelta(days=2),
                                  expires_at=when + timedelta(days=EXPIRY_DAYS))
    db.add(invitation)
    db.flush()
    if score < 0:
        return None  # invited, never answered
    version = service.current_version(db, survey.id)
    data = {}
    for question in version.questions:
        if question.kind in ("nps", "csat"):
            data[f"q{question.id}"] = str(score)
        elif question.kind == "text" and comment:
            data[f"q{question.id}"] = comment
    return service.submit_response(db, user, invitation, data, now=when)


def _respondents(db: Session, partner: Partner) -> list[User]:
    users = []
    slug = partner.name_key.split()[0]
    for number in range(1, RESPONDENTS + 1):
        email = f"survey.{slug}.{number}@example.com"
        user = db.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=f"{partner.name.split()[0]} Respondent {number}", role="partner",
                        partner_id=partner.id, timezone="Europe/London")
            db.add(user)
            db.flush()
        users.append(user)
    return users


def load_survey_demo(db: Session, now: datetime | None = None) -> None:
    now = now or utcnow()
    surveys = {survey.trigger: survey for survey in db.scalars(select(Survey))}
    known = set(db.scalars(select(SurveyInvitation.source_key).where(SurveyInvitation.source_key.like("demo:%"))))
    known |= set(db.scalars(select(SurveySuppression.source_key).where(SurveySuppression.source_key.like("demo:%"))))
    anna = db.scalar(select(User).where(User.email == "anna.berg@example.com"))
    rng = random.Random(2026)  # the same "random" year every time
    history = []
    for key, mood in MOOD.items():
        partner = db.scalar(select(Partner).where(Partner.name_key == name_key(key)))
        if partner is None:
            continue
        for user in _respondents(db, partner):
            for quarter_back in range(8, 0, -1):  # eight quarters, oldest first, the last ending a week ago
                # Every draw happens whatever exists already, so a second load makes the same choices.
                day, score, skipped = rng.randint(0, 20), round(rng.gauss(mood, 1.8)), rng.random() < 0.2
                comment_roll, comment_pick = rng.random(), rng.random()
                csat_roll, csat = rng.random(), max(1, min(5, round(rng.gauss(mood / 2.1, 0.9))))
                suppressed_roll = rng.random()
                when = now - timedelta(days=91 * quarter_back - 84 + day)
                score = -1 if skipped else max(0, min(10, score))
                band = "unhappy" if score <= 6 else "neutral" if score <= 8 else "happy"
                comment = COMMENTS[band][int(comment_pick * len(COMMENTS[band]))] if comment_roll < 0.5 else None
                source = f"demo:{user.id}:q{quarter_back}"
                if source not in known:
                    history.append(_answer(db, user, surveys["quarterly"], source, when, score, comment))
                csat_source = f"demo:{user.id}:c{quarter_back}"
                if csat_roll < 0.5 and csat_source not in known:
                    trigger = "kickoff" if quarter_back > 6 else "course"
                    history.append(_answer(db, user, surveys[trigger], csat_source, when + timedelta(days=3), csat,
                                           None))
                suppressed = f"demo:{user.id}:s{quarter_back}"
                if suppressed_roll < 0.15 and suppressed not in known:
                    db.add(SurveySuppression(survey_id=surveys["course"].id, user_id=user.id, partner_id=partner.id,
                                             source_key=suppressed, reason="Invited less than 14 days before (demo)",
                                             quarter=quarter_of(when), created_at=when))
    # The year's follow-ups were dealt with; the two newest unhappy answers below stay open on Anna's agenda.
    answered = [response.id for response in history if response is not None]
    for follow_up in db.scalars(select(SurveyFollowUp).where(SurveyFollowUp.response_id.in_(answered))):
        service.mark_contacted(db, follow_up.manager, follow_up, "Called the partner.",
                               now=follow_up.due_at - timedelta(hours=3))
        service.resolve_follow_up(db, follow_up.manager, follow_up, "Talked it through; agreed next steps.",
                                  now=follow_up.due_at - timedelta(hours=2))
    if anna is not None:
        for index, (key, score, days_ago, comment) in enumerate([
            ("brightpath solutions", 3, 4, "We still have no answer about our demo licences."),
            ("goldcrest integrations", 5, 0, "Lead registration keeps rejecting our prospects."),
        ]):
            partner = db.scalar(select(Partner).where(Partner.name_key == name_key(key)))
            source = f"demo:open-follow-up:{index}"
            if partner is None or source in known:
                continue
            user = _respondents(db, partner)[0]
            _answer(db, user, surveys["quarterly"], source, now - timedelta(days=days_ago, hours=2), score, comment)
    # One open survey on gold@example.com's home page.
    gold = db.scalar(select(User).where(User.email == "gold@example.com"))
    if gold is not None and "demo:open-invitation" not in known:
        db.add(SurveyInvitation(survey_id=surveys["course"].id, user_id=gold.id, partner_id=gold.partner_id,
                                source_key="demo:open-invitation", subject="Working with us", quarter=quarter_of(now),
                                created_at=now - timedelta(days=1), expires_at=now + timedelta(days=29)))
    db.flush()
