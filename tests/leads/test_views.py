"""Lead pages: registering through the form, the lists (paginated, constant queries), CSV, no leaks, bad input."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from lms.db import utcnow
from lms.leads import jobs, service
from lms.models import Lead, OutboxMessage
from tests.leads.factories import register, set_policy, won_lead


@contextmanager
def count_queries(engine):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def team(make):
    manager = make.manager(name="Mona Manager", timezone="UTC")
    gold = make.partner("gold", manager=manager, name="Goldie Ltd")
    bronze = make.partner("bronze", manager=manager, name="Bronzer Ltd")
    return {"manager": manager, "gold": make.user("partner", partner=gold, name="Gail Gold"),
            "bronze": make.user("partner", partner=bronze, name="Bert Bronze")}


FORM = {"company_name": "Bücher GmbH", "domain": "https://www.bücher.de/shop", "country": "de",
        "contact_name": "Clara Contact", "contact_email": "Clara@Buecher.example", "contact_phone": "+49 30 1234",
        "estimated_value": "12500.50", "currency": "EUR", "expected_close": "2027-03", "notes": "Met at the fair"}


def test_partner_registers_through_the_form_which_states_the_policy(client, auth, team, db):
    auth.login_as(team["gold"])
    page = client.get("/leads/new").get_data(as_text=True)
    assert "First claim wins" in page and "Other partners never see your registration" in page
    response = client.post("/leads/new", data=FORM)
    assert response.status_code == 302
    lead = db.scalar(select(Lead).where(Lead.partner_id == team["gold"].partner_id))
    assert (lead.domain, lead.country, lead.contact_email) == ("xn--bcher-kva.de", "DE", "clara@buecher.example")
    assert lead.estimated_value == Decimal("12500.50") and lead.expected_close.isoformat() == "2027-03-01"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "bücher.de" in detail and "12,500.50 EUR" in detail and "Met at the fair" in detail
    assert "History" in detail


def test_a_duplicate_is_told_only_since_when(client, auth, team, db):
    register(db, team["bronze"], "xn--bcher-kva.de", company="Bücher", notes="Bronze secret notes")
    db.commit()
    auth.login_as(team["gold"])
    response = client.post("/leads/new", data=FORM, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "already registered in the programme (since" in body
    assert "Bronzer" not in body and "Bronze secret notes" not in body


def test_bad_input_gets_a_message_beside_the_field_never_a_500(client, auth, team, db):
    auth.login_as(team["gold"])
    hostile = [
        {"company_name": "Acme\r\nBcc: x@example.com"},
        {"company_name": "x" * 100_000},
        {"domain": "not a domain"},
        {"domain": "http://[::1"},
        {"estimated_value": "1e999999"},
        {"estimated_value": "99999999999999999999999999"},
        {"estimated_value": "-5"},
        {"estimated_value": "12.345", "currency": "EUR"},
        {"estimated_value": "12.5", "currency": "JPY"},
        {"estimated_value": "NaN"},
        {"currency": "XXX"},
        {"expected_close": "2026-13"},
        {"expected_close": "yesterday"},
        {"country": "Germany"},
        {"contact_email": "not-an-email"},
    ]
    for patch in hostile:
        response = client.post("/leads/new", data={**FORM, **patch})
        assert response.status_code in (400, 409), (patch, response.status_code)
        assert 'class="error"' in response.get_data(as_text=True), patch
    # NUL bytes never reach the form: the request guard answers 400 for the whole request.
    assert client.post("/leads/new", data={**FORM, "notes": "a\x00b"}).status_code == 400
    assert db.scalar(select(Lead.id)) is None


def test_other_post_routes_refuse_junk_without_a_500(client, auth, team, db):
    lead, _ = register(db, team["gold"], "example.com")
    db.commit()
    auth.login_as(team["manager"])
    junk = {"decision": "\x00", "reason": "x" * 50_000, "outcome": "maybe", "actual_value": "1e9999",
            "stage": "gone", "on": "2026-02-31"}
    for action in ("decide", "close", "payout", "override"):
        response = client.post(f"/leads/{lead.id}/{action}", data=junk)
        assert response.status_code in (400, 409), (action, response.status_code)
    assert client.get("/leads/?page=99999999999&partner_id=1e9&status=x&tier=<x>").status_code == 200
    assert client.get("/leads/?status=%00").status_code == 400  # the request guard
    assert client.post("/leads/settings", data={"policy": "x"}).status_code == 403


def test_manager_decides_with_a_reason_the_partner_then_reads(client, auth, team, db):
    lead, _ = register(db, team["gold"], "example.com")
    db.commit()
    auth.login_as(team["manager"])
    assert client.post(f"/leads/{lead.id}/decide", data={"decision": "reject", "reason": ""}).status_code == 400
    response = client.post(f"/leads/{lead.id}/decide", data={"decision": "reject", "reason": "Already our customer"})
    assert response.status_code == 302
    auth.logout()
    auth.login_as(team["gold"])
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "Rejected" in page and "Already our customer" in page
    assert db.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == team["gold"].email)) is not None


def test_referral_out_accept_and_report_through_the_pages(client, auth, team, db):
    auth.login_as(team["manager"])
    response = client.post("/leads/refer", data={**FORM, "partner_id": team["bronze"].partner_id, "domain": "out.example"})
    assert response.status_code == 302
    lead = db.scalar(select(Lead).where(Lead.direction == "out"))
    auth.logout()
    auth.login_as(team["bronze"])
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "Referred to you" in page, page[page.find("<main"):]
    assert client.post(f"/leads/{lead.id}/respond", data={"decision": "accept"}).status_code == 302
    assert client.post(f"/leads/{lead.id}/close", data={"outcome": "won", "actual_value": "900"}).status_code == 302
    db.refresh(lead)
    assert lead.status == "won" and lead.actual_value == Decimal("900")
    auth.logout()
    auth.login_as(team["manager"])
    listing = client.get("/leads/?direction=out").get_data(as_text=True)
    assert "Totals per partner" in listing and "900.00 EUR" in listing


def test_manager_sees_a_conflict_side_by_side_and_overrides(client, auth, team, db):
    first, _ = register(db, team["gold"], "example.com", contact_name="Gold Contact")
    second, _ = register(db, team["bronze"], "example.com", contact_name="Bronze Contact")
    db.commit()
    auth.login_as(team["manager"])
    page = client.get(f"/leads/{second.id}/conflict").get_data(as_text=True)
    assert "Goldie Ltd" in page and "Bronzer Ltd" in page and "Gold Contact" in page and "Bronze Contact" in page
    assert client.get("/leads/?conflict=yes").get_data(as_text=True).count("/conflict") >= 1
    response = client.post(f"/leads/{second.id}/override", data={"reason": "Bronze brought the first meeting"})
    assert response.status_code == 302
    db.refresh(first), db.refresh(second)
    assert second.claim == "holder" and first.status == "rejected"


def test_list_query_count_is_the_same_for_3_and_30_leads(client, auth, team, db, engine):
    def measure(path):
        with count_queries(engine) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    auth.login_as(team["manager"])
    for i in range(3):
        register(db, team["gold"], f"few-{i}.example")
    db.commit()
    few = (measure("/leads/"), measure("/leads/?tier=gold&conflict=yes"))
    for i in range(27):
        register(db, team["bronze"] if i % 2 else team["gold"], f"many-{i}.example")
    db.commit()
    many = (measure("/leads/"), measure("/leads/?tier=gold&conflict=yes"))
    assert few == many
    auth.logout()
    auth.login_as(team["gold"])
    assert measure("/leads/") == measure("/leads/?page=2")


def test_csv_is_utf8_with_iso_dates_and_formulas_escaped(client, auth, team, db):
    register(db, team["gold"], None, company="=HYPERLINK(\"http://evil\")", country="GB",
             contact_name="+Cmd", notes="@SUM(A1)", contact_phone="-1")
    register(db, team["bronze"], "bücher.de", company="Bücher")
    db.commit()
    auth.login_as(team["manager"])
    response = client.get("/leads/export.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    evil = next(r for r in rows if "HYPERLINK" in r["company"])
    assert evil["company"].startswith("'=") and evil["contact name"] == "'+Cmd" and evil["contact phone"] == "'-1"
    assert any(r["domain"] == "bücher.de" for r in rows)
    assert all(len(r["registered"]) == 25 and r["registered"][10] == "T" for r in rows)  # ISO 8601 with offset


def test_undecided_past_two_business_days_are_on_the_managers_agenda(client, auth, team, db):
    old, _ = register(db, team["gold"], "old.example", now=utcnow() - timedelta(days=6))
    register(db, team["bronze"], "fresh.example")
    db.commit()
    auth.login_as(team["manager"])
    page = client.get("/checkins/").get_data(as_text=True)
    assert "Lead registrations to decide" in page and "old.example" not in page
    assert f"/leads/{old.id}" in page and "fresh" not in page


# --- no leaks, under every policy ---------------------------------------------------------------------------

SCENARIOS = [
    # (policy, A's tier, B's tier): A registers first, then B the same prospect
    ("first_claim", "gold", "gold"),
    ("higher_tier", "bronze", "platinum"),  # B takes over A's claim
    ("higher_tier", "platinum", "bronze"),  # B is the duplicate
    ("split", "gold", "bronze"),
]


@pytest.mark.parametrize(("policy", "tier_a", "tier_b"), SCENARIOS)
def test_partner_b_never_learns_who_holds_the_claim(client, auth, make, db, policy, tier_a, tier_b):
    set_policy(db, policy)
    manager = make.manager(timezone="UTC")
    org_a = make.partner(tier_a, manager=manager, name="Alphasecret Holdings")
    user_a = make.user("partner", partner=org_a, name="Agatha Alphasecret")
    user_b = make.user("partner", partner=make.partner(tier_b, manager=manager, name="Beta Org"), name="Bea Beta")
    now = utcnow()
    lead_a, _ = register(db, user_a, "shared-prospect.example", now=now - timedelta(days=3),
                         contact_name="Xavier Contactperson", contact_email="xavier@shared-prospect.example",
                         contact_phone="+1 555 0199", estimated_value=Decimal("987654.32"),
                         notes="Alpha private notes: budget approved")
    lead_b, claim = register(db, user_b, "www.shared-prospect.example", now=now, contact_name="Bea's contact")
    if claim.outcome != "duplicate":
        service.decide_lead(db, manager, lead_b, True, None, now)
    jobs.expiry_notices(db, now + timedelta(days=80))
    db.commit()

    secrets = ["Alphasecret", "Agatha", "Xavier Contactperson", "xavier@", "555 0199", "987,654.32", "987654.32",
               "Alpha private notes", f"/leads/{lead_a.id}\"", f"lead {lead_a.id})", f"#{lead_a.id}"]
    auth.login_as(user_b)
    seen = [client.get(path).get_data(as_text=True) for path in (
        "/leads/", f"/leads/{lead_b.id}", "/leads/new", "/leads/?status=rejected", "/partners/home")]
    seen.append(client.get("/leads/export.csv").get_data().decode("utf-8-sig"))
    for path in (f"/leads/{lead_a.id}", f"/leads/{lead_b.id}/conflict", f"/leads/{lead_a.id}/conflict"):
        response = client.get(path)
        assert response.status_code in (403, 404)
        seen.append(response.get_data(as_text=True))
    seen += [f"{m.subject}\n{m.body_text}\n{m.body_html}" for m in db.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == user_b.email))]
    assert len(seen) > 8
    for text in seen:
        for secret in secrets:
            assert secret not in text, (policy, secret)
    # What B does see: its own lead, and for a duplicate only "since when".
    if claim.outcome == "duplicate":
        assert "Already registered in the programme since" in seen[1]


def test_admin_changes_the_policy_and_partners_read_it_on_the_form(client, auth, make, db):
    admin = make.admin()
    partner_user = make.partner_user("gold")
    db.commit()
    auth.login_as(admin)
    assert "Lead programme settings" in client.get("/admin/").get_data(as_text=True)
    bad = client.post("/leads/settings", data={"policy": "split", "split_sourcing_percent": "101", "expiry_days": "90",
                                               "max_renewals": "2", "max_open": "25", "decision_business_days": "2"})
    assert bad.status_code == 400 and "from 0 to 100" in bad.get_data(as_text=True)
    response = client.post("/leads/settings", data={"policy": "split", "split_sourcing_percent": "70",
                                                    "expiry_days": "60", "max_renewals": "1", "max_open": "10",
                                                    "decision_business_days": "3"})
    assert response.status_code == 302
    auth.logout()
    auth.login_as(partner_user)
    form = client.get("/leads/new").get_data(as_text=True)
    assert "Split commission" in form and "70% to the first (sourcing) partner" in form and "60 days" in form


def test_the_agenda_panel_uses_a_constant_number_of_queries(db, make, engine):
    from lms.leads.queries import overdue_decisions

    manager = make.manager(timezone="Europe/London")
    users = [make.user("partner", partner=make.partner("gold", manager=manager)) for _ in range(3)]
    counts = []
    for batch in (3, 30):
        for i in range(batch):
            register(db, users[i % 3], f"agenda-{batch}-{i}.example", now=utcnow() - timedelta(days=10))
        db.flush()
        with count_queries(engine) as statements:
            found = overdue_decisions(db, manager, utcnow())
        counts.append(len(statements))
        assert len(found) >= batch
    assert counts[0] == counts[1]


def test_refer_and_edit_forms_refuse_bad_input(client, auth, team, make, db):
    foreign = make.partner("gold", name="Someone Else's Partner")
    lead, _ = register(db, team["gold"], "example.com")
    db.commit()
    auth.login_as(team["manager"])
    for partner_id in ("abc", str(foreign.id), "99999999999999999999", ""):
        response = client.post("/leads/refer", data={**FORM, "partner_id": partner_id})
        assert response.status_code == 400, partner_id
    assert db.scalar(select(Lead.id).where(Lead.direction == "out")) is None
    for patch in ({"estimated_value": "abc"}, {"contact_name": "a\nb"}, {"currency": "\x00"}, {"notes": "x" * 6000}):
        assert client.post(f"/leads/{lead.id}/edit", data={**FORM, **patch}).status_code == 400, patch
    response = client.post(f"/leads/{lead.id}/edit", data={**FORM, "notes": "Updated by the manager"})
    assert response.status_code == 302
    auth.logout()
    auth.login_as(team["gold"])
    page = " ".join(client.get(f"/leads/{lead.id}").get_data(as_text=True).split())
    assert "Updated by the manager" in page, page[page.find("History"):]
    history = page[page.find("history-heading"):]
    assert "Mona Manager: notes to <strong>Updated by the manager</strong>" in history, history


def test_an_admin_of_a_large_programme_searches_partners_by_name_instead_of_a_list(
        client, auth, team, make, db, monkeypatch):
    from lms.leads import queries

    register(db, team["gold"], "goldie-deal.example", company="Goldie Deal")
    register(db, team["bronze"], "bronze-deal.example", company="Bronzer Deal")
    db.commit()
    auth.login_as(make.admin())

    listed = client.get("/leads/").get_data(as_text=True)
    monkeypatch.setattr(queries, "PARTNER_LIST_MAX", 1)  # fewer than the partners an admin sees
    searchable = client.get("/leads/").get_data(as_text=True)
    found = client.get("/leads/?partner_name=GOLDIE").get_data(as_text=True)
    wildcard = client.get("/leads/?partner_name=%25").get_data(as_text=True)

    assert 'name="partner_id"' in listed and 'name="partner_name"' not in listed
    assert 'name="partner_name"' in searchable and '<select id="f-partner"' not in searchable
    assert "Goldie Deal" in found and "Bronzer Deal" not in found
    assert 'value="GOLDIE"' in found  # the search stays in the field (and in the pager's links)
    assert "Goldie Deal" not in wildcard and "No leads match" in wildcard  # % is a character, not a wildcard


def _pager_links(html):
    """The query of every link in the page's pagers, as dicts."""
    import re
    from html import unescape
    from urllib.parse import parse_qsl, urlsplit

    navs = "".join(re.findall(r'<nav class="pager".*?</nav>', html, re.S))
    return [dict(parse_qsl(urlsplit(unescape(href)).query)) for href in re.findall(r'href="([^"]*)"', navs)]


