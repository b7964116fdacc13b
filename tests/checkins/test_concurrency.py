"""Two people at once (PostgreSQL, real concurrent transactions): one record, one request."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.checkins import service
from lms.models import AuditEvent, CheckIn, NextStep, OutboxMessage, Partner, SupportRequest, Tier, User
from tests.checkins import factories

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def world(engine):
    with Session(engine) as session:
        manager = User(email="race-manager@example.com", name="Race Manager", role="manager", timezone="Europe/London")
        session.add(manager)
        session.flush()
        gold = session.scalar(select(Tier.id).where(Tier.key == "gold"))
        partner = Partner(name="Race Partner", name_key="race partner", tier_id=gold, manager_id=manager.id)
        session.add(partner)
        session.flush()
        user = User(email="race-user@example.com", name="Race User", role="partner", partner_id=partner.id)
        session.add(user)
        session.flush()
        checkin = factories.checkin(session, partner, due_on=date(2026, 11, 2))
        session.commit()
        ids = {"manager": manager.id, "partner": partner.id, "user": user.id, "checkin": checkin.id}
    try:
        yield ids
    finally:
        with Session(engine) as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == "race-manager@example.com"))
            session.execute(delete(AuditEvent).where(AuditEvent.partner_id == ids["partner"]))
            session.execute(delete(SupportRequest).where(SupportRequest.partner_id == ids["partner"]))
            session.execute(delete(CheckIn).where(CheckIn.partner_id == ids["partner"]))
            session.execute(delete(User).where(User.id == ids["user"]))
            session.execute(delete(Partner).where(Partner.id == ids["partner"]))
            session.execute(delete(User).where(User.id == ids["manager"]))
            session.commit()


def race(app, engine, action, count=6):
    barrier = threading.Barrier(count)
    outcomes, errors = [], []

    def worker(n):
        try:
            with app.app_context(), Session(engine) as session:
                barrier.wait(timeout=10)
                try:
                    action(session, n)
                    session.commit()
                    outcomes.append("ok")
                except service.CheckinError:
                    session.rollback()
                    outcomes.append("refused")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return outcomes


def test_recording_the_same_check_in_at_once_records_it_once(app, engine, world):
    def record(session, n):
        checkin = session.get(CheckIn, world["checkin"])
        manager = session.get(User, world["manager"])
        service.record_checkin(session, manager, checkin, held_on=date(2026, 11, 3), notes=f"take {n}",
                               steps=[service.StepInput("us", f"step from take {n}")])

    outcomes = race(app, engine, record)
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 5
    with Session(engine) as session:
        stored = session.get(CheckIn, world["checkin"])
        steps = list(session.scalars(select(NextStep.text).where(NextStep.partner_id == world["partner"])))
    assert stored.status == "held" and steps == [f"step from {stored.notes}"]


def test_the_same_support_form_sent_at_once_is_one_request(app, engine, world):
    def send(session, n):
        user = session.get(User, world["user"])
        service.request_support(session, user, session.get(Partner, world["partner"]), subject="Help",
                                body="Please call", request_key="r" * 32)

    outcomes = race(app, engine, send)
    assert outcomes == ["ok"] * 6
    with Session(engine) as session:
        requests = session.scalar(select(func.count(SupportRequest.id)).where(SupportRequest.partner_id == world["partner"]))
        mails = session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == "race-manager@example.com"))
    assert (requests, mails) == (1, 1)
