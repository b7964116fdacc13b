"""The smaller points of issue 15: audit names and labels, the time-zone select, the favicon."""

from __future__ import annotations

import re

from lms.audit import action_label


def test_audit_log_names_people_with_their_email_and_readable_actions(client, auth, db, make):
    admin = make.admin(name="Priya Shah", email="priya.admin@example.com")
    make.manager(name="Priya Shah", email="priya.manager@example.com")
    db.commit()
    auth.login_as(admin)
    client.post("/admin/managers/new", data={"name": "Mo", "email": "mo@example.com", "timezone": "UTC"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "priya.admin@example.com" in page  # two "Priya Shah"s are told apart
    assert "Account: invited" in page and "Account: created" in page
    assert "user.invited" not in page.replace('value="user."', "")


def test_action_labels():
    assert action_label("booking.kickoff_booked") == "Call: kickoff booked"
    assert action_label("unknown_thing.done") == "Unknown thing: done"
    assert action_label("user") == "Account"


def test_time_zone_select_is_grouped_with_common_zones_first(client, auth, db, make):
    user = make.partner_user("gold")
    db.commit()
    auth.login_as(user)
    page = client.get("/account").get_data(as_text=True)
    select = page.split('<select', 1)[1].split("</select>", 1)[0]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[0] == "Common time zones" and {"America", "Europe", "Asia"} <= set(groups)
    common = select.split("</optgroup>", 1)[0]
    assert 'value="America/Los_Angeles"' in common and 'value="Europe/London"' in common
    america = select.split('<optgroup label="America">', 1)[1].split("</optgroup>", 1)[0]
    labels = re.findall(r">([^<]+)</option>", america)
    assert labels == sorted(labels) and "Anchorage" in labels
    assert 'value="America/Los_Angeles"' not in america  # each zone once: the select shows one choice
    assert 'data-zone-search' in select  # static/app.js adds the search box; without it, a plain select
    assert client.post("/account", data={"name": "X", "timezone": "Not/AZone"}).status_code in (200, 400)


def test_favicon_is_linked_and_served(client, auth, db, make):
    user = make.partner_user("gold")
    db.commit()
    auth.login_as(user)
    page = client.get("/home").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in icon.data
    icon.close()
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["Location"].endswith("/static/favicon.svg")
