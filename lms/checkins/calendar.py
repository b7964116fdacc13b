"""Whose calendar a date belongs to: a manager's zone, country, public holidays and days off."""

from __future__ import annotations

import importlib.resources
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import DayOff, PublicHoliday, User


def zone_of(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def today_for(user: User, now: datetime) -> date:
    """The calendar date it is for `user` at `now` (their own zone)."""
    return now.astimezone(zone_of(user)).date()


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO country code, from the zone.tab of the system or of the tzdata package."""
    text = None
    system = Path("/usr/share/zoneinfo/zone.tab")
    if system.is_file():
        text = system.read_text(encoding="utf-8")
    else:
        try:
            text = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError):
            return {}
    countries = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                countries[parts[2]] = parts[0]
    return countries


def country_of(user: User) -> str | None:
    """The country whose public holidays apply to `user` (from their time zone; None for UTC and the like)."""
    return _zone_countries().get(user.timezone or "")


def holidays_of(db: Session, user: User, first: date, last: date) -> set[date]:
    country = country_of(user)
    if country is None:
        return set()
    return set(
        db.scalars(
            select(PublicHoliday.day).where(
                PublicHoliday.country == country, PublicHoliday.day >= first, PublicHoliday.day <= last
            )
        )
    )


def days_off_of(db: Session, manager: User, first: date, last: date) -> set[date]:
    """Public holidays of the manager's country plus the days off they published for bookings."""
    days = holidays_of(db, manager, first, last)
    ranges = db.execute(
        select(DayOff.first_day, DayOff.last_day).where(
            DayOff.manager_id == manager.id, DayOff.last_day >= first, DayOff.first_day <= last
        )
    )
    for start, end in ranges:
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day = date.fromordinal(day.toordinal() + 1)
    return days
