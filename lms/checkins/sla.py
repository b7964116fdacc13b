"""Response deadlines for support requests, as pure functions (no database, no Flask).

Business time is counted in the manager's wall clock: Monday to Friday, 09:00-17:00 local, minus
public holidays. Daylight-saving changes happen at night in every real zone, so an hour of business
time is an hour of real time; the deadline is the local wall-clock moment converted to UTC.
Around-the-clock time is plain elapsed time, so a 2-hour promise is 2 real hours across a DST change.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DAY_START = time(9, 0)
DAY_END = time(17, 0)
WORKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday to Friday


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() in WORKDAYS and day not in holidays


def _to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a timezone-aware moment")
    # Compare and count on the naive wall clock of the zone.
    return moment.astimezone(zone).replace(tzinfo=None)


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(timezone.utc)


def business_deadline(
    start: datetime, hours: float, zone: ZoneInfo, holidays: Collection[date] = ()
) -> datetime:
    """The UTC moment `hours` business hours after `start` (a request outside hours starts the next morning).

    Friday 16:00 + 4 business hours is Monday 12:00 (one hour on Friday, three on Monday).
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    wall = _to_local(start, zone)
    remaining = timedelta(hours=hours)
    day = wall.date()
    cursor = wall
    while True:
        if is_business_day(day, holidays):
            opens = datetime.combine(day, DAY_START)
            closes = datetime.combine(day, DAY_END)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return _to_utc(begin + remaining, zone)
                remaining -= available
            elif not remaining and begin == closes:
                return _to_utc(begin, zone)
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0, 0))


def business_time_between(
    start: datetime, end: datetime, zone: ZoneInfo, holidays: Collection[date] = ()
) -> timedelta:
    """Business time from `start` to `end` (zero when `end` is not after `start`)."""
    wall_start, wall_end = _to_local(start, zone), _to_local(end, zone)
    total = timedelta(0)
    if wall_end <= wall_start:
        return total
    day = wall_start.date()
    while day <= wall_end.date():
        if is_business_day(day, holidays):
            begin = max(wall_start, datetime.combine(day, DAY_START))
            finish = min(wall_end, datetime.combine(day, DAY_END))
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total


def wallclock_deadline(start: datetime, hours: float) -> datetime:
    """24/7: `hours` of real elapsed time after `start`, in UTC."""
    if start.tzinfo is None:
        raise ValueError("naive datetime: give a timezone-aware moment")
    # Convert first: arithmetic on a zoned datetime is wall-clock arithmetic and would gain or lose
    # the DST hour.
    return start.astimezone(timezone.utc) + timedelta(hours=hours)


def sla_deadline(
    coverage: str, hours: int | None, start: datetime, zone: ZoneInfo, holidays: Collection[date] = ()
) -> datetime | None:
    """The deadline a tier promises: `coverage` is a Tier.sla_coverage ('none', 'business', 'always')."""
    if coverage == "none" or not hours:
        return None
    if coverage == "business":
        return business_deadline(start, hours, zone, holidays)
    if coverage == "always":
        return wallclock_deadline(start, hours)
    raise ValueError(f"unknown SLA coverage {coverage!r}")


def business_hours_text(zone_name: str) -> str:
    return f"Monday to Friday {DAY_START:%H:%M}-{DAY_END:%H:%M} {zone_name}"
