"""The slot engine: a manager's weekly windows (in their zone) -> bookable UTC slots. Pure functions.

Daylight saving is handled deliberately, in the manager's zone:
- windows are wall-clock times, so a 09:00 Europe/Berlin window is 09:00 Berlin time on both sides of
  the March and October switches (08:00 UTC in winter, 07:00 UTC in summer);
- a slot whose wall-clock start does not exist (the hour skipped in spring) is not offered;
- a wall-clock start that happens twice (the hour repeated in autumn) is offered once, at its first
  occurrence (`fold=0`), so a partner never sees two slots with the same label;
- a slot lasts `slot_minutes` of real time, whatever the clock does meanwhile.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

UTC = timezone.utc


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 = Monday
    start_minute: int  # minutes after local midnight
    end_minute: int


@dataclass(frozen=True)
class Rules:
    """Everything about a manager's availability that decides which slots exist."""

    zone: str
    slot_minutes: int
    windows: tuple[Window, ...]
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    min_notice_hours: int = 0
    horizon_days: int = 60
    days_off: tuple[tuple[date, date], ...] = field(default_factory=tuple)  # inclusive ranges, local dates


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def local_start(day: date, minute: int, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of wall-clock `minute` on `day` in `zone`; None when that time does not exist."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=zone)  # fold=0: the first of two repeated times
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None  # skipped by a spring-forward change
    return instant


def _merged_busy(busy: Iterable[tuple[datetime, datetime]], before: timedelta, after: timedelta):
    """Busy intervals padded by the buffers, sorted and merged: (starts, ends) lists."""
    padded = sorted((start - before, end + after) for start, end in busy)
    starts: list[datetime] = []
    ends: list[datetime] = []
    for start, end in padded:
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def compute_slots(rules: Rules, busy: Iterable[tuple[datetime, datetime]], now: datetime) -> list[Slot]:
    """Free slots from `now` (plus the minimum notice) to the horizon, sorted, in UTC.

    `busy` are the manager's existing calls and sessions (UTC start, end). Every meeting keeps its
    buffers: a slot is free when its padded time does not touch another meeting's padded time.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(rules.zone)
    length = timedelta(minutes=rules.slot_minutes)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    earliest = now + timedelta(hours=rules.min_notice_hours)
    latest = now + timedelta(days=rules.horizon_days)
    busy_starts, busy_ends = _merged_busy(busy, before, after)

    by_weekday: dict[int, list[Window]] = {}
    for window in rules.windows:
        by_weekday.setdefault(window.weekday, []).append(window)
    for windows in by_weekday.values():
        windows.sort(key=lambda w: w.start_minute)

    first_day = earliest.astimezone(zone).date()
    last_day = latest.astimezone(zone).date()
    off: set[date] = set()
    for first, last in rules.days_off:
        day = max(first, first_day)
        while day <= min(last, last_day):
            off.add(day)
            day += timedelta(days=1)

    slots: list[Slot] = []
    seen: set[datetime] = set()
    step = rules.slot_minutes
    n_busy = len(busy_starts)
    day = first_day
    while day <= last_day:
        if day not in off:
            midnight = datetime(day.year, day.month, day.day)
            for window in by_weekday.get(day.weekday(), ()):
                last_start = window.end_minute - step
                if last_start < window.start_minute:
                    continue
                first_wall = midnight + timedelta(minutes=window.start_minute)
                last_wall = midnight + timedelta(minutes=last_start)
                offset = first_wall.replace(tzinfo=zone).utcoffset()
                # No clock change inside this window (nearly always): one offset serves every slot.
                steady = offset == last_wall.replace(tzinfo=zone).utcoffset() and offset == (
                    last_wall.replace(tzinfo=zone, fold=1).utcoffset()) and offset == (
                    first_wall.replace(tzinfo=zone, fold=1).utcoffset())
                base = (first_wall - offset).replace(tzinfo=UTC) if steady else None
                i = 0  # index into the merged busy intervals, moving forward with the slots
                previous_end = None  # when the clocks go forward, a wall-clock step can overlap
                for minute in range(window.start_minute, last_start + 1, step):
                    if steady:
                        start = base + timedelta(minutes=minute - window.start_minute)
                    else:
                        start = local_start(day, minute, zone)
                        if start is None or start in seen or (previous_end and start < previous_end):
                            continue
                        previous_end = start + length
                    if start < earliest or start > latest:
                        continue
                    end = start + length
                    if n_busy:
                        # The last merged busy interval that starts before our padded end.
                        i = bisect_left(busy_starts, end + after, i if steady else 0) - 1
                        if i >= 0 and busy_ends[i] > start - before:
                            continue
                        i = max(i, 0)
                    if not steady:
                        seen.add(start)
                    slots.append(Slot(start, end))
        day += timedelta(days=1)
    slots.sort()
    return slots


def is_offered(rules: Rules, busy: Iterable[tuple[datetime, datetime]], now: datetime, starts_at: datetime) -> Slot | None:
    """The slot starting at `starts_at` if it is free right now (the server's check on submit)."""
    for slot in compute_slots(rules, busy, now):
        if slot.starts_at == starts_at:
            return slot
    return None


def group_by_day(slots: Iterable[Slot], zone: str) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by calendar day in the viewer's `zone` (which may differ from the manager's)."""
    tz = ZoneInfo(zone)
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.starts_at.astimezone(tz).date(), []).append(slot)
    return sorted(days.items())
