"""The slot picker's shape: a month of days (those with free times are links), then one day's times.

Pure functions over already computed slots, so the kickoff and the check-in booking pages share them.
A day comes from the URL (`?day=2026-12-03`); a value that is not a date, or a day without free times,
falls back to the first day that has some, so a stale or hand-edited link never breaks the page.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lms.bookings.slots import Slot, group_by_day

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class PickerSlot:
    slot: Slot
    change_deadline: datetime  # until when the partner could move or cancel it once booked


@dataclass(frozen=True)
class Picker:
    month: date  # first day of the month shown
    weeks: list[list[date | None]]  # Monday-first rows; None pads days of other months
    free_days: dict[date, int]  # day -> number of free times, all months
    day: date | None  # the day whose times are listed
    times: list[PickerSlot]
    previous_month_day: date | None  # first free day of the month before, for the navigation link
    next_month_day: date | None
    weekday_names = WEEKDAY_NAMES
    weekday_long = WEEKDAY_LONG

    @property
    def has_times(self) -> bool:
        return bool(self.free_days)


def parse_day(value: str | None) -> date | None:
    """`YYYY-MM-DD` from the query string, or None for anything else (never raises)."""
    if not value or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def build_picker(slots: list[Slot], zone: str, wanted: date | None, notice: timedelta, *,
                 now: datetime, default: date | None = None) -> Picker:
    """The month around `wanted` (or the first free day from `default` on) and that day's times in `zone`.

    A slot whose change window (start minus `notice`) has already closed is not offered."""
    slots = [slot for slot in slots if slot.starts_at - notice > now]
    days = dict(group_by_day(slots, zone))
    free_days = {day: len(times) for day, times in days.items()}
    ordered = sorted(days)
    later = [d for d in ordered if default is None or d >= default]
    day = wanted if wanted in days else (later[0] if later else (ordered[0] if ordered else None))
    month = (day or datetime.now(ZoneInfo(zone)).date()).replace(day=1)
    weeks = [list(week) for week in calendar.Calendar().monthdatescalendar(month.year, month.month)]
    weeks = [[d if d.month == month.month else None for d in week] for week in weeks]
    before = [d for d in ordered if d < month]
    after = [d for d in ordered if (d.year, d.month) > (month.year, month.month)]
    previous_month_day = next((d for d in before if (d.year, d.month) == (before[-1].year, before[-1].month)), None) \
        if before else None
    times = [PickerSlot(slot, slot.starts_at - notice) for slot in days.get(day, [])] if day else []
    return Picker(month=month, weeks=weeks, free_days=free_days, day=day, times=times,
                  previous_month_day=previous_month_day, next_month_day=after[0] if after else None)
