"""`flask demo scale` grows the demo database with rows that satisfy every constraint."""

from sqlalchemy import func, select

from lms.demo import load_demo
from lms.demo_scale import DEMO_MANAGER, ScaleCounts, already_scaled, grow
from lms.models import (
    AuditEvent, Booking, CheckIn, Lead, LeadEvent, LeadIdentity, Partner, SupportRequest, SurveyAnswer,
    SurveyFollowUp, SurveyInvitation, SurveyResponse, User,
)

SMALL = ScaleCounts(partners=40, managers=4, demo_manager_partners=10, users=120, completions=60, bookings=30,
                    support=50, audit=300, extra={"leads": 200, "survey_responses": 150})


def test_grow_adds_the_counts_asked_for_and_the_demo_manager_gets_its_share(db):
    load_demo(db)
    before = {m: db.scalar(select(func.count()).select_from(m)) for m in (Partner, User, AuditEvent, SupportRequest)}
    assert not already_scaled(db)
    reported = {}
    grow(db, SMALL, report=lambda label, n, _s: reported.update({label: n}))
    db.flush()
    count = lambda model: db.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Partner) - before[Partner] == 40
    assert count(User) - before[User] == 120 + 3
    assert count(AuditEvent) - before[AuditEvent] == 300
    assert count(SupportRequest) - before[SupportRequest] == 50
    anna = db.scalar(select(User).where(User.email == DEMO_MANAGER))
    assert db.scalar(select(func.count()).where(Partner.manager_id == anna.id, Partner.name.startswith("Scale"))) == 10
    assert reported["bookings (with the check-ins they plan)"] == 30
    held = db.scalar(select(func.count()).where(Booking.status == "held", Booking.uid.startswith("scale-")))
    assert held == 0 or db.scalar(select(func.count()).select_from(CheckIn)) > 0  # held kickoffs plan check-ins
    assert already_scaled(db)


def test_grow_adds_leads_and_survey_responses_that_keep_their_constraints(db):
    load_demo(db)
    count = lambda model, *where: db.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    before = {m: count(m) for m in (Lead, SurveyResponse, SurveyInvitation)}
    reported = {}
    grow(db, SMALL, report=lambda label, n, _s: reported.update({label: n}))
    db.flush()
    assert count(Lead) - before[Lead] == 200 == reported["leads (with their history)"]
    assert count(SurveyResponse) - before[SurveyResponse] == 150
    assert count(SurveyInvitation) - before[SurveyInvitation] == 150
    scale_leads = Lead.company_name.startswith("Scale Prospect")
    # A realistic mix: several statuses and both directions; every lead has its history.
    assert len(set(db.scalars(select(Lead.status).where(scale_leads)))) >= 6
    assert set(db.scalars(select(Lead.direction).where(scale_leads))) == {"in", "out"}
    assert len(set(db.scalars(select(Lead.currency).where(scale_leads)))) >= 3
    assert count(LeadEvent, LeadEvent.lead_id.in_(select(Lead.id).where(scale_leads))) >= 200
    # Won leads carry their value, commission and payout; the unique index on active claims holds.
    won = db.scalars(select(Lead).where(scale_leads, Lead.status == "won")).all()
    assert won and all(lead.actual_value is not None and lead.commission is not None and lead.payout_stage
                       for lead in won)
    claims = db.execute(select(Lead.identity_id, Lead.claim, func.count()).where(Lead.claim.is_not(None))
                        .group_by(Lead.identity_id, Lead.claim).having(func.count() > 1)).all()
    assert claims == []
    assert count(LeadIdentity) >= 200
    # Each response answers its own invitation on the survey it was invited to; detractors are followed up.
    mismatched = db.scalar(select(func.count()).select_from(SurveyResponse).join(SurveyInvitation).where(
        (SurveyResponse.survey_id != SurveyInvitation.survey_id) | (SurveyInvitation.answered_at.is_(None))))
    assert mismatched == 0
    assert count(SurveyAnswer) >= 150
    detractors = count(SurveyAnswer, ((SurveyAnswer.kind == "nps") & (SurveyAnswer.score <= 6))
                       | ((SurveyAnswer.kind == "csat") & (SurveyAnswer.score <= 2)))
    assert detractors > 0 and count(SurveyFollowUp) == detractors


def test_demo_scale_command_twice_adds_nothing_the_second_time(runner, db):
    load_demo(db)
    db.commit()
    args = ["demo", "scale", "--partners", "12", "--managers", "3", "--demo-manager-partners", "4", "--users", "24",
            "--completions", "10", "--bookings", "6", "--support", "8", "--audit", "20",
            "--leads", "15", "--survey-responses", "10"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "12 partners" in first.output
    assert "15 leads" in first.output and "10 survey responses" in first.output
    second = runner.invoke(args=args)
    assert "Nothing added" in second.output
    assert db.scalar(select(func.count()).where(Lead.company_name.startswith("Scale Prospect"))) == 15
    assert db.scalar(select(func.count()).where(SurveyInvitation.source_key.startswith("scale:"))) == 10
