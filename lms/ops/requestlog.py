"""A request id on every response and one JSON log line per request, for the load balancer's and the
log shipper's sake: method, path, status, duration, user id, request id.

An incoming `X-Request-ID` (set by the load balancer) is kept when it looks like an id; otherwise a
new one is made. The id is sent back in the response's `X-Request-ID` header and is in the log line,
so a person can quote it and an operator can find the line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

log = logging.getLogger("lms.request")


def init_app(app: Flask) -> None:
    _configure_logger()
    app.before_request(_start)
    app.after_request(_finish)


def _configure_logger() -> None:
    """Request lines are bare JSON objects on stderr (not prefixed like the other log lines)."""
    if any(getattr(handler, "_lms_request_log", False) for handler in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._lms_request_log = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if _ACCEPTABLE_ID.fullmatch(incoming) else uuid.uuid4().hex


def request_id() -> str | None:
    return g.get("request_id")


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    rid = g.get("request_id") or uuid.uuid4().hex
    response.headers[HEADER] = rid
    if started is None:  # a request that failed before before_request ran (rare)
        return response
    user = g.get("_login_user")  # only when Flask-Login loaded it during the request: no extra query here
    log.info(json.dumps({
        "event": "request",
        "request_id": rid,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": getattr(user, "id", None) if user is not None and user.is_authenticated else None,
        "remote_addr": request.remote_addr,
    }, separators=(",", ":")))
    return response
