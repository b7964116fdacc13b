"""The portal as a vendor runs it: gunicorn workers on two ports sharing one PostgreSQL and one Redis behave
as one site, and a SIGTERM mid-burst (a deploy, a scale-in) loses nothing.

Everything here is served for real (tests/ops/served.py) and committed for real, so it needs PostgreSQL
and Redis: `make test` starts both (.ci/postgres, .ci/redis).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.bookings import service as bookings
from lms.models import Booking
from tests.bookings import race
from tests.ops.served import Client, start_gunicorn

pytestmark = pytest.mark.postgres_only

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_url():
    result = subprocess.run([str(ROOT / ".ci" / "redis")], capture_output=True, text=True)
    if result.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {result.stderr.strip()}")
        pytest.skip(f"no Redis here: {result.stderr.strip()}")
    return result.stdout.strip()


@pytest.fixture
def crowd(engine):
    crowd = race.setup_crowd(engine, 12, "gold")
    yield crowd
    race.cleanup(engine, crowd)


@pytest.fixture
def two_instances(database_url, redis_url, tmp_path):
    # PROXY_FIX_HOPS=1: we are the load balancer, so each simulated person can have an address of their own.
    a = start_gunicorn(database_url, redis_url, tmp_path, workers=1, extra_env={"PROXY_FIX_HOPS": "1"})
    try:
        b = start_gunicorn(database_url, redis_url, tmp_path, workers=1, extra_env={"PROXY_FIX_HOPS": "1"})
    except Exception:
        a.terminate()
        raise
    yield a, b
    a.terminate()
    b.terminate()


_RUN = uuid.uuid4().hex[:4]  # Redis keeps limit counters across runs: a prefix of this run's own
_PEOPLE = itertools.count(1)


class Person(Client):
    """A client behind the load balancer with an address of its own (X-Forwarded-For), never shared with
    another person of this run or an earlier one (a shared address would share its sign-in limit)."""

    def __init__(self, base: str):
        super().__init__(base)
        self.address = f"2001:db8:{_RUN}::{next(_PEOPLE):x}"  # the documentation prefix: no real host

    def request(self, method, path, data=None, base=None):  # type: ignore[override]
        return super().request(method, path, data=data, base=base, headers={"X-Forwarded-For": self.address})


def test_a_session_started_on_one_instance_works_on_the_other(two_instances, crowd):
    a, b = two_instances
    person = Person(a.base)
    status, headers, _ = person.login(crowd.emails[0], race.PASSWORD)
    assert status == 302, headers
    status, _, page = person.get("/home", base=b.base)
    assert status == 200 and "Racer 0" in page
    status, _, _ = person.post("/logout", {}, base=b.base, token_from="/home")
    assert status == 302
    status, headers, _ = person.get("/home", base=a.base)
    assert status == 302 and "/login" in headers["Location"]


def test_sign_in_limits_are_shared_by_both_instances(two_instances):
    a, b = two_instances
    person = Person(a.base)
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    statuses = []
    for attempt in range(24):
        status, _, _ = person.login(email, "wrong-password-123", base=(a, b)[attempt % 2].base)
        statuses.append(status)
        if status == 429:
            break
    # 10 a minute for the whole site: separate per-process counters would allow 20 or more.
    assert 429 in statuses and len(statuses) <= 11, statuses


def test_a_booking_race_split_across_both_instances_yields_one_booking(two_instances, crowd, engine):
    a, b = two_instances
    slot = race.first_slot(engine, crowd)
    people = []
    for index, email in enumerate(crowd.emails):
        person = Person((a, b)[index % 2].base)
        status, _, _ = person.login(email, race.PASSWORD)
        assert status == 302
        person.token = person.csrf_token("/home")
        people.append(person)
    barrier = threading.Barrier(len(people))
    results: list[int] = []

    def book(person):
        barrier.wait()
        status, _, _ = person.request("POST", "/bookings/book",
                                      data={"starts_at": slot.starts_at.isoformat(), "csrf_token": person.token})
        results.append(status)

    threads = [threading.Thread(target=book, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == len(people) and not any(s >= 500 for s in results), results
    assert results.count(302) == 1 and results.count(409) == len(people) - 1, results
    assert race.count_bookings(engine, crowd, slot.starts_at) == 1


def test_sigterm_mid_burst_finishes_the_requests_in_progress(database_url, redis_url, tmp_path, crowd, engine):
    server = start_gunicorn(database_url, redis_url, tmp_path, workers=1, threads=4,
                            extra_env={"PROXY_FIX_HOPS": "1"})
    try:
        with Session(engine) as db:
            slots = bookings.free_slots(db, crowd.manager_id)[: len(crowd.emails)]
        people = []
        for email in crowd.emails:
            person = Person(server.base)
            assert person.login(email, race.PASSWORD)[0] == 302
            person.token = person.csrf_token("/home")
            people.append(person)
        outcomes: dict[int, object] = {}
        answered_after_term: list[int] = []
        term_sent = threading.Event()
        barrier = threading.Barrier(len(people) + 1)

        def book(index, person):
            barrier.wait()
            try:
                status, _, _ = person.request("POST", "/bookings/book", data={
                    "starts_at": slots[index].starts_at.isoformat(), "csrf_token": person.token})
                outcomes[index] = status
                if term_sent.is_set():
                    answered_after_term.append(index)
            except OSError as error:  # refused or reset: never accepted, so never processed
                outcomes[index] = error

        threads = [threading.Thread(target=book, args=(i, p)) for i, p in enumerate(people)]
        for thread in threads:
            thread.start()
        barrier.wait()
        time.sleep(0.05)  # the burst is in flight
        server.process.send_signal(15)
        term_sent.set()
        for thread in threads:
            thread.join(60)
        assert server.process.wait(timeout=60) == 0, server.log()
    finally:
        server.terminate()
    statuses = [o for o in outcomes.values() if isinstance(o, int)]
    assert statuses and all(s == 302 for s in statuses), outcomes  # nothing half-done: no 5xx, no error page
    assert answered_after_term, "no request was still in progress at SIGTERM: the test proved nothing"
    with Session(engine) as db:
        booked = set(db.scalars(select(Booking.partner_id).where(Booking.manager_id == crowd.manager_id,
                                                                 Booking.status == "booked")))
    succeeded = {crowd.partner_ids[i] for i, o in outcomes.items() if o == 302}
    assert booked == succeeded  # every answered booking is there, and no unanswered one is
