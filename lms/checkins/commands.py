"""`flask holidays ...`: the public holidays of each country, which business hours and planning skip."""

from __future__ import annotations

import csv
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.checkins import holidays
from lms.db import get_db
from lms.models import PublicHoliday

holidays_cli = AppGroup("holidays", help="Public holidays per country (ISO code): skipped by SLAs and check-in dates.")


def _country(value: str) -> str:
    try:
        return holidays.clean_country(value)
    except holidays.HolidayError as error:
        raise click.BadParameter(error.message) from None


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-12-25") from None


def add_holiday(db: Session, country: str, day: date, name: str) -> bool:
    """Add one holiday (audited, open check-ins moved off it); False when it is already there."""
    try:
        holidays.add_holiday(db, None, country, day, name)
    except holidays.HolidayError:
        return False
    return True


@holidays_cli.command("add")
@click.argument("country")
@click.argument("day")
@click.argument("name")
def holidays_add(country: str, day: str, name: str) -> None:
    """Add a holiday: flask holidays add GB 2026-12-25 "Christmas Day"."""
    db = get_db()
    added = add_holiday(db, _country(country), _day(day), name)
    db.commit()
    click.echo("Added." if added else "Already there; nothing changed.")


@holidays_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def holidays_import(path: str) -> None:
    """Add holidays from a CSV file with the columns country,date,name (a header row is allowed)."""
    db = get_db()
    added = 0
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or (number == 1 and row[0].strip().lower() == "country"):
                continue
            if len(row) < 3:
                db.rollback()
                raise click.ClickException(f"line {number}: expected country,date,name; nothing was added")
            try:
                added += add_holiday(db, _country(row[0]), _day(row[1]), row[2])
            except click.BadParameter as error:
                db.rollback()
                raise click.ClickException(f"line {number}: {error.message}; nothing was added") from None
    db.commit()
    click.echo(f"Added {added} holiday(s).")


@holidays_cli.command("list")
@click.option("--country", default=None, help="Only this country.")
def holidays_list(country: str | None) -> None:
    """List holidays, by country and date."""
    query = select(PublicHoliday).order_by(PublicHoliday.country, PublicHoliday.day)
    if country:
        query = query.where(PublicHoliday.country == _country(country))
    for holiday in get_db().scalars(query):
        click.echo(f"{holiday.country} {holiday.day.isoformat()} {holiday.name}")


@holidays_cli.command("remove")
@click.argument("country")
@click.argument("day")
def holidays_remove(country: str, day: str) -> None:
    """Remove a holiday."""
    db = get_db()
    holiday = db.scalar(
        select(PublicHoliday).where(PublicHoliday.country == _country(country), PublicHoliday.day == _day(day))
    )
    if holiday is not None:
        holidays.remove_holiday(db, None, holiday)
    db.commit()
    click.echo("Removed." if holiday is not None else "No such holiday.")
