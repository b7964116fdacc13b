"""Walk every route in app.url_map, as every role, and send hostile values to every field and parameter.

Nothing here knows a feature: URL parameters come from the authorisation walk's `foreign_values`
(signed in as the owners of those records, so their pages and forms render), form fields are read
from the HTML each page serves, query parameters from its GET forms plus a few common names. A route
added later is walked the same way. The only assertion: no 5xx. The counts (routes, forms, fields,
requests, statuses) are printed and, with HOSTILE_WALK_REPORT=<path>, written there as JSON.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from lms.extensions import limiter
from tests.test_authorization import foreign_values

ROLES = ("anonymous", "partner", "manager", "admin")
SKIP_ENDPOINTS = {"static", "accounts.logout"}  # files on disk; signing out ends the walk's session
COMMON_QUERY = ("page", "q", "tier", "role", "action", "status", "next", "month", "week", "day", "date",
                "from", "to", "zone", "timezone", "sort", "partner_id", "user_id", "course", "kind")
# Each value once per field; bounded so the walk stays at a couple of minutes.
HOSTILE_TEXT = {
    "nul": "ab\x00cd",
    "huge": "x" * 20_000,
    "crlf": "Subject\r\nBcc: victim@evil.example",
    "markup": "<script>alert(1)</script>\u202e",
}
HOSTILE_NUMBER = {
    "2^31": str(2**31),
    "2^63": str(2**63),
    "10^20": "1" + "0" * 20,
    "-2^63": str(-(2**63)),
    "5000 digits": "9" * 5000,
    "float": "1e400",
    "word": "abc",
}
HOSTILE_TIME = {
    "year 1": "0001-01-01T00:00:00+14:00",
    "year 9999": "9999-12-31T23:59:59-14:00",
    "bad date": "2026-02-31",
    "year 0 day": "0001-01-01",
    "bad zone": "Mars/Olympus",
    "path zone": "../../../etc/passwd",
}
ALL_HOSTILE = {**HOSTILE_TEXT, **HOSTILE_NUMBER, **HOSTILE_TIME}
# For whole requests (every query parameter, or every field of a blind POST, at once): one of each kind.
WHOLE_REQUEST = {k: ALL_HOSTILE[k] for k in ("nul", "huge", "crlf", "2^31", "2^63", "5000 digits", "word",
                                             "year 1", "bad zone")}
PATH_VALUES = {"2^31": str(2**31), "2^63": str(2**63), "10^20": "1" + "0" * 20, "nul": "ab%00cd",
               "undecodable": "ab%FFcd", "huge": "x" * 5000}


class FormParser(HTMLParser):
    """Every <form> of a page: action, method and its named inputs, selects and textareas."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").upper(), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea", "button") and a.get("name"):
            kind = a.get("type", "text" if tag != "textarea" else "textarea")
            field = self._form["fields"].setdefault(a["name"], {"type": kind, "values": []})
            if kind not in ("checkbox", "radio") or "checked" in a:
                field["values"].append(a.get("value") or "")
            elif not field["values"]:
                field.setdefault("options", []).append(a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], {"type": "select", "values": []})
        elif tag == "option" and self._select:
            field = self._form["fields"][self._select]
            if "selected" in a or not field["values"]:
                field["values"] = [a.get("value", "")]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _values_for(kind: str) -> dict[str, str]:
    if kind in ("number", "hidden", "select", "checkbox", "radio"):
        return {**HOSTILE_NUMBER, "nul": HOSTILE_TEXT["nul"], "bad zone": HOSTILE_TIME["bad zone"],
                "year 1": HOSTILE_TIME["year 1"]}
    if kind in ("date", "time", "datetime-local"):
        return {**HOSTILE_TIME, "10^20": HOSTILE_NUMBER["10^20"], "nul": HOSTILE_TEXT["nul"]}
    if kind == "submit":
        return {"word": "abc", "nul": HOSTILE_TEXT["nul"]}
    return {**HOSTILE_TEXT, "2^63": HOSTILE_NUMBER["2^63"], "year 1": HOSTILE_TIME["year 1"]}


class Walk:
    def __init__(self, app, client, role, relogin):
        self.app, self.client, self.role, self.relogin = app, client, role, relogin
        self.adapter = app.url_map.bind("localhost")
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.requests = 0
        self.routes: set[str] = set()
        self.forms: dict[tuple, dict] = {}
        self.fields: set[tuple] = set()

    def send(self, method: str, url: str, **kwargs) -> None:
        self.requests += 1
        try:
            response = self.client.open(url, method=method, **kwargs)
        except Exception as error:  # testing propagates exceptions: each one would have been a 500
            self.statuses[500] += 1
            self.failures.append(f"{self.role} {method} {url[:160]} -> {type(error).__name__}: {str(error)[:200]}")
            return None
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            shown = {k: (v if len(str(v)) < 80 else str(v)[:60] + "...") for k, v in (kwargs.get("data") or {}).items()} \
                if isinstance(kwargs.get("data"), dict) else str(kwargs.get("data"))[:120]
            self.failures.append(f"{self.role} {method} {url[:160]} {shown} -> {response.status_code}")
        return response

    def endpoint_of(self, path: str, method: str) -> str | None:
        try:
            endpoint, _ = self.adapter.match(urlsplit(path).path, method=method)
        except HTTPException:
            return None
        return endpoint

    def collect_forms(self, page_url: str, html: str) -> None:
        parser = FormParser()
        parser.feed(html)
        for form in parser.forms:
            action = form["action"] or page_url
            endpoint = self.endpoint_of(action, form["method"])
            if endpoint is None or endpoint in SKIP_ENDPOINTS:
                continue
            key = (endpoint, form["method"], frozenset(form["fields"]))
            if key not in self.forms:
                self.forms[key] = {**form, "action": action}

    def still_signed_in(self) -> None:
        if self.role != "anonymous" and self.client.get("/account").status_code != 200:
            self.relogin()


