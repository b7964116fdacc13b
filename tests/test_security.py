"""Request-wide protections (lms/security.py): the input guard, the bounded id converter, the headers."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("url", ["/certificates/ab%00cd", "/certificates/ab%FFcd", "/login?next=%00", "/login?q=%FF%FE"])
def test_nul_or_undecodable_path_and_query_are_400(client, url):
    assert client.get(url).status_code == 400


def test_nul_or_undecodable_form_is_400(client):
    assert client.post("/login", data={"email": "a\x00@example.com", "password": "x"}).status_code == 400
    response = client.post("/login", data=b"email=%FF%FE&password=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_form_is_still_read_after_the_guard_looked_at_it(client, make, db):
    user = make.manager()
    db.commit()
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("number", [2**31, 2**63, 10**20])
def test_ids_the_database_cannot_hold_are_404(client, auth, make, db, number):
    auth.login_as(make.admin())
    assert client.get(f"/partners/{number}").status_code == 404
    assert client.get(f"/partners/{2**31 - 1}").status_code == 404


def test_pages_send_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
                      "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would be ignored or wrong
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers
    assert client.get("/nowhere").headers["Content-Security-Policy"] == csp  # error pages too


def test_templates_have_no_inline_script_or_style(app):
    """The CSP blocks inline code: every page's HTML must do without it (mail templates are not pages)."""
    import re
    from pathlib import Path

    root = Path(app.root_path).parent / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if "mail" in path.relative_to(root).parts:
            continue
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text) or re.search(r"\son[a-z]+=", text):
            offenders.append(str(path.relative_to(root)))
    assert not offenders


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sign_in_works_when_redis_is_down(engine, database_url, make, db, caplog, monkeypatch):
    """Issue 9, item 4: with REDIS_URL set and Redis unreachable, limits fall back to memory (warning)."""
    from lms import create_app
    from lms.extensions import limiter
    from tests.conftest import _bind_to, _test_config

    monkeypatch.setattr(limiter, "_storage_dead", False)  # put back for the next tests' apps
    app = create_app({**_test_config(engine, database_url), "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0"})
    _bind_to(app, db.connection())
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    user = make.manager()
    db.commit()
    client = app.test_client()
    with caplog.at_level("WARNING"):
        assert client.get("/login").status_code == 200
        assert client.post("/login", data={"email": user.email, "password": "wrong wrong wrong"}).status_code == 200
        assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
        assert client.post("/login", data={"email": user.email, "password": make.PASSWORD}).status_code == 302
    assert any("storage" in r.getMessage().lower() for r in caplog.records if r.levelname in ("WARNING", "ERROR"))
