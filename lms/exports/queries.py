"""Rows for the partner and learning-progress exports, in a constant number of queries."""

from __future__ import annotations

from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.access import visible_partners
from lms.courses.service import certificates_of, course_totals, path_completion, path_courses, user_done
from lms.models import Partner, Tier, User

PARTNER_COLUMNS = ["id", "name", "web_domain", "tier", "manager", "created_at", "active_people",
                   "people_with_path_complete"]
PROGRESS_COLUMNS = ["partner_id", "partner", "tier", "user_id", "person", "email", "course", "required_lessons",
                    "lessons_done", "percent", "complete", "certificate_code"]


def partners_query(user: User, tier_key: str):
    """As the partners page: the partners `user` may see, optionally of one tier, by name."""
    query = visible_partners(user, select(Partner)).order_by(Partner.name, Partner.id)
    if tier_key:
        query = query.join(Tier, Tier.id == Partner.tier_id).where(Tier.key == tier_key)
    return query


def partner_rows(db: Session, user: User, tier_key: str) -> Iterator[list]:
    partners = list(db.scalars(partners_query(user, tier_key)).unique())
    completion = path_completion(db, [p.id for p in partners])
    for p in partners:
        done, people = completion.get(p.id, (0, 0))
        yield [p.id, p.name, p.web_domain, p.tier.name, p.manager.name, p.created_at, people, done]


def progress_rows(db: Session, user: User, tier_key: str) -> Iterator[list]:
    """One row per active person and required course of their tier's path."""
    partners = {p.id: p for p in db.scalars(partners_query(user, tier_key)).unique()}
    paths = {tier_id: path_courses(db, tier_id) for tier_id in sorted({p.tier_id for p in partners.values()})}
    people = list(db.scalars(select(User).where(User.partner_id.in_(list(partners)), User.active.is_(True))
                             .order_by(User.partner_id, User.name, User.id))) if partners else []
    course_ids = {c.id for courses in paths.values() for c in courses}
    totals = course_totals(db, course_ids)
    done = user_done(db, [u.id for u in people], course_ids)
    certificates = certificates_of(db, [u.id for u in people])
    for person in people:
        partner = partners[person.partner_id]
        for course in paths[partner.tier_id]:
            lessons = totals.get(course.id, (0, 0))[0]
            count = min(done.get((person.id, course.id), (0, 0))[0], lessons)
            certificate = certificates.get((person.id, course.id))
            complete = certificate is not None or (lessons > 0 and count >= lessons)
            yield [partner.id, partner.name, partner.tier.name, person.id, person.name, person.email, course.title,
                   lessons, count, round(100 * count / lessons) if lessons else 0, complete,
                   certificate.code if certificate else None]
