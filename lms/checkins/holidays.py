"""Public holidays per country: the setting that SLA business hours and check-in due dates skip.

Admins keep the list on a page (audited) or with `flask holidays ...`. A holiday added after the
check-ins were planned moves the open, unbooked check-ins due that day (of managers in that
country) to the next working day, as if it had been known when they were planned.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit
from lms.checkins.calendar import country_of, days_off_of
from lms.checkins.planning import next_working_day
from lms.errors import DomainError
from lms.models import CheckIn, PublicHoliday, User


class HolidayError(DomainError):
    field = "day"


def clean_country(value: str | None) -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise HolidayError("Use the two-letter ISO country code, e.g. GB or DE.", field="country")
    return code


def holidays_query(*, since: date | None = None, country: str | None = None):
    """Holidays by day then country (and id, so that pages are stable); paginate it."""
    query = select(PublicHoliday).order_by(PublicHoliday.day, PublicHoliday.country, PublicHoliday.id)
    if since is not None:
        query = query.where(PublicHoliday.day >= since)
    if country:
        query = query.where(PublicHoliday.country == country)
    return query


def holiday_countries(db: Session) -> list[str]:
    """The country codes that have holidays (the page's filter choices)."""
    return list(db.scalars(select(PublicHoliday.country).distinct().order_by(PublicHoliday.country)))


def manager_countries(db: Session) -> dict[str, list[str]]:
    """Country code -> the names of the active managers whose time zone is in it (whose holidays count)."""
    countries: dict[str, list[str]] = {}
    for manager in db.scalars(select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.name)):
        code = country_of(manager)
        if code:
            countries.setdefault(code, []).append(manager.name)
    return dict(sorted(countries.items()))


def add_holiday(db: Session, actor: User | None, country: str, day: date, name: str) -> tuple[PublicHoliday, int]:
    """Add a holiday and move open check-ins off it. Returns (holiday, check-ins moved).

    The unique key (country, day) makes a double click or two admins at once add it once.
    """
    country = clean_country(country)
    name = (name or "").strip()[:120] or "Public holiday"
    holiday = PublicHoliday(country=country, day=day, name=name)
    try:
        with db.begin_nested():
            db.add(holiday)
    except IntegrityError:
        raise HolidayError(f"{country} already has a holiday on {day:%-d %b %Y}.") from None
    moved = _move_checkins_off(db, actor, country, day)
    summary = f"Public holiday added: {country} {day:%-d %b %Y} ({name})"
    if moved:
        summary += f"; {moved} open check-in(s) moved to the next working day"
    audit.record(db, actor, "holiday.added", holiday, summary)
    return holiday, moved


def remove_holiday(db: Session, actor: User | None, holiday: PublicHoliday) -> None:
    """Remove a holiday (planned check-ins keep their dates; new deadlines count the day as a working day)."""
    summary = f"Public holiday removed: {holiday.country} {holiday.day:%-d %b %Y} ({holiday.name})"
    audit.record(db, actor, "holiday.removed", holiday, summary)
    db.delete(holiday)
    db.flush()


def _move_checkins_off(db: Session, actor: User | None, country: str, day: date) -> int:
    """Open, unbooked check-ins due on `day` whose manager is in `country` move to the next working day."""
    moved = 0
    candidates = db.scalars(
        select(CheckIn).where(CheckIn.due_on == day, CheckIn.status == "planned", CheckIn.booking_id.is_(None))
        .order_by(CheckIn.id)
    )
    for checkin in list(candidates):
        if country_of(checkin.manager) != country:
            continue
        days_off = days_off_of(db, checkin.manager, day, day + timedelta(days=60))
        new_day = next_working_day(day, days_off)
        try:
            with db.begin_nested():
                checkin.due_on = new_day
                db.flush()
        except IntegrityError:
            # The partner already has one of that kind that day: keep this one where it was.
            db.refresh(checkin)
            continue
        audit.record(db, actor, "checkin.moved", checkin,
                     f"{checkin.kind_label} moved from {day:%-d %b %Y} to {new_day:%-d %b %Y}: public holiday",
                     partner_id=checkin.partner_id)
        moved += 1
    return moved
