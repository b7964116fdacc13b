"""Check-in planning: dates from the tier's rhythm, moved off weekends and days off, never drifting."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.checkins.planning import (
    KIND_CHECKIN,
    KIND_QBR,
    add_months,
    is_working_day,
    next_working_day,
    plan_dates,
    week_bounds,
    working_days_before,
)


def test_monthly_plan_for_a_year_moves_weekends_to_monday():
    plan = plan_dates(date(2026, 1, 31), 1, False)
    assert [p.due_on for p in plan][:3] == [date(2026, 3, 2), date(2026, 3, 31), date(2026, 4, 30)]
    assert plan[0].nominal_on == date(2026, 2, 28)  # 31 Jan + 1 month, clamped, was a Saturday
    assert len(plan) == 12 and plan[-1].nominal_on == date(2027, 1, 31)
    assert {p.kind for p in plan} == {KIND_CHECKIN}


def test_quarterly_plan_gives_four_dates():
    plan = plan_dates(date(2026, 11, 23), 3, False)
    assert [p.nominal_on for p in plan] == [date(2027, 2, 23), date(2027, 5, 23), date(2027, 8, 23), date(2027, 11, 23)]
    assert plan[1].due_on == date(2027, 5, 24)  # Sunday -> Monday


def test_platinum_gets_a_quarterly_business_review_in_place_of_every_third_check_in():
    plan = plan_dates(date(2026, 11, 23), 1, True)
    kinds = [p.kind for p in plan]
    assert len(plan) == 12
    assert [i for i, kind in enumerate(kinds) if kind == KIND_QBR] == [2, 5, 8, 11]


def test_days_off_and_holidays_push_to_the_next_working_day():
    christmas = {date(2026, 12, 25), date(2026, 12, 28)}
    plan = plan_dates(date(2026, 11, 25), 1, False, days_off=christmas)
    assert plan[0].nominal_on == date(2026, 12, 25) and plan[0].due_on == date(2026, 12, 29)


def test_start_drops_dates_before_it():
    plan = plan_dates(date(2026, 1, 15), 1, False, start=date(2026, 6, 1), until=date(2027, 6, 1))
    assert plan[0].nominal_on == date(2026, 6, 15) and plan[-1].nominal_on == date(2027, 5, 15)


def test_working_days_before_skips_the_weekend():
    assert working_days_before(date(2026, 11, 24), 2) == date(2026, 11, 20)  # Tuesday -> Friday
    assert working_days_before(date(2026, 11, 26), 2) == date(2026, 11, 24)


def test_week_bounds():
    assert week_bounds(date(2026, 11, 25)) == (date(2026, 11, 23), date(2026, 11, 29))


def test_cadence_must_be_positive():
    with pytest.raises(ValueError):
        plan_dates(date(2026, 1, 1), 0, False)


anchors = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
cadences = st.sampled_from([1, 2, 3, 6, 12])
days_off_sets = st.frozensets(st.dates(min_value=date(2020, 1, 1), max_value=date(2037, 12, 31)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(anchors, cadences, st.booleans(), days_off_sets)
def test_every_due_date_is_a_working_day_on_or_after_its_nominal_date(anchor, cadence, qbr, days_off):
    plan = plan_dates(anchor, cadence, qbr, days_off=days_off)
    for item in plan:
        assert is_working_day(item.due_on, days_off)
        assert item.nominal_on <= item.due_on
        # Only non-working days lie between the nominal and the due date.
        day = item.nominal_on
        while day < item.due_on:
            assert not is_working_day(day, days_off)
            day += timedelta(days=1)
    assert len({p.due_on for p in plan}) == len(plan)  # never two meetings on one day


@settings(max_examples=300, deadline=None)
@given(anchors, cadences, st.booleans())
def test_the_plan_covers_twelve_months_without_drift(anchor, cadence, qbr):
    plan = plan_dates(anchor, cadence, qbr)
    checkins = [p for p in plan if p.kind == KIND_CHECKIN]
    expected_regular = [add_months(anchor, m) for m in range(cadence, 13, cadence) if not (qbr and m % 3 == 0)]
    assert [p.nominal_on for p in checkins] == expected_regular
    if qbr:
        assert [p.nominal_on for p in plan if p.kind == KIND_QBR] == [add_months(anchor, m) for m in (3, 6, 9, 12)]
    assert plan == sorted(plan)
    assert all(anchor < p.due_on for p in plan)


@settings(max_examples=200, deadline=None)
@given(anchors, st.integers(min_value=0, max_value=200))
def test_add_months_stays_in_the_target_month_and_never_overshoots(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


@settings(max_examples=200, deadline=None)
@given(anchors, st.integers(min_value=1, max_value=10), days_off_sets)
def test_working_days_before_counts_working_days(day, count, days_off):
    earlier = working_days_before(day, count, days_off)
    assert is_working_day(earlier, days_off)
    between = [earlier + timedelta(days=i) for i in range(1, (day - earlier).days)]
    assert sum(is_working_day(d, days_off) for d in between) == count - 1
    assert next_working_day(earlier, days_off) == earlier
