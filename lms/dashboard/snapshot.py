"""The dashboard's figures, kept for a short while so a programme of thousands of partners stays fast.

`overview_for(db, user, filters, now)` answers from a per-process cache (cachetools `TTLCache`) keyed by
what the viewer may see (all partners for an admin, a manager's own), the tier, manager and month filters,
and the newest audit event's id. Every change the portal records (a booking, a call or check-in, a lesson
or certificate, a lead, a survey answer, a plan) writes an audit event, so the next page view on every
worker computes fresh figures; what is not audited (a sign-in) shows within `DASHBOARD_CACHE_SECONDS`
(default 60 in production; 0, the default elsewhere, turns the cache off).

Misses are computed one at a time per process, so a burst of viewers after a change costs one computation,
not one each. A cached `Overview` is shared between requests: treat it as read-only.
"""

from __future__ import annotations

import threading
from datetime import date, datetime

from cachetools import TTLCache
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.dashboard.service import Filters, Overview, overview
from lms.models import AuditEvent, User

MAX_ROWS = 60_000  # partner rows kept per process across all cached overviews (a few MB each 5,000)


class _Store:
    def __init__(self, seconds: int) -> None:
        self.cache: TTLCache = TTLCache(maxsize=MAX_ROWS, ttl=seconds, getsizeof=lambda o: len(o.rows) + 1)
        self.lock = threading.Lock()  # guards the cache itself (short)
        self.computing = threading.Lock()  # one miss computed at a time


def _store() -> _Store | None:
    seconds = int(current_app.config.get("DASHBOARD_CACHE_SECONDS") or 0)
    if seconds <= 0:
        return None
    store = current_app.extensions.get("lms.dashboard_cache")
    if store is None:
        store = current_app.extensions.setdefault("lms.dashboard_cache", _Store(seconds))
    return store


def _key(db: Session, user: User, filters: Filters, today: date) -> tuple:
    scope = ("all", filters.manager_id) if user.is_admin else ("manager", user.id)
    newest_change = db.scalar(select(func.max(AuditEvent.id)))
    return (*scope, filters.tier, filters.month, today, newest_change)


def overview_for(db: Session, user: User, filters: Filters, now: datetime) -> Overview:
    """`service.overview`, from the cache when it holds the same figures (see the module docstring)."""
    store = _store()
    if store is None:
        return overview(db, user, filters, now)
    key = _key(db, user, filters, now.date())
    with store.lock:
        found = store.cache.get(key)
    if found is not None:
        return found
    with store.computing:
        with store.lock:
            found = store.cache.get(key)  # another request may have computed it while this one waited
        if found is None:
            found = overview(db, user, filters, now)
            with store.lock:
                store.cache[key] = found
    return found
