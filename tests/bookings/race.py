"""Many people at once: shared by the PostgreSQL race tests and bench/slots.py.

Everything here commits for real (no test transaction), so `cleanup` removes what `setup_*` made.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from lms import create_app
from lms.bookings import service
from lms.bookings.slots import Window
from lms.db import utcnow
from lms.models import (
    AuditEvent, Availability, AvailabilityWindow, Booking, DayOff, GroupSession, OutboxMessage, Partner,
    SessionSeat, Tier, User,
)
from lms.partners.service import name_key

PASSWORD = "race-password-2026"


@dataclass
class Crowd:
    manager_id: int
    partner_ids: list[int]
    user_ids: list[int]
    emails: list[str]
    session_id: int | None = None
    results: list[tuple[int, str, float]] = field(default_factory=list)  # (status, body, seconds)


def make_app(engine, database_url):
    return create_app({
        "LMS_ENV": "testing", "SECRET_KEY": "race-secret", "DATABASE_URL": database_url, "ENGINE": engine,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": None,
    })


def setup_crowd(engine, n: int, tier_key: str) -> Crowd:
    """One manager with published availability and `n` partners of `tier_key`, one user each."""
    tag = uuid.uuid4().hex[:8]
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast: 50 sign-ins
    with Session(engine) as db:
        tier = db.scalar(select(Tier).where(Tier.key == tier_key))
        manager = User(email=f"race-mgr-{tag}@example.com", name=f"Race Manager {tag}", role="manager",
                       timezone="Europe/Berlin", password_hash=password_hash)
        db.add(manager)
        db.flush()
        service.save_availability(
            db, manager, manager, timezone="Europe/Berlin", slot_minutes=30, buffer_before_minutes=0,
            buffer_after_minutes=0, min_notice_hours=1, horizon_days=30, meeting_url=None,
            windows=[Window(d, 9 * 60, 17 * 60) for d in range(7)],
        )
        partners, users = [], []
        for i in range(n):
            name = f"Race Partner {tag} {i}"
            partner = Partner(name=name, name_key=name_key(name), tier_id=tier.id, manager_id=manager.id)
            db.add(partner)
            db.flush()
            user = User(email=f"race-{tag}-{i}@example.com", name=f"Racer {i}", role="partner",
                        partner_id=partner.id, timezone="Asia/Tokyo", password_hash=password_hash)
            db.add(user)
            partners.append(partner)
            users.append(user)
        db.flush()
        crowd = Crowd(manager.id, [p.id for p in partners], [u.id for u in users], [u.email for u in users])
        db.commit()
    return crowd


def add_session(engine, crowd: Crowd, capacity: int, taken: int) -> None:
    """A group session that already has `taken` of `capacity` seats filled."""
    with Session(engine) as db:
        start = (utcnow() + timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
        session = GroupSession(manager_id=crowd.manager_id, title="Race session", starts_at=start,
                               ends_at=start + timedelta(hours=1), capacity=capacity, seats_taken=taken)
        db.add(session)
        db.commit()
        crowd.session_id = session.id


def run_crowd(app, crowd: Crowd, path: str, data: dict | None = None) -> Crowd:
    """Every user signs in, then all POST `path` at the same moment (a barrier), each on its own thread."""
    clients = []
    for email in crowd.emails:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    lock = threading.Lock()

    def attempt(client):
        barrier.wait()
        started = time.perf_counter()
        response = client.post(path, data=data or {})
        elapsed = time.perf_counter() - started
        with lock:
            crowd.results.append((response.status_code, response.get_data(as_text=True), elapsed))

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return crowd


def first_slot(engine, crowd: Crowd):
    with Session(engine) as db:
        return service.free_slots(db, crowd.manager_id)[0]


def count_bookings(engine, crowd: Crowd, starts_at) -> int:
    with Session(engine) as db:
        return len(db.scalars(select(Booking.id).where(Booking.manager_id == crowd.manager_id,
                                                       Booking.starts_at == starts_at,
                                                       Booking.status == "booked")).all())


def count_seats(engine, crowd: Crowd) -> tuple[int, int]:
    """(live seat rows, the session's counter)."""
    with Session(engine) as db:
        rows = len(db.scalars(select(SessionSeat.id).where(SessionSeat.session_id == crowd.session_id,
                                                           SessionSeat.status == "booked")).all())
        return rows, db.get(GroupSession, crowd.session_id).seats_taken


def cleanup(engine, crowd: Crowd) -> None:
    with Session(engine) as db:
        people = crowd.user_ids + [crowd.manager_id]
        db.execute(delete(OutboxMessage).where(OutboxMessage.recipient.in_(
            crowd.emails + [db.get(User, crowd.manager_id).email])))
        db.execute(delete(AuditEvent).where(or_(AuditEvent.partner_id.in_(crowd.partner_ids),
                                                AuditEvent.actor_id.in_(people))))
        db.execute(delete(SessionSeat).where(SessionSeat.partner_id.in_(crowd.partner_ids)))
        db.execute(delete(GroupSession).where(GroupSession.manager_id == crowd.manager_id))
        db.execute(delete(Booking).where(Booking.manager_id == crowd.manager_id))
        db.execute(delete(AvailabilityWindow).where(AvailabilityWindow.manager_id == crowd.manager_id))
        db.execute(delete(DayOff).where(DayOff.manager_id == crowd.manager_id))
        db.execute(delete(Availability).where(Availability.manager_id == crowd.manager_id))
        db.execute(delete(User).where(User.id.in_(crowd.user_ids)))
        db.execute(delete(Partner).where(Partner.id.in_(crowd.partner_ids)))
        db.execute(delete(User).where(User.id == crowd.manager_id))
        db.commit()
