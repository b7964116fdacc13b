"""The dashboard keeps its figures between recorded changes (lms/dashboard/snapshot.py)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest

from lms.db import utcnow
from lms.models import User
from tests.dashboard.factories import kickoff
from tests.dashboard.test_views import _queries
from tests.leads.factories import register


@pytest.fixture
def cached(app):
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    return app


def _funnel_count(page: str, stage: str) -> int:
    row = re.search(stage + r"</a></th>\s*<td class=\"num\">(\d+)</td>", page)
    assert row, f"the funnel table has a {stage!r} row"
    return int(row.group(1))


def _new_partner_with_user(make, manager, name):
    partner = make.partner("gold", manager=manager, name=name)
    user = make.user(partner=partner)
    user.last_login_at = utcnow() - timedelta(days=1)
    return partner, user


def test_a_second_view_reuses_the_figures_and_runs_fewer_queries(cached, client, auth, make, db):
    anna = make.manager()
    for i in range(3):
        _new_partner_with_user(make, anna, f"Kept {i}")
    db.commit()
    auth.login_as(anna)

    first_page = []
    first = _queries(cached, lambda: first_page.append(client.get("/dashboard/").get_data(as_text=True)))
    second_page = []
    second = _queries(cached, lambda: second_page.append(client.get("/dashboard/").get_data(as_text=True)))

    assert second < first - 5  # the partner facts (a dozen aggregate queries) are not read again
    assert _funnel_count(second_page[0], "Invited") == _funnel_count(first_page[0], "Invited") == 3
    assert "Figures as of" in second_page[0]


def test_a_recorded_change_shows_at_once(cached, client, auth, make, db):
    anna = make.manager()
    partner, user = _new_partner_with_user(make, anna, "Leadless Ltd")
    kickoff(db, partner, utcnow() - timedelta(days=10))  # onboarded; its tier requires no course
    db.commit()
    auth.login_as(anna)
    before = _funnel_count(client.get("/dashboard/").get_data(as_text=True), "First lead registered")

    register(db, user, "fresh.example", company="Fresh Prospect")  # audited: a new audit event
    db.commit()
    after = _funnel_count(client.get("/dashboard/").get_data(as_text=True), "First lead registered")

    assert (before, after) == (0, 1)


def test_an_unrecorded_change_shows_when_the_figures_expire(cached, client, auth, make, db):
    anna = make.manager()
    _partner, user = _new_partner_with_user(make, anna, "Sleepy Ltd")
    user.last_login_at = utcnow() - timedelta(days=200)  # gathering dust
    db.commit()
    auth.login_as(anna)
    assert "Sleepy Ltd" in client.get("/dashboard/?dust=1").get_data(as_text=True)

    db.get(User, user.id).last_login_at = utcnow()  # a sign-in writes no audit event
    db.commit()
    still = client.get("/dashboard/partners?dust=1").get_data(as_text=True)
    cached.extensions["lms.dashboard_cache"].cache.expire(time.monotonic() + 61)
    later = client.get("/dashboard/partners?dust=1").get_data(as_text=True)

    assert "Sleepy Ltd" in still
    assert "Sleepy Ltd" not in later


def test_kept_figures_never_cross_from_one_manager_to_another(cached, client, auth, make, db):
    anna, otto = make.manager(), make.manager()
    _new_partner_with_user(make, anna, "Annas Own")
    _new_partner_with_user(make, otto, "Ottos Own")
    db.commit()

    auth.login_as(anna)
    annas = client.get("/dashboard/partners").get_data(as_text=True)
    auth.login_as(otto)
    ottos = client.get("/dashboard/partners").get_data(as_text=True)
    auth.login_as(make.admin())
    everyone = client.get("/dashboard/partners").get_data(as_text=True)
    only_anna = client.get(f"/dashboard/partners?manager={anna.id}").get_data(as_text=True)

    assert "Annas Own" in annas and "Ottos Own" not in annas
    assert "Ottos Own" in ottos and "Annas Own" not in ottos
    assert "Annas Own" in everyone and "Ottos Own" in everyone
    assert "Annas Own" in only_anna and "Ottos Own" not in only_anna


@pytest.mark.parametrize(("env", "expected"), [("production", 60), ("development", 0), ("testing", 0)])
def test_the_cache_is_on_in_production_only_unless_set(env, expected):
    from flask import Flask

    from lms.config import load_config

    app = Flask("probe")
    load_config(app, {"SECRET_KEY": "x", "BASE_URL": "https://partners.example.com"}, environ={"LMS_ENV": env})
    set_by_env = Flask("probe2")
    load_config(set_by_env, {"SECRET_KEY": "x", "BASE_URL": "https://partners.example.com"},
                environ={"LMS_ENV": env, "DASHBOARD_CACHE_SECONDS": "15", "DASHBOARD_DUST_DAYS": "45"})

    assert app.config["DASHBOARD_CACHE_SECONDS"] == expected
    assert set_by_env.config["DASHBOARD_CACHE_SECONDS"] == 15
    assert set_by_env.config["DASHBOARD_DUST_DAYS"] == 45  # was ignored: a second _INT_VARS hid it
