"""The shared input checks (lms/forms.py) and that one-line fields use them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.forms import db_int, parse_datetime, zone_or_none
from lms.models import SupportRequest, User


@pytest.mark.parametrize("value", ["Kim\r\nBcc: x@evil.example", "Kim\nSmith", "Kim\u2028Smith", "Kim\rSmith"])
def test_profile_name_refuses_line_breaks(app, client, auth, make, db, value):
    user = auth.login_as(make.user("partner"))
    response = client.post("/account", data={"name": value, "timezone": "UTC"})
    assert response.status_code == 200
    assert "Keep this on one line." in response.get_data(as_text=True)
    db.expire_all()
    assert "\n" not in db.get(User, user.id).name and "\r" not in db.get(User, user.id).name


def test_support_subject_refuses_line_breaks(app, client, auth, make, db):
    partner = make.partner("gold")
    auth.login_as(make.user("partner", partner=partner))
    response = client.post("/checkins/support/new", data={
        "subject": "Invoice question\r\nBcc: victim@evil.example", "body": "Please", "request_key": "k" * 32,
    })
    assert "Keep this on one line." in response.get_data(as_text=True)
    assert db.scalar(select(func.count(SupportRequest.id))) == 0


def test_db_int_refuses_what_the_database_cannot_hold():
    assert db_int("2147483647") == 2**31 - 1
    for value in ("2147483648", str(2**63), "1" + "0" * 20):
        with pytest.raises(ValueError):
            db_int(value)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-13-01T00:00:00+00:00",
                                  "2026-03-30T07:00:00", "nonsense", "\x00", ""])
def test_parse_datetime_refuses_bad_and_out_of_range_values(text):
    assert parse_datetime(text) is None


def test_parse_datetime_gives_utc():
    assert parse_datetime("2026-03-30T09:00:00+02:00").isoformat() == "2026-03-30T07:00:00+00:00"


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "\x00", "", "A" * 300, "/etc/localtime"])
def test_zone_or_none_refuses_what_is_not_a_zone(name):
    assert zone_or_none(name) is None
