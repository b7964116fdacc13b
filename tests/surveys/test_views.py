"""The survey pages as people use them: answering, a foreign token, insight, CSV, the public switch."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event

from lms.models import SurveySettings
from tests.surveys import factories as sf


def test_answer_page_shows_bad_answer_beside_field_and_stores_nothing(client, auth, db, make):
    user = make.partner_user()
    item = sf.invitation(db, user)
    db.commit()
    auth.login_as(user)
    data = sf.answers_for(db, item, 11)
    response = client.post(f"/surveys/answer/{item.token}", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose a score from 0 to 10." in body
    assert client.get(f"/surveys/answer/{item.token}").status_code == 200  # still open


def test_answer_once_then_already_answered_and_past_answers(client, auth, db, make):
    user = make.partner_user()
    item = sf.invitation(db, user)
    db.commit()
    auth.login_as(user)
    data = sf.answers_for(db, item, 3, "<b>Slow</b> answers")
    first = client.post(f"/surveys/answer/{item.token}", data=data, follow_redirects=True)
    assert "will be in touch" in first.get_data(as_text=True)
    second = client.post(f"/surveys/answer/{item.token}", data=data, follow_redirects=True)
    assert "already answered" in second.get_data(as_text=True)
    past = client.get("/surveys/").get_data(as_text=True)
    assert "&lt;b&gt;Slow&lt;/b&gt; answers" in past and "<b>Slow" not in past


def test_foreign_or_guessed_token_is_404(client, auth, db, make):
    owner, other = make.partner_user(), make.partner_user()
    item = sf.invitation(db, owner)
    db.commit()
    auth.login_as(other)
    assert client.get(f"/surveys/answer/{item.token}").status_code == 404
    assert client.post(f"/surveys/answer/{item.token}", data=sf.answers_for(db, item, 9)).status_code == 404
    assert client.get("/surveys/answer/guessed-token").status_code == 404


def test_signed_out_link_asks_for_sign_in(client, db, make):
    item = sf.invitation(db, make.partner_user())
    db.commit()
    response = client.get(f"/surveys/answer/{item.token}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_open_invitation_on_partner_home(client, auth, db, make):
    user = make.partner_user()
    item = sf.invitation(db, user)
    db.commit()
    auth.login_as(user)
    assert f"/surveys/answer/{item.token}" in client.get("/home").get_data(as_text=True)


def test_follow_up_on_manager_agenda_and_closed_loop(client, auth, db, make):
    manager = make.manager()
    user = make.user("partner", partner=make.partner(manager=manager, name="Unhappy Ltd"))
    from lms.surveys.service import follow_up_for

    follow_up = follow_up_for(db, sf.response(db, user, 2).id)
    db.commit()
    auth.login_as(manager)
    agenda = client.get("/checkins/").get_data(as_text=True)
    assert "Unhappy survey answers" in agenda and "Unhappy Ltd" in agenda
    assert client.post(f"/surveys/follow-ups/{follow_up.id}/resolved", data={"note": ""}).status_code == 400
    client.post(f"/surveys/follow-ups/{follow_up.id}/contacted", data={"note": "Phoned"})
    client.post(f"/surveys/follow-ups/{follow_up.id}/resolved", data={"note": "Sorted"})
    db.refresh(follow_up)
    assert follow_up.status == "resolved"


def _count_queries(app, client, url) -> int:
    engine = app.extensions["lms.db"].engine
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("url", ["/surveys/insights", "/surveys/comments", "/surveys/follow-ups"])
def test_constant_queries_whatever_the_number_of_answers(app, client, auth, db, make, url):
    manager = make.manager()
    partners = [make.partner(tier, manager=manager) for tier in ("bronze", "gold", "platinum")]
    for index in range(3):
        sf.response(db, make.user("partner", partner=partners[index % 3]), index * 3, f"Comment {index}")
    db.commit()
    auth.login_as(manager)
    few = _count_queries(app, client, url)
    for index in range(27):
        sf.response(db, make.user("partner", partner=partners[index % 3]), index % 11, f"More {index}")
    db.commit()
    assert _count_queries(app, client, url) == few


def test_insight_page_has_svg_charts_with_titles_and_tables(client, auth, db, make):
    manager = make.manager()
    user = make.user("partner", partner=make.partner("gold", manager=manager))
    sf.response(db, user, 9)
    sf.response(db, user, 4, trigger="kickoff")
    db.commit()
    auth.login_as(manager)
    body = client.get("/surveys/insights").get_data(as_text=True)
    assert body.count("<svg") == 3 and body.count("<title") >= 3
    assert "100.0 ±0.0 (1)" in body and "<script>" not in body  # no inline script: the charts are SVG


def test_manager_sees_only_own_partners_comments(client, auth, db, make):
    mine, theirs = make.manager(), make.manager()
    sf.response(db, make.user("partner", partner=make.partner(manager=mine)), 10, "Mine is fine")
    sf.response(db, make.user("partner", partner=make.partner(manager=theirs)), 1, "Theirs is bad")
    db.commit()
    auth.login_as(mine)
    body = client.get("/surveys/comments").get_data(as_text=True)
    assert "Mine is fine" in body and "Theirs is bad" not in body
    assert "Mine is fine" not in client.get("/surveys/comments?band=detractor").get_data(as_text=True)


def test_csv_export_bom_iso_dates_and_formula_escape(client, auth, db, make):
    admin = make.admin()
    sf.response(db, make.partner_user(), 8, "=HYPERLINK(\"http://evil\")")
    db.commit()
    auth.login_as(admin)
    response = client.get("/surveys/export.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "response_id" and len(rows) == 3  # header + one row per answer
    assert rows[1][1][4] == "-" and "T" in rows[1][1]  # ISO 8601
    assert rows[2][-1].startswith("'=")


def test_public_page_switch_and_minimum(client, db, make):
    assert client.get("/satisfaction").status_code == 404
    db.get(SurveySettings, 1).public_page = True
    for score in (10, 9, 8):
        sf.response(db, make.partner_user(), score, "secret words")
    db.commit()
    body = client.get("/satisfaction").get_data(as_text=True)
    assert "Not enough answers" in body
    for score in (2, 10):
        sf.response(db, make.partner_user(), score)
    db.commit()
    body = client.get("/satisfaction").get_data(as_text=True)
    assert "40.0" in body and "secret words" not in body


def test_admin_edits_survey_and_bad_input_is_refused(client, auth, db, make):
    admin = make.admin()
    survey = sf.survey(db, "kickoff")
    db.commit()
    auth.login_as(admin)
    data = {"title": "After your kickoff", "active": "y", "questions-0-kind": "csat",
            "questions-0-prompt": "How was it?", "questions-0-required": "y",
            "questions-1-kind": "choice", "questions-1-prompt": "Which part?", "questions-1-choices": "Slides\nDemo"}
    assert client.post(f"/surveys/admin/{survey.id}", data=data).status_code == 302
    bad = dict(data, **{"questions-0-prompt": "nul\x00byte"})
    assert client.post(f"/surveys/admin/{survey.id}", data=bad).status_code == 400
    one_choice = dict(data, **{"questions-1-choices": "Slides"})
    assert "at least two answers" in client.post(f"/surveys/admin/{survey.id}", data=one_choice).get_data(as_text=True)
    assert client.post("/surveys/admin", data={"min_days_between": "99999999999999", "nps_min_days": "60"}).status_code == 400
