"""Check-in planning as pure functions: which dates a tier's rhythm gives, moved to working days.

Dates are calendar dates in the manager's time zone. Each due date is counted from the anchor (the
day the kickoff was held): anchor + n x cadence months, clamped to the month's end (31 Jan + 1 month
is 28/29 Feb), then moved off weekends, public holidays and the manager's days off to the next
working day. Counting from the anchor, never from the previous moved date, keeps the rhythm from
drifting later and later.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

WEEKEND = frozenset({5, 6})
HORIZON_MONTHS = 12
QBR_MONTHS = 3

KIND_CHECKIN = "checkin"
KIND_QBR = "qbr"


@dataclass(frozen=True, order=True)
class PlannedDate:
    due_on: date
    kind: str
    nominal_on: date  # the date before it was moved off a non-working day


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the last day of the target month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_working_day(day: date, days_off: Collection[date] = ()) -> bool:
    return day.weekday() not in WEEKEND and day not in days_off


def next_working_day(day: date, days_off: Collection[date] = ()) -> date:
    """`day` itself when it is a working day, otherwise the first working day after it."""
    for _ in range(3660):  # ten years of days off would be a data error, not a plan
        if is_working_day(day, days_off):
            return day
        day += timedelta(days=1)
    raise ValueError("no working day within ten years")


def working_days_before(day: date, count: int, days_off: Collection[date] = ()) -> date:
    """The working day `count` working days before `day` (Tuesday -> Friday for 2 before a Tuesday)."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day, days_off):
            count -= 1
    return day


def week_bounds(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week that contains `today`."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def plan_dates(
    anchor: date,
    cadence_months: int,
    quarterly_review: bool,
    *,
    start: date | None = None,
    until: date | None = None,
    days_off: Collection[date] = (),
) -> list[PlannedDate]:
    """Due dates for a rhythm counted from `anchor`, due on or after `start` and nominally up to `until`.

    `until` defaults to anchor + 12 months. With `quarterly_review`, every third month's date is a
    quarterly business review (QBR) that takes the place of that month's regular check-in: one longer
    meeting, not two on the same day.
    """
    if cadence_months < 1:
        raise ValueError("cadence must be at least one month")
    until = until or add_months(anchor, HORIZON_MONTHS)
    start = start or anchor
    kinds: dict[int, str] = {}  # months after the anchor -> kind
    months = cadence_months
    while add_months(anchor, months) <= until:
        kinds[months] = KIND_CHECKIN
        months += cadence_months
    if quarterly_review:
        months = QBR_MONTHS
        while add_months(anchor, months) <= until:
            kinds[months] = KIND_QBR
            months += QBR_MONTHS
    plan, taken = [], set()
    for months, kind in sorted(kinds.items()):
        nominal = add_months(anchor, months)
        due = next_working_day(nominal, days_off)
        # A long run of days off can push two dates onto one day: keep one meeting.
        if due >= start and due not in taken:
            taken.add(due)
            plan.append(PlannedDate(due, kind, nominal))
    return sorted(plan)
