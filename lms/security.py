"""Request-wide protections every blueprint gets without asking: input that cannot be text is a 400,
ids too large for the database are a 404, and every response carries the security headers
(a Content-Security-Policy without 'unsafe-inline': scripts in static/*.js, styles in static/app.css).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter

from lms.forms import DB_INT_MAX


class DbIntConverter(IntegerConverter):
    """`<int:...>` for every route: a number the database's INTEGER ids cannot hold matches nothing (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=DB_INT_MAX if max is None else max,
                         signed=signed)


def _is_clean(raw: bytes) -> bool:
    """UTF-8 text without NUL: PostgreSQL refuses NUL in text, and nothing we store is binary."""
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _urlencoded_is_clean(encoded: bytes) -> bool:
    return _is_clean(unquote_to_bytes(encoded.replace(b"+", b" ")))


def reject_unreadable_input() -> None:
    """400 for a NUL byte or bytes that are not UTF-8 in the path, the query string or a form."""
    environ = request.environ
    # WSGI hands over the (already percent-decoded) path and the raw query string as latin-1 strings.
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace")
    # Some servers (and the test client) already replaced undecodable bytes with U+FFFD.
    if not _is_clean(path) or "\ufffd".encode() in path:
        abort(400)
    if not _urlencoded_is_clean(environ.get("QUERY_STRING", "").encode("latin-1", "replace")):
        abort(400)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        # Cached, so the form is still parsed from it afterwards.
        if not _urlencoded_is_clean(request.get_data(cache=True)):
            abort(400)
    elif request.mimetype == "multipart/form-data":
        texts = [*request.form.keys(), *request.form.values(), *(f.filename or "" for f in request.files.values())]
        if any("\x00" in text or "\ufffd" in text for text in texts):
            abort(400)


CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
))


def add_security_headers(response: Response) -> Response:
    """Only our own scripts and styles (no inline ones), no framing, no MIME sniffing, no cross-site referrers."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    if request.is_secure:  # behind the load balancer, ProxyFix makes X-Forwarded-Proto count
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def register(app: Flask) -> None:
    """Install the converter (before any blueprint adds routes) and the request guard (before any other hook)."""
    app.url_map.converters["int"] = DbIntConverter
    app.before_request(reject_unreadable_input)
    app.after_request(add_security_headers)
