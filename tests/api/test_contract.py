"""The contract: the OpenAPI document is valid OpenAPI 3.1, and schemathesis finds no server error and no
response that disagrees with it, over every operation, with a read token and a write token."""

from __future__ import annotations

import sys

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from lms.api.registry import OPERATIONS
from tests.api.factories import bearer, token
from tests.leads.factories import register

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
COUNTS = {"read": 0, "write": 0}
OPERATIONS_SEEN: dict[str, set[str]] = {"read": set(), "write": set()}
STATUSES: dict[int, int] = {}


def test_openapi_document_is_valid_and_describes_every_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    assert document["openapi"].startswith("3.1")
    described = {(m.upper(), "/api/v1" + p) for p, ms in document["paths"].items() for m in ms}
    routed = {(m, rule.rule.replace("<", "{").replace(">", "}")) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi", "api.reference")
              for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == routed
    lead_create = document["paths"]["/leads"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert lead_create == {"$ref": "#/components/schemas/LeadCreate"}
    assert "company_name" in document["components"]["schemas"]["LeadCreate"]["required"]


def test_reference_page_is_rendered_from_the_document_without_cdn(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for op in OPERATIONS:
        assert f"{op.method} {op.path}" in page
    assert 'src="http' not in page and 'href="http' not in page and 'src="//' not in page  # nothing remote


@pytest.fixture
def api_world(app, db, make):
    manager = make.manager()
    partner = make.partner(manager=manager)
    person = make.user("partner", partner=partner)
    register(db, person, "contract.example", company="Contract Prospect")
    _read, read_secret = token(db, "read", name="schemathesis read")
    _write, write_secret = token(db, "leads:write", name="schemathesis write")
    db.commit()
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    return {"read": read_secret, "write": write_secret}


import lms.api.leads  # noqa: E402,F401  (fills the route registry for parametrize)
import lms.api.views  # noqa: E402,F401

LABELS = sorted({f"{op.method} {op.path}" for op in OPERATIONS})
FUZZ = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\nschemathesis: operations={len(OPERATIONS_SEEN['read'] | OPERATIONS_SEEN['write'])} "
          f"requests read={COUNTS['read']} write={COUNTS['write']} statuses={dict(sorted(STATUSES.items()))}",
          file=sys.stderr)


@pytest.mark.parametrize("scope", ["read", "write"])
@pytest.mark.parametrize("label", LABELS)
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(app, api_world, scope, label):
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = api.find_operation_by_label(label)
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

    @FUZZ
    @given(case=strategy)
    def run(case):
        COUNTS[scope] += 1
        OPERATIONS_SEEN[scope].add(label)
        response = case.call_and_validate(headers=bearer(api_world[scope]), checks=CHECKS)
        STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1

    run()
