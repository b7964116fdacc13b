"""Token authentication, scopes, revocation, rate limits, problem+json, and the session cookie never counting."""

from __future__ import annotations

from sqlalchemy import select

from lms.api.tokens import revoke_token
from lms.db import utcnow
from lms.models import ApiToken, AuditEvent
from tests.api.factories import bearer, token


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_no_token_unknown_token_and_other_schemes_are_401(client, db, make):
    _token, secret = token(db)
    db.commit()
    for headers in ({}, bearer("lms_not-a-token"), {"Authorization": f"Basic {secret}"},
                    {"Authorization": "Bearer"}, bearer("x" * 5000)):
        response = client.get("/api/v1/partners", headers=headers)
        _is_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_token_reads_and_marks_last_used(client, db, make):
    partner = make.partner(name="Visible Org")
    api_token, secret = token(db)
    db.commit()
    assert api_token.last_used_at is None
    response = client.get("/api/v1/partners", headers=bearer(secret))
    assert response.status_code == 200
    assert "Visible Org" in [p["name"] for p in response.get_json()["data"]]
    db.refresh(api_token)
    assert api_token.last_used_at is not None
    assert partner.id in [p["id"] for p in response.get_json()["data"]]


def test_the_secret_is_stored_only_as_a_hash(db):
    api_token, secret = token(db)
    assert secret not in (api_token.token_hash, api_token.name)
    assert len(api_token.token_hash) == 64
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "api.token_created")) is not None


def test_a_revoked_token_is_401(client, db):
    api_token, secret = token(db)
    revoke_token(db, None, api_token, utcnow())
    db.commit()
    _is_problem(client.get("/api/v1/partners", headers=bearer(secret)), 401)


def test_a_read_token_cannot_write_leads(client, db, make):
    partner = make.partner()
    _token, secret = token(db, "read")
    db.commit()
    response = client.post("/api/v1/leads", json={"company_name": "Nope Ltd", "partner_id": partner.id},
                           headers=bearer(secret))
    _is_problem(response, 403)


def test_the_session_cookie_does_not_authenticate_the_api(client, auth, make):
    admin = make.admin()
    auth.login_as(admin)
    assert client.get("/admin/").status_code == 200
    _is_problem(client.get("/api/v1/partners"), 401)
    _is_problem(client.post("/api/v1/leads", json={"company_name": "X"}), 401)


def test_no_csrf_on_the_api(csrf_app, db, make):
    partner = make.partner()
    _token, secret = token(db, "leads:write")
    db.commit()
    response = csrf_app.test_client().post("/api/v1/leads", headers=bearer(secret),
                                           json={"company_name": "Csrf Free Ltd", "partner_id": partner.id})
    assert response.status_code == 201


def test_rate_limit_per_token_with_headers_and_retry_after(app, client, db):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    _one, first = token(db, name="one")
    _two, second = token(db, name="two")
    db.commit()
    responses = [client.get("/api/v1/partners", headers=bearer(first)) for _ in range(4)]
    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    assert responses[0].headers["RateLimit-Limit"] == "3"
    assert responses[2].headers["RateLimit-Remaining"] == "0"
    body = _is_problem(responses[3], 429)
    assert int(responses[3].headers["Retry-After"]) > 0 and body["detail"]
    assert client.get("/api/v1/partners", headers=bearer(second)).status_code == 200  # its own budget


def test_bad_ids_and_unknown_paths_are_problem_404_never_500(client, db):
    _token, secret = token(db)
    db.commit()
    for url in ("/api/v1/partners/0", "/api/v1/partners/-1", "/api/v1/partners/99999999999999999999",
                "/api/v1/partners/abc", "/api/v1/nothing-here", "/api/v1/users/1%0A/progress"):
        _is_problem(client.get(url, headers=bearer(secret)), 404)
    _is_problem(client.get("/api/v1/leads/%00", headers=bearer(secret)), 400)  # the request guard, as problem+json


def test_bad_query_and_cursor_are_422_and_400(client, db):
    _token, secret = token(db)
    db.commit()
    body = _is_problem(client.get("/api/v1/partners?limit=100000", headers=bearer(secret)), 422)
    assert body["errors"][0]["loc"] == ["limit"]
    _is_problem(client.get("/api/v1/partners?manager=1x", headers=bearer(secret)), 422)
    _is_problem(client.get("/api/v1/partners?manager=1%00", headers=bearer(secret)), 400)  # the request guard
    _is_problem(client.get("/api/v1/partners?cursor=%00garbage", headers=bearer(secret)), 400)


def test_cli_creates_a_token_printed_once(runner, app, db, make):
    partner = make.partner()
    db.commit()
    result = runner.invoke(args=["api", "token", "create", "--name", "crm", "--scope", "leads:write",
                                 "--partner", str(partner.id)])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("lms_")
    stored = db.scalar(select(ApiToken).where(ApiToken.name == "crm"))
    assert stored.partner_id == partner.id and stored.scope == "leads:write" and secret not in stored.token_hash
    assert runner.invoke(args=["api", "token", "create", "--name", "x", "--scope", "admin"]).exit_code != 0


def test_admin_page_creates_shows_once_and_revokes(client, auth, db, make):
    auth.login_as(make.admin())
    response = client.post("/admin/api-tokens/", data={"name": "Hubspot", "scope": "read", "partner_id": ""})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    stored = db.scalar(select(ApiToken).where(ApiToken.name == "Hubspot"))
    secret = page.split('class="api-secret">')[1].split("<")[0]
    assert client.get("/api/v1/partners", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/admin/api-tokens/").get_data(as_text=True)  # shown once
    assert client.post(f"/admin/api-tokens/{stored.id}/revoke").status_code == 302
    assert client.get("/api/v1/partners", headers=bearer(secret)).status_code == 401


def test_admin_page_refuses_bad_input_and_non_admins(client, auth, make):
    auth.login_as(make.admin())
    assert client.post("/admin/api-tokens/", data={"name": "a\r\nb", "scope": "read"}).status_code == 400
    assert client.post("/admin/api-tokens/", data={"name": "ok", "scope": "root"}).status_code == 400
    assert client.post("/admin/api-tokens/", data={"name": "ok", "scope": "read",
                                                  "partner_id": "99999999"}).status_code == 400
    auth.logout()
    auth.login_as(make.manager())
    assert client.get("/admin/api-tokens/").status_code == 403
