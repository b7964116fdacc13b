"""The demo leads: a conflict under each policy, both directions, a win unpaid for 40 days; loading twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.leads.demo import load_lead_demo
from lms.leads.policy import get_settings
from lms.models import Lead


def test_demo_leads_are_loaded_once(db, make):
    anna = make.manager(email="anna.berg@example.com")
    marco = make.manager(email="marco.rossi@example.com")
    for name, tier, manager in (("Brightpath Solutions", "bronze", anna), ("Goldcrest Integrations", "gold", anna),
                                ("Summit Platinum Systems", "platinum", marco)):
        make.user("partner", partner=make.partner(tier, manager=manager, name=name))
    load_lead_demo(db)
    first = db.scalar(select(func.count(Lead.id)))
    load_lead_demo(db)
    assert db.scalar(select(func.count(Lead.id))) == first == 10
    outcomes = set(db.scalars(select(Lead.conflict_outcome).where(Lead.conflict_outcome.is_not(None))))
    assert {"duplicate", "took_over", "split"} <= outcomes
    assert set(db.scalars(select(Lead.direction))) == {"in", "out"}
    won = db.scalar(select(Lead).where(Lead.status == "won"))
    assert won.payout_stage == "pending" and won.commission is not None
    assert get_settings(db).policy == "first_claim"
