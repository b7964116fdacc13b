"""Who may do what: one role decorator for views, and the partner-visibility rule every loader uses."""

from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select

from lms.models import Partner, User

F = TypeVar("F", bound=Callable)


def role_required(*roles: str) -> Callable[[F], F]:
    """Sign-in required, and the user's role must be one of `roles` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def can_see_partner(user: User, partner: Partner) -> bool:
    if user.is_admin:
        return True
    if user.is_manager:
        return partner.manager_id == user.id
    return user.partner_id == partner.id


def visible_partners(user: User, query: Select) -> Select:
    """Narrow a query over Partner to the partners `user` may see."""
    if user.is_admin:
        return query
    if user.is_manager:
        return query.where(Partner.manager_id == user.id)
    return query.where(Partner.id == user.partner_id)


def check_partner_access(user: User, partner: Partner | None) -> Partner:
    """404 for a partner that does not exist or that `user` may not see (no hint that it exists)."""
    if partner is None or not can_see_partner(user, partner):
        abort(404)
    return partner


def load_partner(partner_id: int) -> Partner:
    """The load-or-404 helper for partners: the current user must be allowed to see it."""
    from lms.db import get_db

    return check_partner_access(current_user, get_db().get(Partner, partner_id))
