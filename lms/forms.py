"""Shared input checks for every feature's forms: one-line text, database-sized integers, and the one
checked place where text becomes a datetime or a time zone.

Bad input must end as a message beside the field (or a 4xx), never as a 500 from the database or the
standard library: a CR/LF in a name later copied into a mail header, an id that does not fit the
database's INTEGER, a year-1 datetime that overflows when moved to UTC, a zone name that is not one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from wtforms import DateField, IntegerField
from wtforms.validators import ValidationError

# What a PostgreSQL INTEGER (and every id column) holds; SQLite and OFFSET arithmetic stay far inside it.
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
# Datetimes anyone may type or post: wide enough for any real booking, narrow enough to move between zones.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
# Every character str.splitlines() breaks on: any of them would start a new mail header line.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def has_line_break(text: str | None) -> bool:
    return bool(text) and any(char in LINE_BREAKS for char in text)


class SingleLine:
    """Validator for one-line fields (names, subjects, titles): refuse line breaks instead of storing them."""

    def __init__(self, message: str = "Keep this on one line."):
        self.message = message

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and has_line_break(field.data):
            raise ValidationError(self.message)


def db_int(value) -> int:
    """`int(value)` that refuses what an INTEGER column cannot hold: the `coerce` for id choices."""
    number = int(value)
    if not DB_INT_MIN <= number <= DB_INT_MAX:
        raise ValueError("out of range")
    return number


class DbIntegerField(IntegerField):
    """An IntegerField whose value always fits the database, whatever other validators it has."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not DB_INT_MIN <= self.data <= DB_INT_MAX:
            raise ValidationError("Enter a smaller number.")


class BoundedDateField(DateField):
    """A DateField limited to years the app can move between zones (year 1 would overflow into year 0)."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            raise ValidationError(f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")


def parse_datetime(text: str | None, *, require_zone: bool = True) -> datetime | None:
    """An ISO 8601 datetime as UTC, or None when malformed, zone-less (when required) or out of range."""
    try:
        value = datetime.fromisoformat((text or "").strip())
        if value.tzinfo is None:
            if require_zone:
                return None
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
    except (ValueError, OverflowError, TypeError):
        return None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return None
    return value


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The ZoneInfo called `name`, or None for anything that is not an IANA zone name."""
    if not name or "\x00" in name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError; bad paths a ValueError
        return None


def zone_or_utc(name: str | None) -> ZoneInfo:
    return zone_or_none(name) or ZoneInfo("UTC")
