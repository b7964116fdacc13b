"""RFC 9457 problem details: every API error is `application/problem+json` with type, title, status, detail."""

from __future__ import annotations

import json

from flask import Response

PROBLEM_TYPE = "about:blank"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 412: "Precondition failed", 415: "Unsupported media type", 422: "Unprocessable content",
          429: "Too many requests", 500: "Internal server error"}


class ApiError(Exception):
    def __init__(self, status: int, detail: str, *, headers: dict | None = None, **extra):
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra


def problem(status: int, detail: str, headers: dict | None = None, **extra) -> Response:
    body = {"type": PROBLEM_TYPE, "title": TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
