"""A partner's conversation with its manager: plain-text posts, mail to the other side, unread markers."""

from __future__ import annotations

import re
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit
from lms.access import can_see_partner
from lms.db import utcnow
from lms.errors import DomainError
from lms.mail import absolute_url, queue_message
from lms.models import Partner, Post, ThreadRead, User

MAX_POST_LENGTH = 5000
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'"


class ThreadError(DomainError):
    field = "body"


def linkify(text: str) -> Markup:
    """Escape `text`, then make its http(s) links clickable (no other scheme ever becomes a link)."""
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0)
        trail = ""
        while url and url[-1] in _TRAILING:
            url, trail = url[:-1], url[-1] + trail
        out.append(escape(text[last:match.start()]))
        out.append(Markup('<a href="{0}" rel="noopener nofollow ugc" target="_blank">{0}</a>').format(url))
        out.append(escape(trail))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _side(user: User) -> str:
    return "partner" if user.is_partner else "vendor"


def post_message(db: Session, actor: User, partner: Partner, body: str, now: datetime | None = None) -> Post:
    """Add a post; the other side gets an email (once per post and person)."""
    now = now or utcnow()
    if not can_see_partner(actor, partner):
        raise ThreadError("You cannot write in this partner's conversation.")
    body = (body or "").strip()
    if not body:
        raise ThreadError("Write something first.")
    if len(body) > MAX_POST_LENGTH or "\x00" in body:
        raise ThreadError(f"Keep a message under {MAX_POST_LENGTH} characters of plain text.")
    post = Post(partner_id=partner.id, author_id=actor.id, author_name=actor.name, author_side=_side(actor),
                body=body, created_at=now)
    db.add(post)
    db.flush()
    mark_read(db, actor, partner.id, post.id)
    if actor.is_partner:
        recipients = [partner.manager]
    else:
        recipients = list(db.scalars(select(User).where(User.partner_id == partner.id, User.active.is_(True))))
    link = absolute_url("workspace.thread", partner_id=partner.id)
    for person in recipients:
        if person.id == actor.id or not person.active:
            continue
        queue_message(db, person.email, f"New message from {actor.name} ({partner.name})", "workspace_post",
                      dedupe_key=f"workspace-post:{post.id}:{person.id}", post=post, partner=partner,
                      person=person, link=link)
    audit.record(db, actor, "workspace.posted", post, f"{actor.name} wrote in the conversation", partner_id=partner.id)
    return post


def thread_posts(partner_id: int):
    """The statement listing a partner's posts, newest first (paginate it)."""
    return select(Post).where(Post.partner_id == partner_id).order_by(Post.id.desc())


def last_read(db: Session, user: User, partner_id: int) -> int:
    return db.scalar(select(ThreadRead.last_read_post_id).where(
        ThreadRead.user_id == user.id, ThreadRead.partner_id == partner_id)) or 0


def mark_read(db: Session, user: User, partner_id: int, post_id: int) -> None:
    """Move the user's marker forward to `post_id` (never back; two tabs may race)."""
    moved = db.execute(
        update(ThreadRead).where(ThreadRead.user_id == user.id, ThreadRead.partner_id == partner_id,
                                 ThreadRead.last_read_post_id < post_id)
        .values(last_read_post_id=post_id).execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        return
    if db.scalar(select(ThreadRead.id).where(ThreadRead.user_id == user.id, ThreadRead.partner_id == partner_id)):
        return
    try:
        with db.begin_nested():
            db.add(ThreadRead(user_id=user.id, partner_id=partner_id, last_read_post_id=post_id))
    except IntegrityError:
        mark_read(db, user, partner_id, post_id)


def unread_counts(db: Session, user: User, partner_ids: list[int]) -> dict[int, int]:
    """partner id -> posts by others the user has not read yet: one query."""
    if not partner_ids:
        return {}
    marker = (select(ThreadRead.partner_id, ThreadRead.last_read_post_id)
              .where(ThreadRead.user_id == user.id).subquery())
    rows = db.execute(
        select(Post.partner_id, func.count(Post.id))
        .outerjoin(marker, marker.c.partner_id == Post.partner_id)
        .where(Post.partner_id.in_(partner_ids), Post.id > func.coalesce(marker.c.last_read_post_id, 0),
               Post.author_side != _side(user))
        .group_by(Post.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}