def _url(app, rule, values):
    return app.url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})


def _path_with(app, rule, values, arg, raw):
    """The route's URL with `raw` (already URL-encoded) in place of `arg`; None for a fixed set (any(...))."""
    marker = 987654321  # a number, so integer converters build it too
    try:
        url = app.url_for(rule.endpoint, **{a: (marker if a == arg else values[a]) for a in rule.arguments})
    except ValueError:
        return None
    return url.replace(str(marker), raw, 1)


@pytest.fixture
def owners(make, db):
    """Organisation records (the authorisation walk's, so new URL parameters come with them) and their owners."""
    manager = make.manager(name="Walk Manager")
    partner = make.partner("platinum", manager=manager, name="Walk Org")
    user = make.user("partner", partner=partner, name="Walk Partner User")
    admin = make.admin()
    values = foreign_values(make, db, partner, user)
    db.commit()
    return {"values": values, "partner": user, "manager": manager, "admin": admin}


@pytest.mark.parametrize("role", ROLES)
def test_no_hostile_value_gives_a_server_error(app, client, auth, owners, role, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)  # the walk signs in again when a form ends its session
    values = owners["values"]

    def relogin():
        auth.login_as(owners[role])

    if role != "anonymous":
        relogin()
    walk = Walk(app, client, role, relogin)
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIP_ENDPOINTS), key=lambda r: r.rule)

    # 1. Every GET page with real ids: its forms, then hostile query parameters and path parts.
    for rule in rules:
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.rule}: add a value for {sorted(missing)} to foreign_values() in test_authorization"
        url = _url(app, rule, values)
        walk.routes.add(rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = walk.send("GET", url)
                if response is not None and response.status_code == 200 and response.mimetype == "text/html":
                    walk.collect_forms(url, response.get_data(as_text=True))
                for value in WHOLE_REQUEST.values():
                    walk.send("GET", url, query_string={p: value for p in COMMON_QUERY})
                walk.send("GET", url + "?page=%FF%FE&q=%00")
            for arg in rule.arguments:
                for raw in PATH_VALUES.values():
                    hostile_url = _path_with(app, rule, values, arg, raw)
                    if hostile_url:
                        walk.send(method, hostile_url)
        walk.still_signed_in()

    # 2. Every form found: each field in turn gets each hostile value, the others keep the page's values.
    for (endpoint, method, names), form in sorted(walk.forms.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        baseline = {name: field["values"] or field.get("options", [""])[:1] for name, field in form["fields"].items()}
        send = (lambda data: walk.send("GET", form["action"], query_string=data)) if method == "GET" else \
            (lambda data: walk.send(method, form["action"], data=data))
        for name, field in form["fields"].items():
            if name == "csrf_token":
                continue
            walk.fields.add((endpoint, name))
            for value in _values_for(field["type"]).values():
                send({**baseline, name: value})
            send({**baseline, name: ["1", "abc", str(2**63)]})  # a list where one value is expected
        body = "&".join(f"{quote(name)}=%FF%FE" for name in form["fields"])
        if method != "GET":
            walk.send(method, form["action"], data=body, content_type="application/x-www-form-urlencoded")
        walk.still_signed_in()

    # 3. Every POST route, whether or not this role saw its form: all known field names at once, per value.
    known = sorted({name for _, _, names in walk.forms for name in names} | {"name", "id", "starts_at", "timezone"})
    for rule in rules:
        if "POST" not in rule.methods:
            continue
        url = _url(app, rule, values)
        for value in WHOLE_REQUEST.values():
            walk.send("POST", url, data={name: value for name in known})
        walk.still_signed_in()

    report = {
        "role": role, "routes": len(walk.routes), "forms": len(walk.forms), "fields": len(walk.fields),
        "requests": walk.requests, "statuses": dict(sorted(walk.statuses.items())),
    }
    print("hostile walk:", json.dumps(report))
    if os.environ.get("HOSTILE_WALK_REPORT"):
        with open(os.environ["HOSTILE_WALK_REPORT"], "a") as out:
            out.write(json.dumps(report) + "\n")
    assert not walk.failures, f"{len(walk.failures)} server errors:\n" + "\n".join(walk.failures[:40])
    assert walk.routes and walk.requests > 100
    if role != "anonymous":
        assert walk.forms, "no form found: the walk is not seeing the pages"
