"""Walk every registered route, as every signed-in role, against another organisation's objects.

A partner user and a manager of organisation A must get 403 or 404 for each URL that names an
object of organisation B (managed by someone else), whatever the method; pages without an object
in the URL must not mention B. When a feature adds a route with a new URL parameter, add an
object of B for it in `foreign_values`: the test fails until it knows the parameter.
"""

from __future__ import annotations

import pytest

from tests.api.factories import foreign_values as api_values
from tests.bookings.factories import foreign_values as booking_values
from tests.checkins import factories as checkin_factories
from tests.courses.helpers import course_values
from tests.factories import given_up_message
from tests.leads.factories import foreign_values as lead_values
from tests.surveys import factories as survey_factories
from tests.workspace.factories import foreign_values as workspace_values

# Endpoints anyone may open signed out (their tokens or codes are the secret).
PUBLIC_ENDPOINTS = {
    "static",
    "accounts.login",
    "accounts.logout",
    "accounts.forgot_password",
    "accounts.accept_invite",
    "accounts.reset_password",
    "courses.certificate",  # the public certificate check: the unguessable code is the secret
    "favicon",  # a redirect to static/favicon.svg
    "surveys.public",  # /satisfaction: figures only, and a 404 unless an admin switches it on
    "ops.healthz",  # load-balancer probes: JSON, no data
    "ops.readyz",
    "api.openapi",  # the API's OpenAPI document and its reference page: no data
    "api.reference",
}
# Endpoints whose parameters are not organisation records (a token, a page number ...).
NON_OBJECT_PARAMS = {"token", "filename", "step"}


def foreign_values(make, db, other_partner, other_user) -> dict[str, object]:
    """URL parameter -> a value that points at organisation B's records."""
    values: dict[str, object] = {
        "partner_id": other_partner.id,
        "user_id": other_user.id,
        "tier_id": other_partner.tier_id,
        "token": "not-a-real-token",
        "filename": "app.css",
    }
    values.update(booking_values(db, other_partner, other_user))
    other_checkin = checkin_factories.checkin(db, other_partner)
    values["checkin_id"] = other_checkin.id
    values["request_id"] = checkin_factories.support_request(db, other_partner, other_user).id
    checkin_factories.next_step(db, other_checkin, text="Zebra secret step")
    values["holiday_id"] = checkin_factories.holiday(db).id  # admin-only: everyone else gets 403
    values.update(course_values(db, other_user))
    values.update(lead_values(db, other_partner, other_user))
    values["message_id"] = given_up_message(db, other_user.email).id  # admin-only: everyone else gets 403
    unhappy = survey_factories.response(db, other_user, 2, text="Zebra Secret Holdings is unhappy")
    values["follow_up_id"] = service_follow_up_id(db, unhappy)
    values["survey_id"] = unhappy.survey_id  # admin-only: everyone else gets 403
    values["step"] = "contacted"
    values.update(workspace_values(db, make, other_partner, other_user))  # plans and workspace
    values.update(api_values(db, other_partner))
    return values


def service_follow_up_id(db, response) -> int:
    from lms.surveys.service import follow_up_for

    return follow_up_for(db, response.id).id


@pytest.fixture
def world(make, db):
    other_manager = make.manager(name="Other Manager")
    other_partner = make.partner("platinum", manager=other_manager, name="Zebra Secret Holdings")
    other_user = make.user("partner", partner=other_partner, name="Zed Secretperson")
    own_manager = make.manager(name="Own Manager")
    own_partner = make.partner("gold", manager=own_manager, name="Own Org")
    own_user = make.user("partner", partner=own_partner)
    values = foreign_values(make, db, other_partner, other_user)
    db.commit()
    return {
        "actors": {"partner": own_user, "manager": own_manager},
        "other_partner": other_partner,
        "other_user": other_user,
        "values": values,
    }


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.mark.parametrize("role", ["partner", "manager"])
def test_no_route_reaches_another_organisation(app, client, auth, world, role):
    auth.login_as(world["actors"][role])
    checked = 0
    for rule, method in _routes(app):
        missing = set(rule.arguments) - set(world["values"])
        assert not missing, f"{rule.rule}: no organisation-B value for {sorted(missing)} in foreign_values()"
        url = app.url_for(rule.endpoint, **{a: world["values"][a] for a in rule.arguments})
        response = client.open(url, method=method, data={})
        body = response.get_data(as_text=True)
        object_args = set(rule.arguments) - NON_OBJECT_PARAMS
        if rule.endpoint.startswith("api."):  # bearer tokens only: the session cookie never authenticates
            assert response.status_code == 401, f"{role} {method} {url} (cookie only) -> {response.status_code}"
        elif object_args:
            assert response.status_code in (403, 404), f"{role} {method} {url} -> {response.status_code}"
        else:
            assert response.status_code != 500, f"{role} {method} {url} -> 500"
        assert world["other_partner"].name not in body, f"{role} {method} {url} shows organisation B"
        assert world["other_user"].name not in body, f"{role} {method} {url} shows a user of organisation B"
        checked += 1
        # Some POSTs (sign out) end the session: sign in again for the next route.
        if client.get("/account").status_code != 200:
            auth.login_as(world["actors"][role])
    assert checked > 10


def test_signed_out_visitor_reaches_only_public_pages(app, client, world):
    for rule, method in _routes(app):
        url = app.url_for(rule.endpoint, **{a: world["values"][a] for a in rule.arguments})
        response = client.open(url, method=method, data={})
        if rule.endpoint == "index":
            assert response.status_code == 302
            continue
        assert response.status_code in (302, 401, 403, 404), f"anonymous {method} {url} -> {response.status_code}"
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
