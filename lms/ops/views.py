"""/healthz: the process answers. /readyz: it can serve (database, schema, Redis). JSON, no sign-in, no data."""

from __future__ import annotations

from flask import current_app, jsonify

from lms.db import get_db
from lms.ops import bp
from lms.ops.health import check_database, check_redis


@bp.get("/healthz")
def healthz():
    return _json({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz():
    checks = check_database(get_db()) + check_redis(current_app.config.get("REDIS_URL"))
    ready = all(check.ok for check in checks)
    body = {"status": "ok" if ready else "unavailable", "checks": {c.name: c.as_json() for c in checks}}
    return _json(body, 200 if ready else 503)


def _json(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response

