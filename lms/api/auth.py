"""Bearer-token authentication, per-token rate limits and the API's error handlers.

The session cookie never authenticates an API request: views read only `g.api_principal`, set here from the
`Authorization: Bearer` header.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from lms.api import bp
from lms.api.problems import ApiError, problem
from lms.db import get_db, utcnow
from lms.extensions import limiter
from lms.models import ApiToken, User
from lms.models.api_token import digest

DEFAULT_RATE_LIMIT = "300 per minute"
_MISSING = object()


@dataclass
class Principal:
    """Who is calling: the token, and a transient (never saved) user with the same view of the data."""

    token: ApiToken
    user: User

    @property
    def partner_id(self) -> int | None:
        return self.token.partner_id


def _actor(token: ApiToken) -> User:
    if token.partner_id is not None:
        return User(name=f"API: {token.name}", email="api@invalid", role="partner", partner_id=token.partner_id)
    return User(name=f"API: {token.name}", email="api@invalid", role="admin", partner_id=None)


def bearer_token() -> ApiToken | None:
    """The live token named by the Authorization header (cached for the request), or None."""
    cached = g.get("_api_token", _MISSING)
    if cached is not _MISSING:
        return cached
    token = None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() == "bearer" and 0 < len(secret) <= 200 and secret.isprintable():
        from sqlalchemy import select

        token = get_db().scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret),
                                                       ApiToken.revoked_at.is_(None)))
    g._api_token = token
    return token


def rate_key() -> str:
    token = bearer_token()
    return f"api-token:{token.id}" if token is not None else f"api-anonymous:{request.remote_addr}"


def authenticate(scope: str) -> Principal:
    token = bearer_token()
    if token is None:
        raise ApiError(401, "Send a valid, unrevoked API token as 'Authorization: Bearer <token>'.")
    if scope == "leads:write" and not token.can_write_leads:
        raise ApiError(403, "This token's scope is 'read'; this operation needs 'leads:write'.")
    now = utcnow()
    # Written at most once a minute per token: a busy CRM does not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        token.last_used_at = now
        get_db().commit()
    principal = Principal(token, _actor(token))
    g.api_principal = principal
    return principal


# Set up once, at import (the blueprint is registered on every app the factory makes).
limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT), key_func=rate_key)(bp)


@bp.after_request
def rate_headers(response):
    current = limiter.current_limit
    if current is not None:
        response.headers["RateLimit-Limit"] = str(current.limit.amount)
        response.headers["RateLimit-Remaining"] = str(max(0, current.remaining))
        response.headers["RateLimit-Reset"] = str(max(0, int(current.reset_at - time.time())))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return problem(error.status, error.detail, error.headers, **error.extra)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return http_problem(error)


def http_problem(error: HTTPException):
    code = error.code or 500
    headers = {}
    if code == 429:
        from lms.errors import _retry_after

        headers["Retry-After"] = str(_retry_after(error))
        detail = "Too many requests for this token; wait for Retry-After seconds."
    elif code == 404:
        detail = "There is nothing here, or it is not visible to this token."
    else:
        detail = error.description or ""
    return problem(code, detail, headers)
