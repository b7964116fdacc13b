"""Partner and learning-progress CSV: filters as the page, escaping, visibility, constant queries."""

from __future__ import annotations

import csv
import io

from sqlalchemy import event

from lms.csvexport import safe_cell


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_safe_cell_defuses_formulas_and_formats_values():
    from datetime import date, datetime, timezone
    from decimal import Decimal

    for text in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Plain") == "Plain" and safe_cell(None) == ""
    assert safe_cell(Decimal("1234567.50")) == "1234567.50"
    assert safe_cell(date(2026, 1, 2)) == "2026-01-02"
    assert safe_cell(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "2026-01-02T03:04:05+00:00"


def test_partner_csv_filters_escapes_and_shows_only_own_partners(client, auth, make, db):
    manager = make.manager()
    make.partner("gold", manager=manager, name="=HYPERLINK(\"http://x\")")
    make.partner("bronze", manager=manager, name="Bronze Only Org")
    make.partner("gold", name="Someone Elses Org")
    db.commit()
    auth.login_as(manager)
    rows = _rows(client.get("/partners/export.csv"))
    assert rows[0][:3] == ["id", "name", "web_domain"]
    names = [r[1] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names and "Bronze Only Org" in names
    assert "Someone Elses Org" not in names
    gold = [r[1] for r in _rows(client.get("/partners/export.csv?tier=gold"))[1:]]
    assert gold == ["'=HYPERLINK(\"http://x\")"]
    assert client.get("/partners/export.csv?tier=x").status_code == 200
    assert client.get("/partners/export.csv?tier=%00").status_code == 400  # the request guard


def test_progress_csv_has_a_row_per_person_and_required_course(client, auth, make, db):
    from lms.models import LearningPathItem
    from tests.courses.helpers import create_course

    course = create_course(db, "csv-course", lessons=2, title="CSV Course")
    db.add(LearningPathItem(tier_id=make.tier("gold").id, course_id=course.id, position=1))
    manager = make.manager()
    partner = make.partner("gold", manager=manager, name="Progress Org")
    make.user("partner", partner=partner, name="@Learner")
    db.commit()
    auth.login_as(manager)
    rows = _rows(client.get("/partners/progress.csv"))
    assert rows[0][:4] == ["partner_id", "partner", "tier", "user_id"]
    assert [(r[4], r[6], r[7], r[8], r[10]) for r in rows[1:]] == [("'@Learner", "CSV Course", "2", "0", "no")]


def test_partners_may_not_export(client, auth, make):
    auth.login_as(make.partner_user())
    assert client.get("/partners/export.csv").status_code == 403
    assert client.get("/partners/progress.csv").status_code == 403


def test_exports_use_a_constant_number_of_queries(client, auth, make, db, engine):
    manager = make.manager()
    auth.login_as(manager)

    def count(url):
        calls = []
        listener = lambda *args: calls.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(calls)

    def add(n):
        for _ in range(n):
            make.user("partner", partner=make.partner("gold", manager=manager))
        db.commit()

    add(3)
    few = (count("/partners/export.csv"), count("/partners/progress.csv"))
    add(27)
    assert (count("/partners/export.csv"), count("/partners/progress.csv")) == few
