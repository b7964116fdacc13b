"""The slot rules, one example each, and the property the other tests lacked: every valid slot is offered.

tests/bookings/test_slots.py checks that what is offered is valid; these pin down what must not go
missing: the slot exactly at the notice boundary and exactly at the horizon, the first day counted in the
manager's zone, the slots before a call on a clock-change day, and windows after a too-short window.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.bookings.slots import Rules, Slot, Window, compute_slots

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def labels(slots, zone, day=None):
    """Wall-clock starts in `zone` ("HH:MM"), optionally only those on local `day`."""
    return [s.starts_at.astimezone(zone).strftime("%H:%M") for s in slots
            if day is None or s.starts_at.astimezone(zone).date() == day]


def every_day(start_minute, end_minute):
    return tuple(Window(d, start_minute, end_minute) for d in range(7))


def test_a_slot_exactly_at_the_notice_boundary_is_offered():
    # Monday 1 June 2026, 09:00 Berlin; one hour's notice ends at 10:00 Berlin, a slot start.
    now = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=every_day(9 * 60, 12 * 60),
                  min_notice_hours=1, horizon_days=1)
    slots = compute_slots(rules, [], now)
    assert slots[0].starts_at == now + timedelta(hours=1)
    assert labels(slots, BERLIN, date(2026, 6, 1)) == ["10:00", "10:30", "11:00", "11:30"]


def test_a_slot_exactly_at_the_horizon_is_offered():
    # The horizon of one day ends Tuesday 09:00 Berlin: that slot is the last one offered.
    now = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=every_day(9 * 60, 12 * 60), horizon_days=1)
    slots = compute_slots(rules, [], now)
    assert slots[-1].starts_at == now + timedelta(days=1)
    assert labels(slots, BERLIN, date(2026, 6, 2)) == ["09:00"]


def test_a_new_york_manager_on_sunday_night_keeps_that_evenings_slots():
    # Sunday 7 June 2026 at 21:00 in New York is already Monday 01:00 UTC: the first day to offer is
    # still Sunday in the manager's zone, so the 21:30-23:00 window that evening is bookable.
    now = datetime(2026, 6, 8, 1, 0, tzinfo=UTC)
    sunday_evening = Window(6, 21 * 60 + 30, 23 * 60)
    monday_morning = Window(0, 9 * 60, 10 * 60)
    rules = Rules(zone="America/New_York", slot_minutes=30, windows=(sunday_evening, monday_morning), horizon_days=2)
    slots = compute_slots(rules, [], now)
    assert labels(slots, NEW_YORK, date(2026, 6, 7)) == ["21:30", "22:00", "22:30"]
    assert labels(slots, NEW_YORK, date(2026, 6, 8)) == ["09:00", "09:30"]


def test_the_last_day_is_counted_in_the_managers_zone_too():
    # Monday 1 June 2026 at 21:00 UTC is Tuesday 09:00 in Auckland (UTC+12). A one-day horizon ends on
    # Wednesday 09:00 in Auckland, still Tuesday in UTC: Wednesday's slots up to 09:00 are bookable.
    now = datetime(2026, 6, 1, 21, 0, tzinfo=UTC)
    rules = Rules(zone="Pacific/Auckland", slot_minutes=30, windows=every_day(8 * 60, 10 * 60), horizon_days=1)
    slots = compute_slots(rules, [], now)
    assert labels(slots, AUCKLAND, date(2026, 6, 3)) == ["08:00", "08:30", "09:00"]


def test_on_a_clock_change_day_a_busy_call_only_removes_its_own_slot():
    # Sunday 29 March 2026: Berlin skips 02:00-03:00. A call at 04:00 (02:00 UTC) must not take the
    # slots before it with it.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    call = (datetime(2026, 3, 29, 2, 0, tzinfo=UTC), datetime(2026, 3, 29, 2, 30, tzinfo=UTC))
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=(Window(6, 60, 5 * 60),), horizon_days=2)
    assert labels(compute_slots(rules, [], now), BERLIN) == ["01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert labels(compute_slots(rules, [call], now), BERLIN) == ["01:00", "01:30", "03:00", "03:30", "04:30"]


def test_on_a_clock_change_day_two_calls_each_remove_only_their_own_slot():
    # Sunday 25 October 2026: Berlin repeats 02:00-03:00; the window runs on the wall clock.
    now = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    early = (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 0, tzinfo=UTC))  # 01:30 CEST
    late = (datetime(2026, 10, 25, 3, 0, tzinfo=UTC), datetime(2026, 10, 25, 3, 30, tzinfo=UTC))  # 04:00 CET
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=(Window(6, 60, 5 * 60),), horizon_days=2)
    assert labels(compute_slots(rules, [late, early], now), BERLIN) == [
        "01:00", "02:00", "02:30", "03:00", "03:30", "04:30"]


def test_a_window_ending_in_the_skipped_hour_offers_nothing_after_the_clocks_jump():
    # Sunday 29 March 2026 in Berlin the clocks jump from 02:00 to 03:00. A 00:00-02:30 window's last slot
    # would start at 02:00, which does not exist: it is left out, not moved to 03:00 (after the window ends).
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=(Window(6, 0, 2 * 60 + 30),), horizon_days=2)
    assert labels(compute_slots(rules, [], now), BERLIN) == ["00:00", "00:30", "01:00", "01:30"]


def test_a_window_shorter_than_one_slot_does_not_hide_the_later_windows_that_day():
    now = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # Monday
    windows = (Window(0, 8 * 60, 8 * 60 + 20), Window(0, 10 * 60, 11 * 60), Window(0, 14 * 60, 14 * 60 + 30))
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=windows, horizon_days=1)
    assert labels(compute_slots(rules, [], now), BERLIN) == ["10:00", "10:30", "14:00"]


def test_a_window_exactly_one_slot_long_offers_that_slot():
    now = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    rules = Rules(zone="Europe/Berlin", slot_minutes=45, windows=(Window(0, 9 * 60, 9 * 60 + 45),), horizon_days=1)
    assert compute_slots(rules, [], now) == [
        Slot(datetime(2026, 6, 1, 7, 0, tzinfo=UTC), datetime(2026, 6, 1, 7, 45, tzinfo=UTC))]


def test_buffers_are_measured_from_both_sides_and_a_slot_may_touch_them():
    # A 10:00-10:30 call with 15 minutes before and 15 after every meeting: a slot must end 30 minutes
    # before the call starts (its own 15 after + the call's 15 before), and start 30 minutes after it ends.
    now = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    call = (datetime(2026, 6, 1, 8, 0, tzinfo=UTC), datetime(2026, 6, 1, 8, 30, tzinfo=UTC))
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=(Window(0, 8 * 60, 12 * 60),), horizon_days=1,
                  buffer_before_minutes=15, buffer_after_minutes=15)
    assert labels(compute_slots(rules, [call], now), BERLIN) == ["08:00", "08:30", "09:00", "11:00", "11:30"]
    # Two calls close together act as one busy stretch, whichever order they come in.
    second = (datetime(2026, 6, 1, 8, 40, tzinfo=UTC), datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert labels(compute_slots(rules, [second, call], now), BERLIN) == ["08:00", "08:30", "09:00", "11:30"]


def test_days_off_are_local_dates_and_inclusive():
    now = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # Monday
    rules = Rules(zone="Europe/Berlin", slot_minutes=60, windows=every_day(9 * 60, 10 * 60), horizon_days=6,
                  days_off=((date(2026, 6, 2), date(2026, 6, 3)), (date(2026, 6, 5), date(2026, 6, 5))))
    days = [s.starts_at.astimezone(BERLIN).date().day for s in compute_slots(rules, [], now)]
    assert days == [1, 4, 6]


def test_naive_now_is_refused():
    rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=every_day(9 * 60, 10 * 60))
    try:
        compute_slots(rules, [], datetime(2026, 6, 1, 9, 0))
    except ValueError as error:
        assert str(error) == "now must be timezone-aware"
    else:
        raise AssertionError("a naive `now` must be refused")


# -- every valid slot is offered: a brute-force reference against compute_slots ------------------------

def reference_slots(rules: Rules, busy, now: datetime) -> list[Slot]:
    """The rules read literally, minute by minute, with no shortcuts: what compute_slots must return."""
    zone = ZoneInfo(rules.zone)
    length = timedelta(minutes=rules.slot_minutes)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    earliest = now + timedelta(hours=rules.min_notice_hours)
    latest = now + timedelta(days=rules.horizon_days)
    off = set()
    for first, last in rules.days_off:
        off.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    found = []
    day = earliest.astimezone(zone).date() - timedelta(days=1)
    while day <= latest.astimezone(zone).date() + timedelta(days=1):
        for window in rules.windows:
            if window.weekday != day.weekday() or day in off:
                continue
            previous_end = None
            minute = window.start_minute
            while minute + rules.slot_minutes <= window.end_minute:
                wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
                minute += rules.slot_minutes
                start = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of a repeated time
                if start.astimezone(zone).replace(tzinfo=None) != wall:
                    continue  # skipped by the clocks going forward
                if previous_end is not None and start < previous_end:
                    continue  # would overlap the slot before it (clocks went forward inside the window)
                previous_end = start + length
                if not earliest <= start <= latest:
                    continue
                if all(start + length + after <= b_start - before or start - before >= b_end + after
                       for b_start, b_end in busy):
                    found.append(Slot(start, start + length))
        day += timedelta(days=1)
    return sorted(found)


ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Sao_Paulo", "Australia/Sydney",
         "Asia/Kolkata", "Pacific/Auckland", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham",
         "Australia/Lord_Howe", "UTC"]


@st.composite
def day_windows(draw, weekday):
    """Non-overlapping windows on one weekday (the service refuses overlaps), some shorter than a slot."""
    cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=2, max_size=6)))
    return [Window(weekday, a * 15, b * 15) for a, b in zip(cuts[::2], cuts[1::2])]


@st.composite
def situations(draw):
    zone = draw(st.sampled_from(ZONES))
    slot = draw(st.sampled_from([15, 20, 30, 45, 60, 90]))
    windows = []
    for weekday in draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)):
        windows += draw(day_windows(weekday))
    # Near the clock changes half of the time, anywhere in 2025-2030 otherwise.
    switch = draw(st.sampled_from([datetime(2026, 3, 28), datetime(2026, 10, 24), datetime(2026, 4, 4),
                                   datetime(2026, 9, 26), datetime(2026, 11, 1)]))
    near = switch + timedelta(minutes=draw(st.integers(-3 * 1440, 2 * 1440)))
    anywhere = draw(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)))
    now = draw(st.sampled_from([near, anywhere])).replace(tzinfo=UTC)
    horizon = draw(st.integers(1, 10))
    local_today = now.astimezone(ZoneInfo(zone)).date()
    days_off = tuple(
        (local_today + timedelta(days=a), local_today + timedelta(days=a + n))
        for a, n in draw(st.lists(st.tuples(st.integers(-2, horizon + 1), st.integers(0, 2)), max_size=2)))
    rules = Rules(
        zone=zone, slot_minutes=slot, windows=tuple(windows),
        buffer_before_minutes=draw(st.sampled_from([0, 5, 15])), buffer_after_minutes=draw(st.sampled_from([0, 10])),
        min_notice_hours=draw(st.integers(0, 48)), horizon_days=horizon, days_off=days_off,
    )
    busy = []
    for offset, minutes in draw(st.lists(st.tuples(st.integers(0, horizon * 96), st.sampled_from([15, 30, 45, 60, 120])),
                                         max_size=6)):
        start = now + timedelta(minutes=offset * 15)
        busy.append((start, start + timedelta(minutes=minutes)))
    return rules, busy, now


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situation=situations())
def test_every_valid_slot_is_offered_and_nothing_else(situation):
    rules, busy, now = situation
    assert compute_slots(rules, busy, now) == reference_slots(rules, busy, now)


def test_slots_are_utc_even_when_the_servers_own_zone_is_not(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # the Berlin clock-change night is computed slot by slot
        rules = Rules(zone="Europe/Berlin", slot_minutes=30, windows=(Window(6, 60, 5 * 60),), horizon_days=2)
        slots = compute_slots(rules, [], now)
        assert slots and all(s.starts_at.tzinfo is UTC and s.ends_at.tzinfo is UTC for s in slots)
    finally:
        monkeypatch.undo()
        time.tzset()
