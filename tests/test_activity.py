"""lms/activity.py: what each partner did last, in one query per source whatever the partner count."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, select

from lms.activity import activity_by_kind, last_activity
from lms.db import utcnow
from lms.models import GroupSession, LessonCompletion, Partner, SessionSeat
from tests.checkins.factories import checkin, held_kickoff
from tests.courses.helpers import create_course


def _complete(db, user, lesson, at):
    db.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=at, content_hash=lesson.content_hash))
    db.flush()


def test_latest_of_each_kind_and_overall(db, make):
    now = utcnow()
    partner = make.partner("gold")
    anna = make.user(partner=partner, name="Anna Lee")
    bob = make.user(partner=partner, name="Bob Ray")
    anna.last_login_at = now - timedelta(days=10)
    bob.last_login_at = now - timedelta(days=3)
    course = create_course(db, "activity-course", lessons=2)
    _complete(db, anna, course.lessons[0], now - timedelta(days=20))
    _complete(db, anna, course.lessons[1], now - timedelta(days=5))
    held_kickoff(db, partner, now - timedelta(days=40))
    checkin(db, partner, due_on=date.today() - timedelta(days=8), status="held",
            held_on=(now - timedelta(days=8)).date())
    quiet = make.partner("gold")

    by_kind = activity_by_kind(db, [partner.id, quiet.id])

    assert quiet.id not in by_kind
    kinds = by_kind[partner.id]
    assert kinds["sign_in"].label == "Bob Ray signed in"
    assert kinds["sign_in"].days_ago(now) == 3
    assert kinds["lesson"].label == "Anna Lee completed the lesson “Lesson 2”"
    assert kinds["lesson"].days_ago(now) == 5
    assert kinds["call"].label == "Kickoff call held"
    assert kinds["checkin"].label == "Check-in held"
    assert kinds["checkin"].at.date() == (now - timedelta(days=8)).date()
    assert last_activity(db, [partner.id, quiet.id]) == {partner.id: kinds["sign_in"]}


def test_kinds_limit_the_sources(db, make):
    partner = make.partner("gold")
    user = make.user(partner=partner)
    user.last_login_at = utcnow() - timedelta(days=1)
    held_kickoff(db, partner, utcnow() - timedelta(days=30))

    found = last_activity(db, [partner.id], kinds=["call"])

    assert found[partner.id].kind == "call"


def test_group_seat_booked_counts_as_a_call(db, make):
    partner = make.partner("bronze")
    start = utcnow() + timedelta(days=5)
    session = GroupSession(manager_id=partner.manager_id, title="Welcome", starts_at=start,
                           ends_at=start + timedelta(hours=1), capacity=5, seats_taken=1)
    db.add(session)
    db.flush()
    db.add(SessionSeat(session_id=session.id, partner_id=partner.id, created_at=utcnow() - timedelta(days=2)))
    db.flush()

    found = last_activity(db, [partner.id])

    assert found[partner.id].label == "Group session “Welcome” booked"
    assert found[partner.id].days_ago(utcnow()) == 2


def test_a_select_of_ids_works_like_a_list(db, make):
    partner = make.partner("gold")
    make.user(partner=partner).last_login_at = utcnow()
    db.flush()

    found = last_activity(db, select(Partner.id).where(Partner.id == partner.id))

    assert set(found) == {partner.id}
    assert last_activity(db, []) == {}


def _count_queries(db, fn):
    statements = []
    engine = db.get_bind().engine

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_query_count_does_not_grow_with_partners(db, make):
    course = create_course(db, "activity-count", lessons=1)

    def partners(n):
        ids = []
        for _ in range(n):
            partner = make.partner("gold")
            user = make.user(partner=partner)
            user.last_login_at = utcnow()
            _complete(db, user, course.lessons[0], utcnow())
            held_kickoff(db, partner, utcnow() - timedelta(days=3))
            ids.append(partner.id)
        db.flush()
        return ids

    three, thirty = partners(3), partners(30)
    few = _count_queries(db, lambda: last_activity(db, three))
    many = _count_queries(db, lambda: last_activity(db, thirty))

    assert few == many
