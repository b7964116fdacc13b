"""SLA rules by example: the manager's zone (not the server's clock), holidays, and the edges of the day.

The server runs on UTC; a request arrives as a UTC moment. Business hours are 09:00-17:00 on the
manager's wall clock, so a Berlin manager in June (UTC+2) opens at 07:00 UTC.
"""

import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lms.checkins.sla import (
    business_deadline,
    business_hours_text,
    business_time_between,
    is_business_day,
    sla_deadline,
    wallclock_deadline,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
CHRISTMAS_2026 = {date(2026, 12, 25), date(2026, 12, 28)}  # Friday, and the Monday substitute for Boxing Day


def test_a_berlin_manager_in_june_counts_from_nine_berlin_time_not_nine_utc():
    # Tuesday 9 June 2026, 06:00 UTC = 08:00 in Berlin: the day opens at 09:00 Berlin (07:00 UTC).
    arrived = datetime(2026, 6, 9, 6, 0, tzinfo=UTC)
    due = sla_deadline("business", 4, arrived, BERLIN)
    assert due == datetime(2026, 6, 9, 11, 0, tzinfo=UTC)  # 13:00 Berlin, not 13:00 UTC
    assert due.astimezone(BERLIN).strftime("%H:%M") == "13:00"


def test_a_berlin_manager_in_june_closes_at_five_berlin_time():
    # 15:30 UTC is 17:30 in Berlin: the day is over there, so 2 hours run Wednesday 09:00-11:00 Berlin.
    arrived = datetime(2026, 6, 9, 15, 30, tzinfo=UTC)
    assert sla_deadline("business", 2, arrived, BERLIN) == datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    # Business time elapsed is counted on the same Berlin clock: Tuesday 16:00-17:00 Berlin is one hour.
    assert business_time_between(datetime(2026, 6, 9, 14, 0, tzinfo=UTC), arrived, BERLIN) == timedelta(hours=1)


def test_business_time_over_christmas_leaves_out_the_holidays():
    # Thursday 24 December 16:00 to Tuesday 29 December 12:00 London: one hour on the 24th, three on the
    # 29th; Christmas Day, the weekend and the Boxing Day substitute count nothing.
    start = datetime(2026, 12, 24, 16, 0, tzinfo=LONDON)
    end = datetime(2026, 12, 29, 12, 0, tzinfo=LONDON)
    assert business_time_between(start, end, LONDON, CHRISTMAS_2026) == timedelta(hours=4)
    assert business_time_between(start, end, LONDON) == timedelta(hours=20)  # without holidays: 1 + 8 + 8 + 3


def test_business_time_is_zero_backwards_and_outside_hours():
    start = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
    assert business_time_between(start, start, LONDON) == timedelta(0)
    assert business_time_between(start, start - timedelta(hours=3), LONDON) == timedelta(0)
    saturday, sunday = datetime(2026, 11, 28, 10, 0, tzinfo=LONDON), datetime(2026, 11, 29, 16, 0, tzinfo=LONDON)
    assert business_time_between(saturday, sunday, LONDON) == timedelta(0)
    evening, next_morning = datetime(2026, 11, 24, 17, 0, tzinfo=LONDON), datetime(2026, 11, 25, 9, 0, tzinfo=LONDON)
    assert business_time_between(evening, next_morning, LONDON) == timedelta(0)
    assert business_time_between(evening, next_morning + timedelta(minutes=1), LONDON) == timedelta(minutes=1)


def test_zero_hours_at_five_oclock_is_due_at_once():
    friday_five = datetime(2026, 11, 27, 17, 0, tzinfo=LONDON)
    assert business_deadline(friday_five, 0, LONDON) == friday_five.astimezone(UTC)
    # In Berlin in June, 17:00 is 15:00 UTC.
    berlin_five = datetime(2026, 6, 12, 15, 0, tzinfo=UTC)
    assert business_deadline(berlin_five, 0, BERLIN) == berlin_five


def test_zero_hours_outside_business_hours_is_due_when_the_next_day_opens():
    friday_six = datetime(2026, 11, 27, 18, 0, tzinfo=LONDON)
    assert business_deadline(friday_six, 0, LONDON).astimezone(LONDON) == datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    christmas_eve_five = datetime(2026, 12, 24, 17, 0, tzinfo=LONDON)
    assert business_deadline(christmas_eve_five, 0, LONDON, CHRISTMAS_2026) == christmas_eve_five.astimezone(UTC)
    christmas_day = datetime(2026, 12, 25, 17, 0, tzinfo=LONDON)
    assert business_deadline(christmas_day, 0, LONDON, CHRISTMAS_2026).astimezone(LONDON) == datetime(
        2026, 12, 29, 9, 0, tzinfo=LONDON)


def test_a_full_day_of_hours_ends_at_five_the_same_day():
    monday_nine = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    assert business_deadline(monday_nine, 8, LONDON).astimezone(LONDON) == datetime(2026, 11, 23, 17, 0, tzinfo=LONDON)
    assert business_deadline(monday_nine, 8.5, LONDON).astimezone(LONDON) == datetime(2026, 11, 24, 9, 30, tzinfo=LONDON)


def test_holidays_and_weekends_are_not_business_days():
    assert is_business_day(date(2026, 12, 24), CHRISTMAS_2026)
    assert not is_business_day(date(2026, 12, 25), CHRISTMAS_2026)
    assert is_business_day(date(2026, 12, 25))
    assert not is_business_day(date(2026, 12, 26)) and not is_business_day(date(2026, 12, 27))


def test_no_promise_means_no_deadline():
    start = datetime(2026, 6, 9, 6, 0, tzinfo=UTC)
    assert sla_deadline("none", 4, start, BERLIN) is None
    assert sla_deadline("business", None, start, BERLIN) is None
    assert sla_deadline("always", 0, start, BERLIN) is None


def test_round_the_clock_counts_real_hours_from_any_zone():
    start = datetime(2026, 6, 9, 23, 30, tzinfo=BERLIN)  # 21:30 UTC
    assert sla_deadline("always", 2, start, BERLIN) == datetime(2026, 6, 9, 23, 30, tzinfo=UTC)
    assert wallclock_deadline(start, 2).tzinfo == UTC


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="^hours must not be negative$"):
        business_deadline(datetime(2026, 6, 9, 6, 0, tzinfo=UTC), -1, BERLIN)
    with pytest.raises(ValueError, match="^naive datetime: give a timezone-aware moment$"):
        wallclock_deadline(datetime(2026, 6, 9, 6, 0), 2)
    with pytest.raises(ValueError, match="^naive datetime: give a timezone-aware moment$"):
        business_time_between(datetime(2026, 6, 9, 6, 0), datetime(2026, 6, 9, 8, 0, tzinfo=UTC), BERLIN)
    with pytest.raises(ValueError, match="unknown SLA coverage 'weekly'"):
        sla_deadline("weekly", 2, datetime(2026, 6, 9, 6, 0, tzinfo=UTC), BERLIN)


@pytest.fixture
def server_clock_in_new_york(monkeypatch):
    """The host's own zone (TZ) is not UTC; deadlines must still come back as UTC moments."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_deadlines_are_utc_whatever_the_servers_own_zone(server_clock_in_new_york):
    arrived = datetime(2026, 6, 9, 6, 0, tzinfo=UTC)
    business, always = sla_deadline("business", 4, arrived, BERLIN), sla_deadline("always", 2, arrived, BERLIN)
    assert (business, always) == (datetime(2026, 6, 9, 11, 0, tzinfo=UTC), datetime(2026, 6, 9, 8, 0, tzinfo=UTC))
    assert business.tzinfo is UTC and always.tzinfo is UTC


def test_business_hours_text_names_the_zone():
    assert business_hours_text("Europe/Berlin") == "Monday to Friday 09:00-17:00 Europe/Berlin"
