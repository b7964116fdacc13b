"""The dashboard's filters, read from the query string: format checks only, bad values fall back to "all"."""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from lms.dashboard.health import HEALTH_BANDS
from lms.dashboard.service import SORTS, STAGE_LABELS, Filters

_KEY = re.compile(r"^[a-z0-9_-]{1,32}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(raw: str) -> date | None:
    match = _MONTH.match(raw)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def read_filters(args: Mapping[str, str]) -> Filters:
    """Filters from the URL; anything malformed (NUL bytes, huge numbers, unknown keys) is ignored."""
    tier = args.get("tier", "")
    manager = args.get("manager", "")
    stage = args.get("stage", "")
    return Filters(
        tier=tier if _KEY.match(tier) else "",
        manager_id=int(manager) if manager.isdigit() and len(manager) <= 9 else None,
        month=_month(args.get("month", "")),
        stage=stage if stage in STAGE_LABELS and stage else "",
        health=args.get("health", "") if args.get("health", "") in HEALTH_BANDS else "",
        dust=args.get("dust", "") == "1",
        sort=args.get("sort", "") if args.get("sort", "") in SORTS else "health",
    )
