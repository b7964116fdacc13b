"""Webhooks: rows in the change's transaction, signed delivery to a real local receiver, nothing lost when down."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from lms.db import utcnow
from lms.models import WebhookAttempt, WebhookDelivery
from lms.webhooks import service
from tests.leads.factories import register


class Receiver:
    """A local HTTP server that records requests whose signature verifies with `secret`."""

    def __init__(self, secret: str):
        self.secret, self.received, self.bad = secret, [], 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                t, v1 = (part.split("=", 1)[1] for part in self.headers[service.SIGNATURE_HEADER].split(","))
                expected = hmac.new(outer.secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
                if hmac.compare_digest(expected, v1):
                    outer.received.append((self.headers["X-Portal-Event"], json.loads(body)))
                    self.send_response(204)
                else:
                    outer.bad += 1
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver("s3cret-s3cret-s3cret")
    yield r
    r.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_lead_change_is_delivered_signed_to_the_receiver(db, make, receiver):
    service.register_endpoint(db, None, receiver.url, ["lead.created", "lead.status_changed"], receiver.secret)
    manager = make.manager()
    lead, _ = register(db, make.user("partner", partner=make.partner(manager=manager)), "hook.example")
    from lms.leads.service import decide_lead

    decide_lead(db, manager, lead, True, None, utcnow())
    assert db.scalar(select(func.count(WebhookDelivery.id))) == 2  # written with the changes
    summary = service.send_due(db, utcnow())
    assert summary.startswith("2 of 2")
    assert receiver.bad == 0
    assert [event for event, _ in receiver.received] == ["lead.created", "lead.status_changed"]
    assert receiver.received[1][1]["data"]["to"] == "accepted"
    assert receiver.received[0][1]["data"]["lead"]["company_name"] == "Example Ltd"
    assert service.send_due(db, utcnow()).startswith("0 of 0")  # delivered rows are not sent again


def test_a_receiver_that_is_down_loses_nothing(db, make):
    down = f"http://127.0.0.1:{_free_port()}/hook"
    endpoint, secret = service.register_endpoint(db, None, down, ["lead.created"], None)
    register(db, make.partner_user(), "down.example")
    now = utcnow()
    assert service.send_due(db, now).startswith("0 of 1")
    delivery = db.scalar(select(WebhookDelivery))
    assert delivery.status == "pending" and delivery.attempts == 1
    assert db.scalar(select(WebhookAttempt)).error  # the refusal is logged
    assert service.send_due(db, now + timedelta(seconds=10)).startswith("0 of 0")  # backing off
    receiver = Receiver(secret)
    try:
        endpoint.url = receiver.url
        db.flush()
        assert service.send_due(db, now + timedelta(minutes=2)).startswith("1 of 1")
        assert len(receiver.received) == 1 and receiver.bad == 0
    finally:
        receiver.close()
    assert delivery.status == "delivered" and delivery.attempts == 2


def test_retries_back_off_and_stop_after_a_day(db, make):
    service.register_endpoint(db, None, "http://127.0.0.1:9/hook", ["lead.created"], None)
    register(db, make.partner_user(), "gone.example")
    start = utcnow()
    failing = lambda url, body, headers: 503  # noqa: E731
    moment, gaps = start, []
    delivery = db.scalar(select(WebhookDelivery))
    while delivery.status == "pending":
        service.send_due(db, moment, post=failing)
        gaps.append(delivery.next_attempt_at - moment)
        moment = delivery.next_attempt_at
    assert delivery.status == "failed" and delivery.last_status_code == 503
    assert gaps[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert moment - start >= timedelta(days=1) - timedelta(hours=1)


def test_survey_answers_and_redeliver(db, make):
    endpoint, _ = service.register_endpoint(db, None, "https://crm.example/hook", ["survey.response_created"], None)
    delivered = []
    from lms import events

    events.survey_response_created.send("test", db=db, user=None, response=type(
        "R", (), {"id": 1, "survey_id": 2, "partner_id": 3, "tier_id": 4, "quarter": "2026-Q4"})(), now=utcnow())
    service.send_due(db, utcnow(), post=lambda url, body, headers: delivered.append(json.loads(body)) or 200)
    assert delivered[0]["event"] == "survey.response_created" and delivered[0]["data"]["quarter"] == "2026-Q4"
    first = db.scalar(select(WebhookDelivery))
    service.redeliver(db, None, first, utcnow())
    service.send_due(db, utcnow(), post=lambda url, body, headers: delivered.append(json.loads(body)) or 200)
    assert len(delivered) == 2 and delivered[1] == delivered[0]


def test_register_refuses_bad_input(db):
    for url, events, secret in (("ftp://x.example", ["lead.created"], None), ("http://x.example", [], None),
                                ("http://x.example", ["nope"], None), ("http://x.example", ["lead.created"], "short"),
                                ("http://x.example/a\r\nb", ["lead.created"], None)):
        with pytest.raises(service.WebhookError):
            service.register_endpoint(db, None, url, events, secret)


def test_admin_page_registers_and_redelivers(client, auth, make, db):
    auth.login_as(make.admin())
    response = client.post("/admin/webhooks/", data={"url": "https://crm.example/hook", "events": ["lead.created"],
                                                     "secret": ""})
    assert response.status_code == 200 and 'class="api-secret"' in response.get_data(as_text=True)
    register(db, make.partner_user(), "admin-page.example")
    db.commit()
    delivery = db.scalar(select(WebhookDelivery))
    assert client.post(f"/admin/webhooks/deliveries/{delivery.id}/redeliver").status_code == 302
    assert db.scalar(select(func.count(WebhookDelivery.id))) == 2
    assert client.post("/admin/webhooks/", data={"url": "javascript:x", "events": ["lead.created"]}).status_code == 400


def test_admin_pages_use_a_constant_number_of_queries(client, auth, make, db, engine):
    from sqlalchemy import event

    from tests.api.factories import token

    auth.login_as(make.admin())
    endpoint, _ = service.register_endpoint(db, None, "https://crm.example/hook", ["lead.created"], None)

    def add(n):
        for i in range(n):
            token(db, name=f"t{i}")
            service.queue_event(db, "lead.created", {"n": i}, utcnow())
        service.send_due(db, utcnow(), post=lambda url, body, headers: 500)
        db.commit()

    def count(url):
        calls = []
        listener = lambda *args: calls.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(calls)

    add(3)
    few = (count("/admin/webhooks/"), count("/admin/api-tokens/"))
    add(27)
    assert (count("/admin/webhooks/"), count("/admin/api-tokens/")) == few
