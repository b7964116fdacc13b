"""The conversation: plain text with safe links, mail to the other side once, unread markers, isolation."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.models import OutboxMessage, Post
from lms.workspace import thread
from tests.workspace.factories import post


def test_links_are_clickable_only_for_http_and_everything_else_is_escaped():
    html = str(thread.linkify('See https://example.com/a?b=1&c=2. <b>bold</b> javascript:alert(1) '
                              'http://x.test/"onmouseover=alert(1)'))
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow ugc" target="_blank">' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "javascript:alert(1)" in html
    assert 'href="javascript' not in html and "onmouseover=alert(1)\"" not in html
    assert html.count("<a ") == 2


def _recipients(db, item) -> list[str]:
    return sorted(db.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.dedupe_key.like(f"workspace-post:{item.id}:%"))))


def test_a_partner_post_mails_the_manager_and_a_manager_post_mails_the_partner_users(db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    alice, bob = make.user("partner", partner=partner), make.user("partner", partner=partner)
    first = thread.post_message(db, alice, partner, "Can we get the Q3 price list?")
    assert _recipients(db, first) == [manager.email]
    second = thread.post_message(db, manager, partner, "Uploaded it to the workspace.")
    assert _recipients(db, second) == sorted([alice.email, bob.email])


def test_unread_counts_others_posts_until_read(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    user = make.user("partner", partner=partner)
    post(db, partner, manager, "One")
    post(db, partner, manager, "Two")
    post(db, partner, user, "Mine")
    db.commit()
    assert thread.unread_counts(db, user, [partner.id]) == {partner.id: 2}
    auth.login_as(user)
    assert "2 unread" in client.get("/home").get_data(as_text=True)
    client.get(f"/workspace/partners/{partner.id}/thread")
    assert thread.unread_counts(db, user, [partner.id]) == {}


def test_posting_through_the_page_and_bad_input(client, auth, db, make):
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    url = f"/workspace/partners/{user.partner_id}/thread"
    assert client.post(url, data={"body": "   "}).status_code == 400
    assert client.post(url, data={"body": "a\x00b"}).status_code == 400
    assert client.post(url, data={"body": "x" * 6000}).status_code == 400
    assert client.post(url, data={"body": "<img src=x onerror=alert(1)> hi"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; hi" in page
    assert db.scalar(select(func.count(Post.id))) == 1


def test_no_other_organisation_sees_or_writes_in_the_thread(client, auth, db, make):
    mine = make.partner_user()
    other = make.partner_user()
    post(db, other.partner, other, "Zebra secret plan")
    db.commit()
    auth.login_as(mine)
    url = f"/workspace/partners/{other.partner_id}/thread"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"body": "intrusion"}).status_code == 404
    assert "Zebra secret plan" not in client.get(f"/workspace/partners/{mine.partner_id}/thread").get_data(as_text=True)
    assert db.scalar(select(func.count(Post.id))) == 1
