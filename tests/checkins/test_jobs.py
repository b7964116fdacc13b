"""`flask jobs run`: reminders two working days before, the weekly overdue digest, idempotency (also concurrent)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms import jobs
from lms.checkins import service
from lms.models import AuditEvent, Booking, CheckIn, CheckinPlan, OutboxMessage, Partner, PublicHoliday, Tier, User
from tests.checkins import factories

# Check-in due Tuesday 1 December 2026; two working days before is Friday 27 November.
DUE = date(2026, 12, 1)


def at(day: int, month: int = 11, hour: int = 7) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.utc)


def outbox(db, recipient=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.scalars(query))


@pytest.fixture
def due_tuesday(make, db):
    manager = make.manager(name="Anna Berg", timezone="Europe/London")
    partner = make.partner("gold", manager=manager, name="Goldcrest")
    user = make.user("partner", partner=partner, name="Liam Gold")
    invited = make.user("partner", partner=partner, password=None)  # has not set a password: no mail
    checkin = factories.checkin(db, partner, due_on=DUE)
    db.commit()  # a failing job rolls back to here, as a real run would
    return checkin, manager, user, invited


def test_reminders_go_two_working_days_before_and_only_once(db, due_tuesday):
    checkin, manager, user, invited = due_tuesday
    assert jobs.run_jobs(db, at(26), only=("checkins.reminders",))[0][1] == "0 reminder(s) queued"  # Thursday
    assert jobs.run_jobs(db, at(27), only=("checkins.reminders",))[0][1] == "2 reminder(s) queued"  # Friday
    [to_manager] = outbox(db, manager.email)
    [to_partner] = outbox(db, user.email)
    assert "Goldcrest" in to_manager.subject and "Tue 1 Dec" in to_manager.subject
    assert f"/checkins/{checkin.id}/record" in to_manager.body_text
    assert "Anna Berg" in to_partner.subject and "/checkins/plan" in to_partner.body_text
    assert outbox(db, invited.email) == []
    # Saturday, Monday, and the due day itself: nothing new. The day after: no reminder (it is overdue).
    for moment in (at(28), at(30), at(1, 12), at(2, 12)):
        jobs.run_jobs(db, moment, only=("checkins.reminders",))
    assert len(outbox(db)) == 2


def test_a_holiday_moves_the_reminder_earlier(db, due_tuesday):
    db.add(PublicHoliday(country="GB", day=date(2026, 11, 30), name="Test holiday"))
    db.flush()
    jobs.run_jobs(db, at(26), only=("checkins.reminders",))  # Thu: Thu and Fri are the two working days
    assert len(outbox(db)) == 2


def test_no_reminder_for_held_or_skipped_check_ins(db, due_tuesday):
    checkin, manager, *_ = due_tuesday
    service.skip_checkin(db, manager, checkin, "Partner on holiday", now=at(20))
    jobs.run_jobs(db, at(27), only=("checkins.reminders",))
    assert outbox(db) == []


def test_weekly_overdue_digest_once_a_week(db, make, due_tuesday):
    checkin, manager, *_ = due_tuesday
    other = make.partner("bronze", manager=manager, name="Brightpath")
    older = factories.checkin(db, other, due_on=date(2026, 11, 16))
    jobs.run_jobs(db, at(3, 12), only=("checkins.overdue_digest",))  # Thursday after: both overdue
    jobs.run_jobs(db, at(4, 12), only=("checkins.overdue_digest",))
    [digest] = outbox(db, manager.email)
    assert digest.subject == "2 overdue check-in(s), week 49"
    assert digest.body_text.index("Brightpath") < digest.body_text.index("Goldcrest")  # oldest first
    assert "17 day(s) overdue" in digest.body_text and "last contact none yet" in digest.body_text
    service.record_checkin(db, manager, older, held_on=date(2026, 12, 4), now=at(4, 12, 12))
    jobs.run_jobs(db, at(7, 12), only=("checkins.overdue_digest",))  # next Monday: a new week
    assert [m.subject for m in outbox(db, manager.email)][-1] == "1 overdue check-in(s), week 50"


def test_flask_jobs_run_command(runner, db, due_tuesday):
    db.commit()
    result = runner.invoke(args=["jobs", "run", "--now", "2026-11-27T07:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "checkins.reminders: 2 reminder(s) queued" in result.output
    assert "checkins.plan:" in result.output and "checkins.overdue_digest:" in result.output
    again = runner.invoke(args=["jobs", "run", "--now", "2026-11-27T09:00:00+00:00"])
    assert "checkins.reminders: 0 reminder(s) queued" in again.output
    assert runner.invoke(args=["jobs", "run", "--only", "nope"]).exit_code != 0
    assert runner.invoke(args=["jobs", "run", "--now", "yesterday"]).exit_code != 0
    assert "checkins.reminders" in runner.invoke(args=["jobs", "list"]).output


def test_nightly_job_plans_after_a_held_kickoff(db, make):
    partner = make.partner("platinum", manager=make.manager(timezone="Europe/Berlin"))
    factories.held_kickoff(db, partner, at(16, 11, 13))
    result = jobs.run_jobs(db, at(17), only=("checkins.plan",))
    assert result == [("checkins.plan", "1 partner(s) newly planned, 12 check-in(s) created", True)]
    assert jobs.run_jobs(db, at(18), only=("checkins.plan",))[0][1] == "0 partner(s) newly planned, 0 check-in(s) created"


def test_one_failing_job_does_not_stop_the_others(db, monkeypatch, due_tuesday):
    def broken(db, now):
        raise RuntimeError("boom")

    real = jobs.scheduled_jobs
    monkeypatch.setattr(jobs, "scheduled_jobs", lambda: [jobs.Job("broken", broken)] + real())
    results = jobs.run_jobs(db, at(27))
    assert results[0] == ("broken", "failed: boom", False)
    checkin_mail = [m for m in outbox(db) if not m.dedupe_key.startswith("survey-")]  # the quarterly survey mails too
    assert all(ok for _, _, ok in results[1:]) and len(checkin_mail) == 2


# --- two hosts at once (PostgreSQL: real concurrent transactions) ------------------------------------

def _run_concurrently(app, engine, now, count=2):
    barrier = threading.Barrier(count)
    errors = []

    def worker():
        try:
            with app.app_context(), Session(engine) as session:
                barrier.wait(timeout=10)
                jobs.run_jobs(session, now)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.fixture
def committed_world(engine):
    """A manager, a partner with one user, a held kickoff and a check-in due Tuesday, committed for real."""
    with Session(engine) as session:
        manager = User(email="jobs-manager@example.com", name="Jobs Manager", role="manager", timezone="Europe/London")
        session.add(manager)
        session.flush()
        gold = session.scalar(select(Tier.id).where(Tier.key == "gold"))
        partner = Partner(name="Jobs Partner", name_key="jobs partner", tier_id=gold, manager_id=manager.id)
        session.add(partner)
        session.flush()
        user = User(email="jobs-user@example.com", name="Jobs User", role="partner", partner_id=partner.id,
                    password_hash="x")
        session.add(user)
        session.flush()
        factories.checkin(session, partner, due_on=DUE)
        factories.held_kickoff(session, partner, at(2))
        session.commit()
        ids = {"manager": manager.id, "partner": partner.id, "user": user.id}
    try:
        yield ids
    finally:
        with Session(engine) as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.recipient.in_(
                ["jobs-manager@example.com", "jobs-user@example.com"])))
            session.execute(delete(AuditEvent).where(AuditEvent.partner_id == ids["partner"]))
            session.execute(delete(CheckIn).where(CheckIn.partner_id == ids["partner"]))
            session.execute(delete(CheckinPlan).where(CheckinPlan.partner_id == ids["partner"]))
            session.execute(delete(Booking).where(Booking.partner_id == ids["partner"]))
            session.execute(delete(User).where(User.id == ids["user"]))
            session.execute(delete(Partner).where(Partner.id == ids["partner"]))
            session.execute(delete(User).where(User.id == ids["manager"]))
            session.commit()


def _counts(engine, ids):
    with Session(engine) as session:
        mails = session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient.in_(["jobs-manager@example.com", "jobs-user@example.com"]),
            ~OutboxMessage.dedupe_key.like("survey-%")))  # the quarterly survey invitation is the surveys' concern
        checkins = session.scalar(select(func.count(CheckIn.id)).where(CheckIn.partner_id == ids["partner"]))
        plans = session.scalar(select(func.count(CheckinPlan.id)).where(CheckinPlan.partner_id == ids["partner"]))
    return mails, checkins, plans


@pytest.mark.postgres_only
def test_two_concurrent_runs_send_and_plan_once(app, engine, committed_world):
    _run_concurrently(app, engine, at(27), count=4)
    # Two reminders; the plan (12 monthly) plus the hand-made check-in due Tuesday; one plan row.
    mails, checkins, plans = _counts(engine, committed_world)
    assert (mails, plans) == (2, 1) and checkins == 13
    # A run after both (the other order) adds nothing either.
    _run_concurrently(app, engine, at(27, hour=9), count=1)
    assert _counts(engine, committed_world) == (mails, checkins, plans)


@pytest.mark.postgres_only
def test_the_unique_message_key_alone_keeps_concurrent_runs_idempotent(app, engine, committed_world, monkeypatch):
    monkeypatch.setattr(jobs, "_take_lock", lambda db, name: None)  # no advisory lock: only the outbox key
    _run_concurrently(app, engine, at(27), count=4)
    mails, checkins, plans = _counts(engine, committed_world)
    assert (mails, checkins, plans) == (2, 13, 1)
