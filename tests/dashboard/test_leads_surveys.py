"""The dashboard with leads and surveys: the first-lead stage, pipeline and NPS in health, their short lists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.activity import activity_by_kind
from lms.dashboard import health, service
from lms.dashboard.facts import partner_facts
from lms.db import utcnow
from lms.models import Partner
from tests.dashboard.factories import held_checkin, kickoff
from tests.leads.factories import register, won_lead
from tests.surveys.factories import response


def _facts(db, *partners, now=None):
    now = now or utcnow()
    return partner_facts(db, select(Partner.id).where(Partner.id.in_([p.id for p in partners])), now)


def test_first_lead_stage_and_active_with_a_won_lead(db, make):
    now = utcnow()
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    user = make.user(partner=partner)
    kickoff(db, partner, now - timedelta(days=30), created_at=now - timedelta(days=35))
    won_lead(db, user, manager, now=now - timedelta(days=2))
    waiting = make.partner("gold", manager=manager)
    make.user(partner=waiting)
    kickoff(db, waiting, now - timedelta(days=31))
    held_checkin(db, waiting, now.date() - timedelta(days=3))  # recent, but no lead yet

    facts = _facts(db, partner, waiting, now=now)
    funnel = service.funnel(list(facts.values()), now.date())

    counts = {step.key: step.count for step in funnel.steps}
    assert counts["first_lead"] == 1 and counts["active"] == 1
    assert service.stage_of(facts[partner.id], now.date()) == "active"
    assert service.stage_of(facts[waiting.id], now.date()) == "path_complete"
    medians = {what: days for what, days, _ in funnel.medians}
    assert medians["Kickoff held to first lead"] == 28.0


def test_pipeline_and_nps_in_health(db, make):
    now = utcnow()
    partner = make.partner("gold")
    alice, bob, cleo = (make.user(partner=partner) for _ in range(3))
    register(db, alice, "prospect.example", company="Prospect Ltd")
    response(db, alice, 10)
    response(db, bob, 9)
    response(db, cleo, 3)  # a detractor: opens a follow-up

    f = _facts(db, partner, now=now)[partner.id]
    parts = {p.key: p for p in health.score(f, now).parts}

    assert f.nps == 33 and f.nps_counts == (2, 0, 1)
    assert parts["pipeline"].reason == "1 lead registered, none won yet"
    assert parts["satisfaction"].reason == "NPS +33"
    kinds = activity_by_kind(db, [partner.id])[partner.id]
    assert kinds["lead"].label == "Lead “Prospect Ltd” registered"
    assert kinds["survey"].kind == "survey"


def test_dashboard_lists_undecided_leads_and_detractor_follow_ups(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager, name="Leadful Ltd")
    user = make.user(partner=partner)
    register(db, user, "waiting.example", company="Waiting Prospect")
    response(db, user, 2)
    other = make.partner("gold", name="Elsewhere Ltd")
    register(db, make.user(partner=other), "secret.example", company="Secret Prospect")
    db.commit()
    auth.login_as(manager)

    page = client.get("/dashboard/").get_data(as_text=True)

    assert "Waiting Prospect" in page and "Secret Prospect" not in page
    assert "Detractor follow-ups <span class=\"badge bad\">1</span>" in page
    assert "NPS" in page
    csv_text = client.get("/dashboard/partners.csv").get_data(as_text=True)
    assert "Leadful Ltd" in csv_text and ",-100\r\n" in csv_text  # one detractor answer: NPS -100, a number
