"""Workspace lists page with a constant number of queries, whatever their length."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event

from lms.models import ThreadRead
from tests.plans.factories import partner_admin
from tests.workspace.factories import document, post


def _count_queries(engine, fn) -> int:
    count = 0

    def before(*args, **kwargs):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count


def _add(kind: str, db, make, partner, manager, admin_user, n: int) -> None:
    for i in range(n):
        if kind == "documents":
            document(db, partner, manager, title=f"Doc {i}")
        elif kind == "thread":
            post(db, partner, manager, body=f"Message {i}")
        elif kind == "team":
            make.user("partner", partner=partner)
        elif kind == "resources":
            document(db, None, manager, title=f"Resource {i}")
        elif kind == "index":
            make.partner("gold", manager=manager)


@pytest.mark.parametrize("kind,url,who", [
    ("documents", "/workspace/partners/{pid}", "admin_user"),
    ("thread", "/workspace/partners/{pid}/thread", "admin_user"),
    ("team", "/workspace/partners/{pid}/team", "admin_user"),
    ("resources", "/workspace/resources", "admin_user"),
    ("index", "/workspace/", "manager"),
])
def test_lists_use_the_same_number_of_queries_for_3_and_30_rows(client, auth, db, make, engine, kind, url, who):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    people = {"manager": manager, "admin_user": partner_admin(db, make, partner)}
    _add(kind, db, make, partner, manager, people["admin_user"], 3)
    db.commit()
    auth.login_as(people[who])
    address = url.format(pid=partner.id)
    few = _count_queries(engine, lambda: client.get(address))
    db.execute(delete(ThreadRead))
    _add(kind, db, make, partner, manager, people["admin_user"], 27)
    db.commit()
    many = _count_queries(engine, lambda: client.get(address))
    assert few == many, (kind, few, many)


def test_bad_input_on_workspace_forms_is_a_4xx_and_changes_nothing(client, auth, db, make):
    import io

    from sqlalchemy import func, select

    from lms.models import AgendaItem, Document, User
    from tests.workspace.factories import PDF

    partner = make.partner("gold")
    admin = partner_admin(db, make, partner)
    db.commit()
    auth.login_as(admin)
    base = f"/workspace/partners/{partner.id}"
    for title in ("Two\r\nlines", "nul\x00byte", "x" * 500, ""):
        response = client.post(f"{base}/documents", data={"title": title, "file": (io.BytesIO(PDF), "a.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 400, title
    assert client.post(f"{base}/documents", data={"title": "No file"}).status_code == 400
    for text in ("a\nb", "nul\x00", "y" * 400, ""):
        assert client.post(f"{base}/agenda", data={"text": text}).status_code == 400, text
    for data in ({"name": "X", "email": "not-an-email"}, {"name": "", "email": "ok.person@example.com"},
                 {"name": "N" * 500, "email": "ok.person@example.com"}):
        assert client.post(f"{base}/team", data=data).status_code == 400, data
    assert client.get("/workspace/files/999999999999999999999").status_code == 404
    assert db.scalar(select(func.count(Document.id))) == 0
    assert db.scalar(select(func.count(AgendaItem.id))) == 0
    assert db.scalar(select(func.count(User.id)).where(User.email == "ok.person@example.com")) == 0
