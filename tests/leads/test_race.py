"""50 partners register the same prospect at the same moment, through the views, on PostgreSQL with real
commits: the database decides, so exactly one holds it (or, under split, exactly two share it)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms.models import Lead, LeadEvent, LeadIdentity, LeadSettings
from tests.bookings import race

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def crowd(engine):
    crowd = race.setup_crowd(engine, 50, "gold")
    yield crowd
    with Session(engine) as db:
        lead_ids = select(Lead.id).where(Lead.partner_id.in_(crowd.partner_ids))
        db.execute(delete(LeadEvent).where(LeadEvent.lead_id.in_(lead_ids)))
        db.execute(Lead.__table__.update().where(Lead.partner_id.in_(crowd.partner_ids))
                   .values(conflict_with_id=None))
        db.execute(delete(Lead).where(Lead.partner_id.in_(crowd.partner_ids)))
        db.execute(delete(LeadIdentity).where(LeadIdentity.key.like("d:race-prospect%")))
        settings = db.get(LeadSettings, 1)
        settings.policy = "first_claim"
        db.commit()
    race.cleanup(engine, crowd)


def _set_policy(engine, name: str) -> None:
    with Session(engine) as db:
        db.get(LeadSettings, 1).policy = name
        db.commit()


def _claims(engine, crowd) -> list[tuple[str, str | None]]:
    with Session(engine) as db:
        return [(status, claim) for status, claim in db.execute(
            select(Lead.status, Lead.claim).where(Lead.partner_id.in_(crowd.partner_ids)))]


@pytest.mark.parametrize(("policy", "holders", "sharers"), [("first_claim", 1, 0), ("split", 1, 1),
                                                             ("higher_tier", 1, 0)])
def test_fifty_partners_register_one_prospect_at_once(engine, database_url, crowd, policy, holders, sharers):
    _set_policy(engine, policy)
    app = race.make_app(engine, database_url)
    race.run_crowd(app, crowd, "/leads/new", {"company_name": "Race Prospect Ltd",
                                              "domain": "https://www.race-prospect.example/", "currency": "EUR"})
    statuses = [status for status, _, _ in crowd.results]
    assert len(statuses) == 50 and statuses.count(302) == 50, statuses  # every request answered, none failed
    claims = _claims(engine, crowd)
    assert len(claims) == 50
    assert [c for _, c in claims].count("holder") == holders
    assert [c for _, c in claims].count("closing") == sharers
    assert sum(1 for s, _ in claims if s == "rejected") == 50 - holders - sharers
    with Session(engine) as db:
        assert db.scalar(select(LeadIdentity.id).where(LeadIdentity.key == "d:race-prospect.example")) is not None