def test_totals_per_partner_page_in_fifties_keeping_the_filters_and_the_lead_page(client, auth, make, db):
    manager = make.manager(timezone="UTC")
    for i in range(51):
        user = make.user("partner", partner=make.partner("gold", manager=manager, name=f"Totals Org {i:02d}"))
        register(db, user, f"totals-{i}.example")
    db.commit()
    auth.login_as(manager)
    first = client.get("/leads/?direction=in").get_data(as_text=True)
    totals = first[first.index('id="totals-heading"'):]
    assert totals.count(">Totals Org") == 50 and "Totals Org 50" not in totals
    assert {"direction": "in", "totals_page": "2"} in _pager_links(first)
    second = client.get("/leads/?direction=in&page=2&totals_page=2").get_data(as_text=True)
    totals = second[second.index('id="totals-heading"'):]
    assert "Totals Org 50" in totals and totals.count(">Totals Org") == 1
    # Either pager keeps the filters and the other list's page.
    links = _pager_links(second)
    assert {"direction": "in", "page": "2", "totals_page": "1"} in links
    assert {"direction": "in", "page": "1", "totals_page": "2"} in links
    assert {"direction": "in", "page": "3", "totals_page": "2"} in links
    assert "Totals Org" not in client.get("/leads/?direction=out").get_data(as_text=True).split('id="totals-heading"')[1]
