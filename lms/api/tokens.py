"""Creating and revoking API tokens (verb-noun functions that flush, never commit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import audit
from lms.errors import DomainError
from lms.models import ApiToken, Partner, User
from lms.models.api_token import SCOPES, digest, new_api_secret


class TokenError(DomainError):
    field = None


def create_token(db: Session, actor: User | None, name: str, scope: str, partner_id: int | None) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once; only its sha256 is stored)."""
    name = (name or "").strip()
    if not name or len(name) > 120 or any(c in name for c in "\r\n\x00"):
        raise TokenError("Give the token a one-line name (at most 120 characters).", "name")
    if scope not in SCOPES:
        raise TokenError("Choose a scope: read or leads:write.", "scope")
    if partner_id is not None and db.get(Partner, partner_id) is None:
        raise TokenError("There is no partner with that id.", "partner_id")
    secret = new_api_secret()
    token = ApiToken(name=name, scope=scope, partner_id=partner_id, token_hash=digest(secret),
                     created_by_id=actor.id if actor is not None else None)
    db.add(token)
    db.flush()
    audit.record(db, actor, "api.token_created", token, f"API token created: {name} ({scope})", partner_id=partner_id)
    return token, secret


def revoke_token(db: Session, actor: User | None, token: ApiToken, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        db.flush()
        audit.record(db, actor, "api.token_revoked", token, f"API token revoked: {token.name}",
                     partner_id=token.partner_id)


def tokens_query():
    """Live tokens first, newest first."""
    return select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
