"""50 people click at once, against PostgreSQL with real commits: one booking, never an overfull session."""

from __future__ import annotations

import pytest

from tests.bookings import race

pytestmark = pytest.mark.postgres_only


def test_fifty_partners_book_the_same_slot_exactly_one_wins(engine, database_url):
    crowd = race.setup_crowd(engine, 50, "gold")
    try:
        app = race.make_app(engine, database_url)
        slot = race.first_slot(engine, crowd)
        race.run_crowd(app, crowd, "/bookings/book", {"starts_at": slot.starts_at.isoformat()})
        statuses = [status for status, _, _ in crowd.results]
        assert len(statuses) == 50 and 500 not in statuses
        assert statuses.count(302) == 1 and statuses.count(409) == 49
        losers = [body for status, body, _ in crowd.results if status == 409]
        assert all("just taken by someone else. Please pick another" in body for body in losers)
        assert race.count_bookings(engine, crowd, slot.starts_at) == 1
    finally:
        race.cleanup(engine, crowd)


def test_fifty_partners_race_for_the_last_three_seats(engine, database_url):
    crowd = race.setup_crowd(engine, 50, "bronze")
    try:
        race.add_session(engine, crowd, capacity=12, taken=9)
        app = race.make_app(engine, database_url)
        race.run_crowd(app, crowd, f"/bookings/sessions/{crowd.session_id}/seat")
        statuses = [status for status, _, _ in crowd.results]
        assert len(statuses) == 50 and 500 not in statuses
        assert statuses.count(302) == 3 and statuses.count(409) == 47
        assert all("just taken" in body for status, body, _ in crowd.results if status == 409)
        assert race.count_seats(engine, crowd) == (3, 12)  # 3 new seat rows; the counter is at capacity
    finally:
        race.cleanup(engine, crowd)
