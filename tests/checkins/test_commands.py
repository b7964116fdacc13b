"""`flask holidays ...`: the holiday setting that business hours and planning read."""

from datetime import date

from sqlalchemy import select

from lms.models import PublicHoliday


def days(db, country):
    db.expire_all()
    return [h.day for h in db.scalars(select(PublicHoliday).where(PublicHoliday.country == country)
                                      .order_by(PublicHoliday.day))]


def test_add_list_remove(runner, db):
    assert "Added." in runner.invoke(args=["holidays", "add", "gb", "2026-12-25", "Christmas Day"]).output
    assert "nothing changed" in runner.invoke(args=["holidays", "add", "GB", "2026-12-25", "Again"]).output
    assert days(db, "GB") == [date(2026, 12, 25)]
    assert "GB 2026-12-25 Christmas Day" in runner.invoke(args=["holidays", "list", "--country", "GB"]).output
    assert runner.invoke(args=["holidays", "add", "GBR", "2026-12-25", "x"]).exit_code != 0
    assert runner.invoke(args=["holidays", "add", "GB", "25/12/2026", "x"]).exit_code != 0
    assert "Removed." in runner.invoke(args=["holidays", "remove", "GB", "2026-12-25"]).output
    assert days(db, "GB") == []


def test_import_is_all_or_nothing(runner, db, tmp_path):
    good = tmp_path / "de.csv"
    good.write_text("country,date,name\nDE,2026-12-25,1. Weihnachtstag\nDE,2026-12-26,2. Weihnachtstag\n")
    assert "Added 2 holiday(s)." in runner.invoke(args=["holidays", "import", str(good)]).output
    bad = tmp_path / "bad.csv"
    bad.write_text("DE,2027-01-01,Neujahr\nDE,not-a-date,Oops\n")
    result = runner.invoke(args=["holidays", "import", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output
    assert days(db, "DE") == [date(2026, 12, 25), date(2026, 12, 26)]
