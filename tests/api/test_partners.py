"""Partners through the API carry the dashboard's funnel stage and health, and filter by stage."""

from __future__ import annotations

from datetime import timedelta

from lms.db import utcnow
from tests.api.factories import bearer, token
from tests.dashboard.factories import kickoff


def _world(db, make):
    manager = make.manager()
    waiting = make.partner("gold", manager=manager, name="Waiting Org")
    invited = make.partner("gold", manager=manager, name="Invited Org")
    make.user(partner=invited)
    onboarded = make.partner("gold", manager=manager, name="Onboarded Org")
    make.user(partner=onboarded)
    kickoff(db, onboarded, utcnow() - timedelta(days=2))  # no required path for gold here: path complete too
    return manager, waiting, invited, onboarded


def test_list_and_get_show_stage_and_health_with_parts(client, db, make):
    manager, waiting, invited, onboarded = _world(db, make)
    _tok, secret = token(db)
    db.commit()
    data = client.get(f"/api/v1/partners?manager={manager.id}", headers=bearer(secret)).get_json()["data"]
    stages = {p["name"]: p["stage"] for p in data}
    assert stages == {"Waiting Org": "not_invited", "Invited Org": "invited", "Onboarded Org": "path_complete"}
    for p in data:
        assert 0 <= p["health"]["score"] <= 100 and p["health"]["band"] in ("low", "fair", "good")
        assert {part["key"] for part in p["health"]["parts"]} >= {"activity", "rhythm"}
    detail = client.get(f"/api/v1/partners/{onboarded.id}", headers=bearer(secret)).get_json()
    assert detail["stage"] == "path_complete"
    assert detail["health"] == next(p["health"] for p in data if p["id"] == onboarded.id)


def test_the_list_filters_by_stage_and_pages_through_the_matches(client, db, make):
    manager, waiting, invited, onboarded = _world(db, make)
    second = make.partner("gold", manager=manager, name="Second Invited Org")
    make.user(partner=second)
    _tok, secret = token(db)
    db.commit()
    url = f"/api/v1/partners?manager={manager.id}&stage=invited&limit=1"
    first = client.get(url, headers=bearer(secret)).get_json()
    assert [p["name"] for p in first["data"]] == ["Invited Org"] and first["next"]
    following = client.get(first["next"], headers=bearer(secret)).get_json()
    assert [p["name"] for p in following["data"]] == ["Second Invited Org"] and following["next"] is None
    held = client.get(f"/api/v1/partners?manager={manager.id}&stage=path_complete", headers=bearer(secret))
    assert [p["name"] for p in held.get_json()["data"]] == ["Onboarded Org"]
    none = client.get(f"/api/v1/partners?manager={manager.id}&stage=not_invited", headers=bearer(secret))
    assert [p["name"] for p in none.get_json()["data"]] == ["Waiting Org"]


def test_an_unknown_stage_is_a_422_problem(client, db, make):
    _tok, secret = token(db)
    db.commit()
    response = client.get("/api/v1/partners?stage=champion", headers=bearer(secret))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_a_partner_token_filtering_by_stage_sees_only_its_own_partner(client, db, make):
    manager, waiting, invited, onboarded = _world(db, make)
    _tok, secret = token(db, "read", invited)
    db.commit()
    data = client.get("/api/v1/partners?stage=invited", headers=bearer(secret)).get_json()["data"]
    assert [p["name"] for p in data] == ["Invited Org"]
    assert client.get("/api/v1/partners?stage=path_complete", headers=bearer(secret)).get_json()["data"] == []
