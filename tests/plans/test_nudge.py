"""Not gathering dust: quiet partners get one nudge per quiet spell, the manager a task, the plan a flag."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms import jobs
from lms.db import utcnow
from lms.models import OutboxMessage, QuietSpell
from tests.plans.factories import agreed_plan

JOB = ("plans.quiet_partners",)


def _nudges(db, email: str) -> int:
    return db.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient == email, OutboxMessage.dedupe_key.like("quiet:%")))


def test_a_quiet_partner_is_nudged_once_however_often_the_job_runs(db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    user = make.user("partner", partner=partner)
    user.last_login_at = utcnow() - timedelta(days=40)
    active = make.user("partner", partner=make.partner("gold", manager=manager))
    active.last_login_at = utcnow() - timedelta(days=2)
    db.flush()
    now = utcnow()
    jobs.run_jobs(db, now, only=JOB)
    jobs.run_jobs(db, now + timedelta(hours=1), only=JOB)
    assert _nudges(db, user.email) == 1
    assert _nudges(db, active.email) == 0
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.email))
    assert "Book your kickoff call" in mail.body_text and "/bookings" in mail.body_text


def test_the_manager_gets_a_task_on_the_agenda(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager, name="Sleepy Systems")
    make.user("partner", partner=partner).last_login_at = utcnow() - timedelta(days=45)
    db.flush()
    jobs.run_jobs(db, utcnow(), only=JOB)
    db.commit()
    auth.login_as(manager)
    agenda = client.get("/checkins/").get_data(as_text=True)
    assert "Gone quiet: call them" in agenda and "Sleepy Systems" in agenda


def test_after_60_quiet_days_the_plan_is_at_risk_once(db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    plan, _, owner = agreed_plan(db, make, partner)
    owner.last_login_at = utcnow() - timedelta(days=35)
    db.flush()
    jobs.run_jobs(db, utcnow(), only=JOB)
    assert plan.status == "on_track"
    jobs.run_jobs(db, utcnow() + timedelta(days=26), only=JOB)
    assert plan.status == "at_risk"
    assert _nudges(db, owner.email) == 1


def test_activity_ends_the_spell_and_a_new_silence_nudges_again(db, make):
    partner = make.partner("gold")
    user = make.user("partner", partner=partner)
    user.last_login_at = utcnow() - timedelta(days=31)
    db.flush()
    jobs.run_jobs(db, utcnow(), only=JOB)
    user.last_login_at = utcnow()
    db.flush()
    jobs.run_jobs(db, utcnow(), only=JOB)
    assert db.scalar(select(QuietSpell).where(QuietSpell.partner_id == partner.id)).ended_at is not None
    jobs.run_jobs(db, utcnow() + timedelta(days=31), only=JOB)
    assert _nudges(db, user.email) == 2
