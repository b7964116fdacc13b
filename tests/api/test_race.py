"""Ten retries of one POST at the same moment, with one Idempotency-Key, on PostgreSQL with real commits:
one lead, and every retry gets the same response."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms.api.tokens import create_token
from lms.models import ApiIdempotencyKey, ApiToken, Lead, LeadEvent, LeadIdentity
from tests.api.factories import bearer
from tests.bookings import race

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def crowd(engine):
    crowd = race.setup_crowd(engine, 1, "gold")
    with Session(engine) as db:
        token, secret = create_token(db, None, "race", "leads:write", crowd.partner_ids[0])
        db.commit()
        crowd.token_id, crowd.secret = token.id, secret
    yield crowd
    with Session(engine) as db:
        lead_ids = select(Lead.id).where(Lead.partner_id.in_(crowd.partner_ids))
        db.execute(delete(LeadEvent).where(LeadEvent.lead_id.in_(lead_ids)))
        db.execute(Lead.__table__.update().where(Lead.partner_id.in_(crowd.partner_ids)).values(conflict_with_id=None))
        db.execute(delete(Lead).where(Lead.partner_id.in_(crowd.partner_ids)))
        db.execute(delete(LeadIdentity).where(LeadIdentity.key.like("d:idempotent-race%")))
        db.execute(delete(ApiIdempotencyKey).where(ApiIdempotencyKey.token_id == crowd.token_id))
        db.execute(delete(ApiToken).where(ApiToken.id == crowd.token_id))
        db.commit()
    race.cleanup(engine, crowd)


def test_concurrent_retries_with_one_key_create_one_lead(engine, database_url, crowd):
    app = race.make_app(engine, database_url)
    barrier, results, lock = threading.Barrier(10), [], threading.Lock()
    headers = bearer(crowd.secret, **{"Idempotency-Key": "race-key-1"})

    def attempt():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/leads", headers=headers,
                               json={"company_name": "Idempotent Race Ltd", "domain": "idempotent-race.example"})
        with lock:
            results.append((response.status_code, response.get_data()))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [status for status, _ in results] == [201] * 10, results
    assert len({body for _, body in results}) == 1
    with Session(engine) as db:
        assert len(list(db.scalars(select(Lead.id).where(Lead.partner_id.in_(crowd.partner_ids))))) == 1
