"""Health endpoints a load balancer polls, and the request id / log line every request gets."""

from __future__ import annotations

import json
import logging
import socket

from lms import create_app
from lms.ops import requestlog


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_reports_database_and_migrations_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"]["database"]["ok"] is True
    assert response.json["checks"]["migrations"]["detail"] == "at head"


def test_readyz_is_503_when_redis_is_down(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["redis"] == {"ok": False, "detail": "unreachable"}


def test_readyz_is_503_on_a_database_never_migrated(tmp_path):
    app = create_app({"LMS_ENV": "testing", "SECRET_KEY": "x",
                      "DATABASE_URL": "sqlite:///" + str(tmp_path / "empty.sqlite3")})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"]["ok"] is True
    assert response.json["checks"]["migrations"]["ok"] is False


def test_every_response_carries_a_request_id_and_one_json_log_line(client, auth, make, caplog):
    user = make.user("partner")
    auth.login_as(user)
    requestlog.log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="lms.request"):
            response = client.get("/home", headers={"X-Request-ID": "lb-1234abcd"})
    finally:
        requestlog.log.removeHandler(caplog.handler)
    assert response.headers["X-Request-ID"] == "lb-1234abcd"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "lms.request"]
    line = lines[-1]
    assert line["request_id"] == "lb-1234abcd"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/home", 200)
    assert line["user_id"] == user.id  # the id, never the session token part of Flask-Login's id
    assert isinstance(line["duration_ms"], float)


def test_an_unsafe_incoming_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    rid = response.headers["X-Request-ID"]
    assert "<" not in rid and len(rid) == 32
