"""Lead and NPS goals, measured from the leads and surveys features' records (skipped until they are merged)."""

from __future__ import annotations

import importlib.util

import pytest

from lms.db import utcnow
from lms.plans import goals, service
from tests.plans.factories import agreed_plan


def _rows(db, plan, partner):
    revision = service.terms_in_force(db, plan)
    return {g.kind: g for g in goals.progress(db, revision, revision.goals, partner.id, utcnow())}


@pytest.mark.skipif(importlib.util.find_spec("lms.leads") is None, reason="the leads feature is not merged yet")
def test_lead_goals_count_the_partners_leads(db, make):
    from tests.leads.factories import register, won_lead

    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    plan, _, owner = agreed_plan(db, make, partner,
                                 goals={"leads_registered": 4, "leads_won": 2, "leads_won_value": 5000})
    register(db, owner, "first-prospect.example", company="First Prospect")
    won_lead(db, owner, manager, "3000", domain="won-prospect.example")
    other = make.user("partner", partner=make.partner("gold", manager=manager))
    register(db, other, "someone-else.example", company="Someone Else")
    rows = _rows(db, plan, partner)
    assert rows["leads_registered"].actual == 2
    assert rows["leads_won"].actual == 1
    assert rows["leads_won_value"].actual == 3000


@pytest.mark.skipif(importlib.util.find_spec("lms.surveys") is None, reason="the surveys feature is not merged yet")
def test_nps_goal_comes_from_the_partners_survey_answers(db, make):
    from tests.surveys.factories import response

    partner = make.partner("gold")
    plan, _, owner = agreed_plan(db, make, partner, goals={"nps": 50})
    assert _rows(db, plan, partner)["nps"].state == "not measured yet"
    for score in (10, 9, 3):
        response(db, make.user("partner", partner=partner), score)
    row = _rows(db, plan, partner)["nps"]
    assert row.actual == 33 and row.state == "behind"
