"""Partners at known points of their journey, for the dashboard tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from lms.models import Booking, Certificate, CheckIn, LessonCompletion, Partner, User


def kickoff(db, partner: Partner, starts_at: datetime, status: str = "held", created_at: datetime | None = None) -> Booking:
    booking = Booking(kind="kickoff", status=status, partner_id=partner.id, manager_id=partner.manager_id,
                      starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30),
                      created_at=created_at or starts_at - timedelta(days=3),
                      outcome_at=starts_at if status in ("held", "no_show") else None)
    db.add(booking)
    db.flush()
    return booking


def certificate(db, user: User, course, issued_at: datetime) -> Certificate:
    for lesson in course.lessons:
        db.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=issued_at,
                                content_hash=lesson.content_hash))
    cert = Certificate(user_id=user.id, course_id=course.id, holder_name=user.name, course_title=course.title,
                       course_version="1", issued_at=issued_at)
    db.add(cert)
    db.flush()
    return cert


def held_checkin(db, partner: Partner, held_on, pulse: int | None = None) -> CheckIn:
    item = CheckIn(partner_id=partner.id, manager_id=partner.manager_id, kind="checkin", due_on=held_on,
                   status="held", held_on=held_on, pulse=pulse)
    db.add(item)
    db.flush()
    return item
