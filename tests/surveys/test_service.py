"""Invitations, the fatigue rule, answering once, bad answers, the closed loop, the jobs."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms import events
from lms.models import OutboxMessage, SurveyFollowUp, SurveyInvitation, SurveyResponse, SurveySuppression
from lms.surveys import invitations, service
from tests.surveys import factories as sf

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # a Wednesday


def _count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_certificate_issued_invites_once(db, make):
    user = make.partner_user()
    course = type("C", (), {"title": "Working with us"})()
    certificate = type("Cert", (), {"id": 991})()
    for _ in range(2):
        events.certificate_issued.send("courses", db=db, user=user, course=course, certificate=certificate, now=NOW)
    assert _count(db, SurveyInvitation, SurveyInvitation.user_id == user.id) == 1
    item = db.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == user.id))
    assert item.subject == "Working with us" and item.expires_at == NOW + timedelta(days=30)
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"survey-invitation:{item.id}"))
    assert f"/surveys/answer/{item.token}" in mail.body_text


def test_kickoff_held_invites_the_attendee(db, make):
    user = make.partner_user()
    booking = type("B", (), {"id": 4242})()
    events.kickoff_held.send("bookings", db=db, actor=None, partner=user.partner, booking=booking, seat=None,
                             users=[user], now=NOW)
    assert db.scalar(select(SurveyInvitation.source_key).where(SurveyInvitation.user_id == user.id)) == "booking:4242"


def test_fatigue_rule_records_suppression(db, make):
    user = make.partner_user()
    first = invitations.invite(db, user, "kickoff", "booking:1", NOW)
    second = invitations.invite(db, user, "course", "certificate:1", NOW + timedelta(days=13))
    third = invitations.invite(db, user, "course", "certificate:2", NOW + timedelta(days=14))
    assert first is not None and second is None and third is not None
    suppression = db.scalar(select(SurveySuppression).where(SurveySuppression.user_id == user.id))
    assert suppression.source_key == "certificate:1" and "14 days" in suppression.reason


def test_quarterly_job_is_idempotent_and_respects_60_days(db, make):
    fresh, recent = make.partner_user(), make.partner_user()
    sf.invitation(db, recent, "quarterly", created_at=NOW - timedelta(days=59), source_key="quarter:old")
    assert invitations.quarterly(db, NOW) == "1 quarterly invitation(s)"
    invitations.quarterly(db, NOW)
    assert _count(db, SurveyInvitation, SurveyInvitation.user_id == fresh.id) == 1
    assert _count(db, SurveyInvitation, SurveyInvitation.user_id == recent.id) == 1  # only the old one
    reasons = db.scalars(select(SurveySuppression.reason).where(SurveySuppression.user_id == recent.id)).all()
    assert len(reasons) == 1 and "60 days" in reasons[0]


def test_reminder_once_after_five_days(db, make):
    user = make.partner_user()
    item = sf.invitation(db, user, created_at=NOW - timedelta(days=4))
    assert invitations.reminders(db, NOW) == "0 reminder(s) queued"
    later = NOW + timedelta(days=1, minutes=1)
    assert invitations.reminders(db, later) == "1 reminder(s) queued"
    assert invitations.reminders(db, later) == "0 reminder(s) queued"
    assert _count(db, OutboxMessage, OutboxMessage.dedupe_key == f"survey-reminder:{item.id}") == 1


def test_no_reminder_after_expiry_or_answer(db, make):
    user = make.partner_user()
    sf.invitation(db, user, created_at=NOW - timedelta(days=31))
    answered = sf.invitation(db, user, created_at=NOW - timedelta(days=6))
    service.submit_response(db, user, answered, sf.answers_for(db, answered, 9), now=NOW)
    assert invitations.reminders(db, NOW) == "0 reminder(s) queued"


def test_submit_twice_stores_one_response(db, make):
    user = make.partner_user()
    item = sf.invitation(db, user)
    service.submit_response(db, user, item, sf.answers_for(db, item, 10, "Great"))
    with pytest.raises(service.AlreadyAnswered):
        service.submit_response(db, user, item, sf.answers_for(db, item, 10, "Great"))
    assert _count(db, SurveyResponse, SurveyResponse.invitation_id == item.id) == 1


@pytest.mark.parametrize("score, text, message", [
    ("11", None, "0 to 10"), ("-1", None, "0 to 10"), ("abc", None, "0 to 10"), (None, None, "answer this"),
    ("8", "x" * 5001, "5,000"), ("8", "nul\x00", "character"),
])
def test_bad_answers_store_nothing(db, make, score, text, message):
    user = make.partner_user()
    item = sf.invitation(db, user)
    version = service.current_version(db, item.survey_id)
    nps_q, text_q = version.questions
    data = {f"q{nps_q.id}": score, f"q{text_q.id}": text}
    with pytest.raises(service.InvalidAnswers) as caught:
        service.submit_response(db, user, item, data)
    assert message in " ".join(caught.value.errors.values())
    assert _count(db, SurveyResponse, SurveyResponse.invitation_id == item.id) == 0


def test_csat_zero_and_choice_not_offered_are_refused(db, make):
    from lms.models import SurveyQuestion

    csat = SurveyQuestion(kind="csat", prompt="Q", required=True, position=1, id=1)
    choice = SurveyQuestion(kind="choice", prompt="Q", required=True, position=2, choices="Yes\nNo", id=2)
    with pytest.raises(service.SurveyError, match="1 to 5"):
        service.clean_answer(csat, "0")
    with pytest.raises(service.SurveyError, match="offered"):
        service.clean_answer(choice, "Maybe")
    assert service.clean_answer(choice, "No") == "No"


def test_expired_invitation_refuses(db, make):
    user = make.partner_user()
    item = sf.invitation(db, user, created_at=NOW - timedelta(days=31))
    with pytest.raises(service.SurveyError, match="closed"):
        service.submit_response(db, user, item, sf.answers_for(db, item, 9), now=NOW)


def test_detractor_opens_follow_up_due_in_two_business_days(db, make):
    manager = make.manager(timezone="Europe/London")
    partner = make.partner("gold", manager=manager)
    user = make.user("partner", partner=partner)
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)
    response = sf.response(db, user, 6, "Slow answers", now=friday)
    follow_up = service.follow_up_for(db, response.id)
    # Friday 15:00 + 16 business hours: 2 on Friday, 8 on Monday, 6 on Tuesday -> Tuesday 15:00 London.
    assert follow_up.manager_id == manager.id and follow_up.status == "open"
    assert follow_up.due_at == datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
    assert service.follow_up_for(db, sf.response(db, user, 7).id) is None


def test_follow_up_contacted_then_resolved_with_note(db, make):
    manager = make.manager()
    user = make.user("partner", partner=make.partner(manager=manager))
    follow_up = service.follow_up_for(db, sf.response(db, user, 1, trigger="kickoff").id)
    service.mark_contacted(db, manager, follow_up, "Called them")
    with pytest.raises(service.SurveyError, match="resolved"):
        service.resolve_follow_up(db, manager, follow_up, "  ")
    service.resolve_follow_up(db, manager, follow_up, "Fixed the invoice")
    assert follow_up.status == "resolved" and follow_up.resolution_note == "Fixed the invoice"


def test_overdue_follow_up_goes_into_weekly_digest(db, make):
    from lms.checkins import jobs

    manager = make.manager()
    user = make.user("partner", partner=make.partner(manager=manager))
    sf.response(db, user, 0, now=NOW - timedelta(days=10))
    assert jobs.overdue_digest(db, NOW) == "1 digest(s) queued"
    assert jobs.overdue_digest(db, NOW) == "0 digest(s) queued"
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == manager.email))
    assert "Overdue survey follow-ups" in mail.body_text and user.partner.name in mail.body_text


def test_editing_an_answered_survey_makes_a_new_version(db, make):
    admin = make.admin()
    user = make.partner_user()
    response = sf.response(db, user, 9, "Nice")
    survey = sf.survey(db)
    question = service.QuestionInput("nps", "Would you recommend us?", True, [])
    version = service.save_questions(db, admin, survey, "Quarterly", True, [question])
    assert version.number == 2 and version.id != response.version_id
    again = service.save_questions(db, admin, survey, "Quarterly", True, [question])
    assert again.id == version.id  # no answers on version 2 yet: edited in place
