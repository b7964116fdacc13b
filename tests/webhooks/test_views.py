"""The admin webhooks page: endpoints and deliveries, each list paged on its own."""

from __future__ import annotations

from lms.db import utcnow
from lms.webhooks import service
from tests.checkins.test_views import BAD_PAGES, assert_first_page
from tests.leads.test_views import _pager_links


def test_endpoints_page_in_fifties_and_keep_the_deliveries_page(client, auth, make, db):
    for i in range(51):
        service.register_endpoint(db, None, f"https://crm{i:02d}.example/hook", ["lead.created"], None)
    db.commit()
    for i in range(51):
        service.queue_event(db, "lead.created", {"n": i}, utcnow())
    db.commit()
    auth.login_as(make.admin())
    first = client.get("/admin/webhooks/").get_data(as_text=True)
    assert "https://crm49.example/hook" in first and "https://crm50.example/hook" not in first
    assert {"endpoints_page": "2"} in _pager_links(first) and {"page": "2"} in _pager_links(first)
    second = client.get("/admin/webhooks/?endpoints_page=2&page=2").get_data(as_text=True)
    assert "https://crm50.example/hook" in second and "https://crm49.example/hook" not in second
    links = _pager_links(second)
    assert {"endpoints_page": "1", "page": "2"} in links and {"endpoints_page": "2", "page": "1"} in links
    for bad in BAD_PAGES:
        assert_first_page(client.get("/admin/webhooks/", query_string={"endpoints_page": bad, "page": bad}), bad,
                          "https://crm00.example/hook")
