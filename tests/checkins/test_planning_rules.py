"""Planning rules by example: the edges of the plan (start, until) and two dates pushed onto one day."""

from datetime import date

import pytest

from lms.checkins.planning import (
    KIND_CHECKIN,
    KIND_QBR,
    PlannedDate,
    add_months,
    is_working_day,
    next_working_day,
    plan_dates,
    week_bounds,
    working_days_before,
)


def days(first: date, last: date) -> set[date]:
    return {date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)}


def test_a_check_in_due_exactly_on_the_start_date_is_kept():
    # Re-planning from Monday 15 June 2026 keeps the check-in due that very day.
    plan = plan_dates(date(2026, 1, 15), 1, False, start=date(2026, 6, 15), until=date(2026, 8, 31))
    assert [p.due_on for p in plan] == [date(2026, 6, 15), date(2026, 7, 15), date(2026, 8, 17)]


def test_the_start_date_counts_the_moved_date_not_the_nominal_one():
    # 15 March 2026 is a Sunday: due Monday the 16th, so starting on the 16th still keeps it.
    plan = plan_dates(date(2026, 1, 15), 1, False, start=date(2026, 3, 16), until=date(2026, 4, 30))
    assert [(p.nominal_on, p.due_on) for p in plan] == [
        (date(2026, 3, 15), date(2026, 3, 16)), (date(2026, 4, 15), date(2026, 4, 15))]


def test_two_dates_pushed_onto_one_day_become_one_meeting():
    # Anchor 15 January; a manager away 16 February to 16 March. February's date (Sunday the 15th) and
    # March's (Sunday the 15th) both move to Tuesday 17 March: the partner gets one check-in that day.
    away = days(date(2026, 2, 16), date(2026, 3, 16))
    plan = plan_dates(date(2026, 1, 15), 1, False, until=date(2026, 5, 31), days_off=away)
    assert plan == [
        PlannedDate(date(2026, 3, 17), KIND_CHECKIN, date(2026, 2, 15)),
        PlannedDate(date(2026, 4, 15), KIND_CHECKIN, date(2026, 4, 15)),
        PlannedDate(date(2026, 5, 15), KIND_CHECKIN, date(2026, 5, 15)),
    ]


def test_the_plan_runs_from_the_first_cadence_to_until_inclusive():
    anchor = date(2026, 1, 14)  # Wednesday
    plan = plan_dates(anchor, 2, False, until=date(2026, 7, 14))
    assert [p.due_on for p in plan] == [date(2026, 3, 16), date(2026, 5, 14), date(2026, 7, 14)]
    assert plan_dates(anchor, 2, False, until=date(2026, 7, 13))[-1].due_on == date(2026, 5, 14)
    # Without `until`: twelve months; without `start`: from the anchor (never the anchor day itself).
    yearly = plan_dates(anchor, 6, False)
    assert [p.nominal_on for p in yearly] == [date(2026, 7, 14), date(2027, 1, 14)]


def test_a_quarterly_review_replaces_that_months_check_in():
    plan = plan_dates(date(2026, 1, 14), 1, True, until=date(2026, 7, 31))
    assert [(p.nominal_on.month, p.kind) for p in plan] == [
        (2, KIND_CHECKIN), (3, KIND_CHECKIN), (4, KIND_QBR), (5, KIND_CHECKIN), (6, KIND_CHECKIN), (7, KIND_QBR)]
    assert [p.kind for p in plan_dates(date(2026, 1, 14), 3, False, until=date(2026, 12, 31))] == [KIND_CHECKIN] * 3


def test_cadence_below_one_month_is_refused():
    with pytest.raises(ValueError, match="at least one month"):
        plan_dates(date(2026, 1, 14), 0, False)


def test_add_months_clamps_to_the_end_of_the_month_and_crosses_years():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), 12) == date(2027, 3, 31)
    assert add_months(date(2026, 5, 31), 0) == date(2026, 5, 31)


def test_working_days_skip_weekends_and_days_off():
    assert is_working_day(date(2026, 11, 27)) and not is_working_day(date(2026, 11, 28))
    assert not is_working_day(date(2026, 11, 27), {date(2026, 11, 27)})
    assert next_working_day(date(2026, 11, 27)) == date(2026, 11, 27)
    assert next_working_day(date(2026, 11, 27), {date(2026, 11, 27)}) == date(2026, 11, 30)
    assert working_days_before(date(2026, 11, 26), 0) == date(2026, 11, 26)
    assert working_days_before(date(2026, 11, 30), 1) == date(2026, 11, 27)
    assert working_days_before(date(2026, 11, 30), 1, {date(2026, 11, 27)}) == date(2026, 11, 26)


class AlwaysAway:
    """Days off that never end: a data error."""

    def __contains__(self, day):
        return True


def test_no_working_day_within_ten_years_is_an_error():
    with pytest.raises(ValueError, match="ten years"):
        next_working_day(date(2026, 11, 27), AlwaysAway())


def test_week_bounds_from_monday_and_from_sunday():
    assert week_bounds(date(2026, 11, 23)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert week_bounds(date(2026, 11, 29)) == (date(2026, 11, 23), date(2026, 11, 29))
