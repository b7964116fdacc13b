"""The slot engine: windows in the manager's zone -> UTC slots, across daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.bookings.slots import Rules, Window, compute_slots, group_by_day, is_offered, local_start

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def weekdays(start_minute, end_minute):
    return tuple(Window(d, start_minute, end_minute) for d in range(7))


def rules(**overrides) -> Rules:
    values = dict(zone="Europe/Berlin", slot_minutes=30, windows=weekdays(9 * 60, 12 * 60), horizon_days=60)
    values.update(overrides)
    return Rules(**values)


def test_berlin_nine_oclock_stays_nine_across_both_switches():
    # 2026: summer time starts 29 March, ends 25 October.
    now = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)
    slots = compute_slots(rules(windows=weekdays(9 * 60, 9 * 60 + 30), horizon_days=230), [], now)
    by_day = {s.starts_at.astimezone(BERLIN).date(): s for s in slots}
    assert by_day[date(2026, 3, 28)].starts_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # CET
    assert by_day[date(2026, 3, 30)].starts_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # CEST
    assert by_day[date(2026, 10, 24)].starts_at == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)
    assert by_day[date(2026, 10, 26)].starts_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert {s.starts_at.astimezone(BERLIN).strftime("%H:%M") for s in slots} == {"09:00"}


def test_skipped_hour_is_not_offered_and_repeated_hour_is_offered_once():
    night = weekdays(60, 4 * 60)  # 01:00-04:00 local
    spring = compute_slots(rules(windows=night, horizon_days=3), [], datetime(2026, 3, 28, 12, tzinfo=UTC))
    labels = [s.starts_at.astimezone(BERLIN).strftime("%H:%M") for s in spring
              if s.starts_at.astimezone(BERLIN).date() == date(2026, 3, 29)]
    assert labels == ["01:00", "01:30", "03:00", "03:30"]  # 02:00-02:59 does not exist that night
    autumn = compute_slots(rules(windows=night, horizon_days=3), [], datetime(2026, 10, 24, 12, tzinfo=UTC))
    day = [s for s in autumn if s.starts_at.astimezone(BERLIN).date() == date(2026, 10, 25)]
    labels = [s.starts_at.astimezone(BERLIN).strftime("%H:%M") for s in day]
    assert labels == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    # 02:00 is its first occurrence (still summer time, UTC+2).
    assert day[2].starts_at == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert all(b.starts_at >= a.ends_at for a, b in zip(day, day[1:]))


def test_notice_horizon_past_and_days_off():
    now = datetime(2026, 6, 1, 8, 15, tzinfo=UTC)  # Monday 10:15 Berlin
    slots = compute_slots(rules(min_notice_hours=24, horizon_days=7,
                                days_off=((date(2026, 6, 3), date(2026, 6, 4)),)), [], now)
    assert slots[0].starts_at >= now + timedelta(hours=24)
    assert slots[0].starts_at == datetime(2026, 6, 2, 8, 30, tzinfo=UTC)  # Tuesday 10:30 Berlin
    assert slots[-1].starts_at <= now + timedelta(days=7)
    days = {s.starts_at.astimezone(BERLIN).date() for s in slots}
    assert date(2026, 6, 3) not in days and date(2026, 6, 4) not in days and date(2026, 6, 5) in days


def test_buffers_keep_space_around_existing_calls():
    now = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    call = (datetime(2026, 6, 2, 8, 0, tzinfo=UTC), datetime(2026, 6, 2, 8, 30, tzinfo=UTC))  # 10:00 Berlin
    plain = compute_slots(rules(horizon_days=2), [call], now)
    buffered = compute_slots(rules(horizon_days=2, buffer_before_minutes=10, buffer_after_minutes=5), [call], now)
    on_day = lambda slots: [s.starts_at.astimezone(BERLIN).strftime("%H:%M") for s in slots  # noqa: E731
                            if s.starts_at.astimezone(BERLIN).date() == date(2026, 6, 2)]
    assert on_day(plain) == ["09:00", "09:30", "10:30", "11:00", "11:30"]
    assert on_day(buffered) == ["09:00", "11:00", "11:30"]


def test_is_offered_and_grouping_in_the_viewers_zone():
    now = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    r = rules(horizon_days=3)
    slots = compute_slots(r, [], now)
    assert is_offered(r, [], now, slots[0].starts_at) == slots[0]
    assert is_offered(r, [], now, slots[0].starts_at + timedelta(minutes=5)) is None
    # Berlin 09:00-12:00 is 16:00-19:00 in Tokyo: still one day each; in Honolulu it is the day before.
    honolulu = group_by_day(slots, "Pacific/Honolulu")
    assert honolulu[0][0] == date(2026, 5, 31) and len(honolulu[0][1]) == 6


ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Sao_Paulo", "Australia/Sydney",
         "Asia/Kolkata", "Pacific/Auckland", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham", "UTC"]


@st.composite
def availability(draw):
    zone = draw(st.sampled_from(ZONES))
    slot = draw(st.sampled_from([15, 20, 30, 45, 60, 90, 120]))
    windows = []
    for weekday in draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)):
        start = draw(st.integers(0, 23 * 60 - slot))
        end = draw(st.integers(start + slot, min(24 * 60, start + 8 * 60)))
        windows.append(Window(weekday, start, end))
    return Rules(
        zone=zone, slot_minutes=slot, windows=tuple(windows),
        buffer_before_minutes=draw(st.sampled_from([0, 5, 15])),
        buffer_after_minutes=draw(st.sampled_from([0, 10])),
        min_notice_hours=draw(st.integers(0, 72)), horizon_days=draw(st.integers(1, 21)),
    )


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=availability(), now=moments)
def test_every_slot_is_inside_a_window_in_the_managers_zone(rules, now):
    zone = ZoneInfo(rules.zone)
    slots = compute_slots(rules, [], now)
    assert slots == sorted(slots)
    for slot in slots:
        assert slot.starts_at.tzinfo is not None and slot.starts_at.utcoffset() == timedelta(0)
        assert slot.ends_at - slot.starts_at == timedelta(minutes=rules.slot_minutes)
        assert now + timedelta(hours=rules.min_notice_hours) <= slot.starts_at <= now + timedelta(days=rules.horizon_days)
        local = slot.starts_at.astimezone(zone)
        minute = local.hour * 60 + local.minute
        # The wall-clock start exists, is the first of any repeat, and lies on the window grid.
        assert local_start(local.date(), minute, zone) == slot.starts_at
        assert any(w.weekday == local.weekday() and w.start_minute <= minute
                   and minute + rules.slot_minutes <= w.end_minute
                   and (minute - w.start_minute) % rules.slot_minutes == 0 for w in rules.windows)
    # Each wall-clock label is offered at most once.
    labels = [s.starts_at.astimezone(zone).replace(tzinfo=None) for s in slots]
    assert len(labels) == len(set(labels))


@settings(max_examples=100, deadline=None)
@given(rules=availability(), now=moments, data=st.data())
def test_no_slot_touches_a_busy_call_within_the_buffers(rules, now, data):
    free = compute_slots(rules, [], now)
    if not free:
        return
    taken = data.draw(st.lists(st.sampled_from(free), max_size=6, unique=True))
    busy = [(s.starts_at, s.ends_at) for s in taken]
    slots = compute_slots(rules, busy, now)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    assert set(slots) <= set(free)
    for slot in slots:
        for start, end in busy:
            assert slot.ends_at + after <= start - before or slot.starts_at - before >= end + after
    # Without buffers, exactly the taken slots disappear.
    if not rules.buffer_before_minutes and not rules.buffer_after_minutes:
        assert set(slots) == set(free) - set(taken)


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
       minute=st.integers(0, 24 * 60 - 1))
def test_local_start_round_trips_or_reports_a_gap(zone, day, minute):
    tz = ZoneInfo(zone)
    instant = local_start(day, minute, tz)
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    if instant is None:
        # Only a wall time skipped by a forward change is missing.
        assert wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall
    else:
        assert instant.astimezone(tz).replace(tzinfo=None) == wall
        assert instant <= wall.replace(tzinfo=tz, fold=1).astimezone(UTC)


def test_spring_forward_window_never_offers_overlapping_slots():
    # Found by hypothesis: London, Sunday 30 March 2025, window 00:30-02:45 local, 45-minute slots.
    # 00:30 GMT runs to 01:15 UTC (02:15 BST), so the 02:00 BST wall-clock slot would overlap it.
    rules = Rules(zone="Europe/London", slot_minutes=45, windows=(Window(weekday=6, start_minute=30, end_minute=165),),
                  buffer_before_minutes=0, buffer_after_minutes=0, min_notice_hours=0, horizon_days=1, days_off=())
    slots = compute_slots(rules, [], datetime(2025, 3, 29, 1, 0, tzinfo=UTC))
    assert [s.starts_at.hour * 60 + s.starts_at.minute for s in slots] == [30]
    assert all(a.ends_at <= b.starts_at for a, b in zip(slots, slots[1:]))
