"""Leads through the API: the web's services (policy, history, no leaks), idempotent create, ETags."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from lms.models import Lead, LeadEvent
from tests.api.factories import bearer, token
from tests.leads.factories import register, set_policy


def _world(db, make):
    manager = make.manager()
    a = make.partner("gold", manager=manager, name="Alpha Secret Org")
    b = make.partner("bronze", manager=manager, name="Bravo Org")
    alice = make.user("partner", partner=a, name="Alice Alphaperson")
    lead, _ = register(db, alice, "alpha-prospect.example", company="Alpha Prospect Inc",
                       contact_name="Alpha Contact Person", notes="Alpha confidential notes")
    return manager, a, b, alice, lead


def test_partner_token_never_sees_another_organisation(client, db, make):
    _manager, a, b, alice, lead = _world(db, make)
    _tok, secret = token(db, "leads:write", b)
    db.commit()
    h = bearer(secret)
    secrets_of_a = ("Alpha Secret Org", "Alice Alphaperson", "Alpha Prospect Inc", "Alpha Contact Person",
                    "Alpha confidential notes", "alpha-prospect.example")
    bodies = []
    for url in ("/api/v1/partners", "/api/v1/leads", "/api/v1/leads?partner_id=%d" % a.id,
                f"/api/v1/partners/{a.id}", f"/api/v1/partners/{a.id}/users", f"/api/v1/partners/{a.id}/progress",
                f"/api/v1/users/{alice.id}/progress", f"/api/v1/leads/{lead.id}"):
        response = client.get(url, headers=h)
        assert response.status_code in (200, 404), url
        bodies.append(response.get_data(as_text=True))
    for url in (f"/api/v1/leads/{lead.id}",):
        bodies.append(client.patch(url, json={"notes": "x"}, headers=h).get_data(as_text=True))
        bodies.append(client.post(url + "/status", json={"status": "won", "actual_value": "1"},
                                  headers=h).get_data(as_text=True))
    assert client.get(f"/api/v1/leads/{lead.id}", headers=h).status_code == 404
    assert [p["name"] for p in client.get("/api/v1/partners", headers=h).get_json()["data"]] == ["Bravo Org"]
    assert client.get("/api/v1/surveys/scores", headers=h).status_code == 403
    for body in bodies:
        for text in secrets_of_a:
            assert text not in body
    db.refresh(lead)
    assert lead.notes == "Alpha confidential notes"


def test_partner_b_registering_a_taken_prospect_learns_nothing_about_a(client, db, make):
    set_policy(db, "first_claim")
    _manager, _a, b, _alice, _lead = _world(db, make)
    _tok, secret = token(db, "leads:write", b)
    db.commit()
    response = client.post("/api/v1/leads", headers=bearer(secret),
                           json={"company_name": "Whatever Name", "domain": "https://www.alpha-prospect.example/x"})
    assert response.status_code == 201
    body = response.get_data(as_text=True)
    assert response.get_json()["status"] == "rejected"  # first claim wins: a duplicate, as on the web
    for text in ("Alpha Secret Org", "Alice Alphaperson", "Alpha Contact Person", "Alpha confidential notes"):
        assert text not in body


def test_partner_token_registers_for_its_own_organisation_with_history(client, db, make):
    _manager, _a, b, _alice, _lead = _world(db, make)
    _tok, secret = token(db, "leads:write", b)
    db.commit()
    response = client.post("/api/v1/leads", headers=bearer(secret), json={
        "company_name": "Contoso Ltd", "domain": "contoso.example", "estimated_value": "1200.50", "currency": "EUR"})
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()
    assert data["partner_id"] == b.id and data["status"] == "registered" and data["direction"] == "in"
    assert Decimal(data["estimated_value"]) == Decimal("1200.5")
    assert [e["kind"] for e in data["history"]] == ["created"]
    other = client.post("/api/v1/leads", headers=bearer(secret), json={"company_name": "X", "partner_id": _a.id})
    assert other.status_code == 403


def test_vendor_token_refers_decides_and_closes_through_the_services(client, db, make):
    _manager, a, _b, _alice, lead = _world(db, make)
    _tok, secret = token(db, "leads:write")
    db.commit()
    h = bearer(secret)
    accepted = client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "accepted"}, headers=h)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    edited = client.patch(f"/api/v1/leads/{lead.id}", json={"contact_phone": "+44 20 1234", "notes": "new",
                                                             "expected_close": "2027-03-17"}, headers=h)
    assert edited.status_code == 200
    fields = [e["field"] for e in edited.get_json()["history"] if e["kind"] == "field"]
    assert sorted(fields) == ["contact_phone", "expected_close", "notes"]
    assert edited.get_json()["expected_close"] == "2027-03-01"
    no_value = client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "won"}, headers=h)
    assert no_value.status_code == 422 and no_value.mimetype == "application/problem+json"
    won = client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "won", "actual_value": "5000"}, headers=h)
    assert won.status_code == 200 and won.get_json()["payout_stage"] is not None
    again = client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "lost"}, headers=h)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    closed_edit = client.patch(f"/api/v1/leads/{lead.id}", json={"notes": "late"}, headers=h)
    assert closed_edit.status_code == 409
    referred = client.post("/api/v1/leads", json={"company_name": "Fabrikam", "partner_id": a.id}, headers=h)
    assert referred.status_code == 201 and referred.get_json()["status"] == "offered"
    declined = client.post(f"/api/v1/leads/{referred.get_json()['id']}/status", json={"status": "declined"},
                           headers=h)
    assert declined.status_code == 403  # only the partner answers a referral


def test_bad_lead_input_is_422_and_changes_nothing(client, db, make):
    _manager, a, _b, _alice, _lead = _world(db, make)
    _tok, secret = token(db, "leads:write")
    db.commit()
    before = db.scalar(select(func.count(Lead.id)))
    h = bearer(secret)
    for body in ({"company_name": "Line\r\nbreak", "partner_id": a.id},
                 {"company_name": "Nul\x00", "partner_id": a.id},
                 {"company_name": "X", "partner_id": a.id, "estimated_value": "1.23456"},
                 {"company_name": "X", "partner_id": a.id, "currency": "XXX"},
                 {"company_name": "X", "partner_id": a.id, "domain": "not a domain"},
                 {"company_name": "X", "partner_id": 2**40},
                 {"company_name": "X", "partner_id": a.id, "surprise": 1},
                 {"company_name": "X"}):
        response = client.post("/api/v1/leads", json=body, headers=h)
        assert response.status_code in (404, 422), (body, response.status_code)
        assert response.mimetype == "application/problem+json"
    assert client.post("/api/v1/leads", data="{oops", content_type="application/json", headers=h).status_code == 400
    assert client.post("/api/v1/leads", data="a=b", headers=h).status_code == 415
    assert db.scalar(select(func.count(Lead.id))) == before


def test_idempotent_create_returns_the_same_lead_once(client, db, make):
    _manager, _a, b, _alice, _lead = _world(db, make)
    _tok, secret = token(db, "leads:write", b)
    db.commit()
    h = bearer(secret, **{"Idempotency-Key": "crm-42"})
    body = {"company_name": "Once Only Ltd", "domain": "once.example"}
    first = client.post("/api/v1/leads", json=body, headers=h)
    second = client.post("/api/v1/leads", json=body, headers=h)
    assert first.status_code == second.status_code == 201
    assert first.get_data() == second.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.scalar(select(func.count(Lead.id)).where(Lead.company_name == "Once Only Ltd")) == 1
    assert db.scalar(select(func.count(LeadEvent.id)).where(LeadEvent.lead_id == first.get_json()["id"])) == 1
    reused = client.post("/api/v1/leads", json={"company_name": "Different Ltd"}, headers=h)
    assert reused.status_code == 409
    _tok2, other_secret = token(db, "leads:write", b, name="other")
    db.commit()
    # Keys belong to a token: another token's same key is a new request.
    fresh = client.post("/api/v1/leads", json={"company_name": "Twice Ltd", "domain": "twice.example"},
                        headers=bearer(other_secret, **{"Idempotency-Key": "crm-42"}))
    assert fresh.status_code == 201 and fresh.get_json()["id"] != first.get_json()["id"]


def test_etag_and_if_none_match(client, db, make):
    _manager, _a, b, _alice, _lead = _world(db, make)
    _tok, secret = token(db, "leads:write", b)
    db.commit()
    first = client.get(f"/api/v1/partners/{b.id}", headers=bearer(secret))
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/partners/{b.id}", headers=bearer(secret, **{"If-None-Match": etag}))
    assert again.status_code == 304 and again.data == b""
    created = client.post("/api/v1/leads", headers=bearer(secret), json={"company_name": "Etag Co"})
    lead_url = f"/api/v1/leads/{created.get_json()['id']}"
    lead_etag = client.get(lead_url, headers=bearer(secret)).headers["ETag"]
    client.patch(lead_url, headers=bearer(secret), json={"notes": "changed"})
    assert client.get(lead_url, headers=bearer(secret, **{"If-None-Match": lead_etag})).status_code == 200


def test_cursor_pagination_is_stable_and_complete(client, db, make):
    manager = make.manager()
    ids = {make.partner(manager=manager).id for _ in range(7)}
    _tok, secret = token(db)
    db.commit()
    seen, url = [], f"/api/v1/partners?limit=3&manager={manager.id}"
    while url:
        page = client.get(url, headers=bearer(secret)).get_json()
        seen += [p["id"] for p in page["data"]]
        url = page["next"]
    assert seen == sorted(ids)


def test_lists_use_a_constant_number_of_queries(app, client, db, make, engine):
    from sqlalchemy import event

    manager = make.manager()
    _tok, secret = token(db)
    db.commit()

    def count(url):
        client.get(url, headers=bearer(secret))  # the first use of a second also writes last_used_at
        calls = []
        listener = lambda *args: calls.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url, headers=bearer(secret)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(calls)

    for n in range(3):
        register(db, make.user("partner", partner=make.partner(manager=manager)), f"q{n}.example")
    db.commit()
    few = (count("/api/v1/partners?limit=100"), count("/api/v1/leads?limit=100"),
           count("/api/v1/partners?limit=100&stage=invited"))
    for n in range(3, 30):
        register(db, make.user("partner", partner=make.partner(manager=manager)), f"q{n}.example")
    db.commit()
    assert (count("/api/v1/partners?limit=100"), count("/api/v1/leads?limit=100"),
            count("/api/v1/partners?limit=100&stage=invited")) == few


def test_updated_since_finds_partners_changed_or_created_after(client, db, make):
    from datetime import timedelta
    from urllib.parse import quote

    from lms import audit
    from lms.db import utcnow

    manager = make.manager()
    old, touched = make.partner(manager=manager, name="Old Org"), make.partner(manager=manager, name="Touched Org")
    long_ago = utcnow() - timedelta(days=30)
    old.created_at = touched.created_at = long_ago
    since = utcnow() - timedelta(days=1)
    audit.record(db, None, "partner.renamed", touched, "Touched", partner_id=touched.id)
    _tok, secret = token(db)
    db.commit()
    url = f"/api/v1/partners?manager={manager.id}&updated_since={quote(since.isoformat())}"
    assert [p["name"] for p in client.get(url, headers=bearer(secret)).get_json()["data"]] == ["Touched Org"]
    naive = f"/api/v1/partners?updated_since={quote(since.replace(tzinfo=None).isoformat())}"
    assert client.get(naive, headers=bearer(secret)).status_code == 422
