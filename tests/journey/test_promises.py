"""What a tier promises is what the pages show (issue 15, item 9), and the lesson text tells the truth."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("tier, shown", [("bronze", False), ("gold", True), ("platinum", True)])
def test_manager_phone_and_email_are_a_channel_only_where_the_tier_promises_them(client, auth, db, make, tier, shown):
    manager = make.manager(name="Anna Berg", email="anna.berg@example.com", phone="+44 20 7946 0000")
    partner = make.partner(tier, manager=manager)
    user = make.user("partner", partner=partner)
    db.commit()
    auth.login_as(user)
    for url in ("/home", "/checkins/plan"):
        page = client.get(url).get_data(as_text=True)
        assert ("+44 20 7946 0000" in page) is shown, url
        assert ("mailto:anna.berg@example.com" in page) is shown, url
        assert "Anna Berg" in page  # the named manager is still shown


def test_admin_form_says_who_sees_the_phone(client, auth, db, make):
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    page = client.get("/admin/managers/new").get_data(as_text=True)
    assert "Shown to Gold partners." not in page and "tier promises a response time" in page


def test_lessons_do_not_promise_self_service_invites():
    for lesson in (REPO / "courses").glob("*/*.md"):
        text = lesson.read_text()
        assert "Invite colleagues" not in text, lesson
