"""Business-hours and wall-clock SLA arithmetic, with examples and properties across weekends and DST."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.checkins.sla import (
    DAY_END,
    DAY_START,
    business_deadline,
    business_time_between,
    is_business_day,
    sla_deadline,
    wallclock_deadline,
)

LONDON = ZoneInfo("Europe/London")
ZONES = [
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Australia/Sydney",
    "Pacific/Auckland", "Asia/Kolkata", "Asia/Tokyo", "America/Los_Angeles", "UTC",
]


def local(zone: ZoneInfo, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_friday_afternoon_request_is_due_monday_noon():
    friday_4pm = local(LONDON, 2026, 11, 20, 16, 0)
    due = business_deadline(friday_4pm, 4, LONDON)
    assert due.astimezone(LONDON) == local(LONDON, 2026, 11, 23, 12, 0)
    assert due.tzinfo == timezone.utc


def test_request_before_opening_counts_from_nine():
    assert business_deadline(local(LONDON, 2026, 11, 24, 7, 30), 4, LONDON).astimezone(LONDON) == local(
        LONDON, 2026, 11, 24, 13, 0
    )


def test_request_on_sunday_starts_monday_morning():
    assert business_deadline(local(LONDON, 2026, 11, 22, 15, 0), 4, LONDON).astimezone(LONDON) == local(
        LONDON, 2026, 11, 23, 13, 0
    )


def test_public_holiday_is_skipped():
    christmas_eve_4pm = local(LONDON, 2026, 12, 24, 16, 0)
    holidays = {date(2026, 12, 25), date(2026, 12, 28)}  # Friday, and the Monday substitute for Boxing Day
    due = business_deadline(christmas_eve_4pm, 4, LONDON, holidays)
    assert due.astimezone(LONDON) == local(LONDON, 2026, 12, 29, 12, 0)


def test_business_hours_across_the_spring_forward_weekend():
    # Clocks go forward in London on Sunday 29 March 2026: Friday 15:00 GMT + 4h = Monday 11:00 BST.
    due = business_deadline(local(LONDON, 2026, 3, 27, 15, 0), 4, LONDON)
    assert due.astimezone(LONDON) == local(LONDON, 2026, 3, 30, 11, 0)
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=timezone.utc)


def test_platinum_counts_real_hours_across_the_autumn_change():
    # Clocks go back at 02:00 BST on 25 October 2026: 00:30 BST + 2h is 01:30 GMT, not 02:30.
    start = datetime(2026, 10, 24, 23, 30, tzinfo=timezone.utc)  # 00:30 BST
    due = wallclock_deadline(start, 2)
    assert due - start == timedelta(hours=2)
    assert due.astimezone(LONDON).strftime("%H:%M %Z") == "01:30 GMT"


def test_sla_deadline_by_coverage():
    start = local(LONDON, 2026, 11, 20, 16, 0)
    assert sla_deadline("none", None, start, LONDON) is None
    assert sla_deadline("business", 4, start, LONDON).astimezone(LONDON).hour == 12
    assert sla_deadline("always", 2, start, LONDON) == start + timedelta(hours=2)
    with pytest.raises(ValueError):
        sla_deadline("sometimes", 2, start, LONDON)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        business_deadline(datetime(2026, 11, 20, 16, 0), 4, LONDON)


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(timezone.utc)
)
zones = st.sampled_from(ZONES).map(ZoneInfo)
hours = st.integers(min_value=0, max_value=60)
holiday_sets = st.frozensets(st.dates(min_value=date(2019, 12, 1), max_value=date(2036, 6, 30)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(moments, hours, zones, holiday_sets)
def test_deadline_holds_exactly_the_promised_business_time(start, promised, zone, holidays):
    due = business_deadline(start, promised, zone, holidays)
    assert due >= start
    assert business_time_between(start, due, zone, holidays) == timedelta(hours=promised)


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(min_value=1, max_value=60), zones, holiday_sets)
def test_deadline_falls_inside_business_hours_on_a_business_day(start, promised, zone, holidays):
    wall = business_deadline(start, promised, zone, holidays).astimezone(zone)
    assert is_business_day(wall.date(), holidays)
    assert DAY_START < wall.time() <= DAY_END


@settings(max_examples=200, deadline=None)
@given(moments, hours, hours, zones, holiday_sets)
def test_business_hours_add_up(start, first, second, zone, holidays):
    once = business_deadline(start, first + second, zone, holidays)
    in_two_steps = business_deadline(business_deadline(start, first, zone, holidays), second, zone, holidays)
    assert once == in_two_steps


@settings(max_examples=200, deadline=None)
@given(moments, moments, hours, zones)
def test_a_later_request_is_never_due_earlier(a, b, promised, zone):
    early, late = sorted((a, b))
    assert business_deadline(early, promised, zone) <= business_deadline(late, promised, zone)


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=1, max_value=72), zones)
def test_wallclock_deadline_is_exact_elapsed_time(start, promised, zone):
    due = wallclock_deadline(start.astimezone(zone), promised)
    assert due - start == timedelta(hours=promised)
    assert due.tzinfo == timezone.utc
