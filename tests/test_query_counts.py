"""Every list and agenda page runs the same number of queries at 3 rows as at 30 (no query per row).

To add your page, append a `ListPage(endpoint, role, rows)` to `PAGES`: `rows(make, viewer, n)` adds `n`
rows that `viewer` (a signed-in user of `role`) sees on the page; `params` are the endpoint's URL values
(or `params(make, viewer)` returning them, for a page about a record the test makes first).
The test signs in, adds 3 rows, counts the queries of one GET, adds 27 more, counts again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import event, func, select

from lms.db import utcnow
from lms.models import (AuditEvent, Booking, Certificate, CheckIn, Course, GroupSession, LearningPathItem, Lesson,
                        PublicHoliday, SessionSeat, Tier)
from tests.checkins import factories as checkin_factories
from tests.factories import Factories

_hours = itertools.count(1)


@dataclass(frozen=True)
class ListPage:
    endpoint: str
    role: str  # "admin", "manager" or "partner"
    rows: Callable[[Factories, object, int], None]
    params: dict | Callable[[Factories, object], dict] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.endpoint}-{self.role}"


def _partners(make, viewer, n):
    manager = viewer if viewer.is_manager else None
    for _ in range(n):
        partner = make.partner(manager=manager or make.manager())
        make.user("partner", partner=partner)


def _users(make, viewer, n):
    for _ in range(n):
        make.partner_user()


def _audit(make, viewer, n):
    for _ in range(n):
        actor = make.manager()
        make.db.add(AuditEvent(actor_id=actor.id, action="partner.updated", object_type="partner",
                               partner_id=make.partner(manager=actor).id, summary="Renamed"))
    make.db.flush()


def _calls(make, viewer, n):
    """Calls with a partner user who booked them, and group sessions with seats, in the next days."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for i in range(n):
        partner = make.partner(manager=viewer)
        user = make.user("partner", partner=partner)
        starts = now + timedelta(hours=24 + next(_hours))
        if i % 3:
            make.db.add(Booking(kind="kickoff", status="booked", partner_id=partner.id, manager_id=viewer.id,
                                booked_by_id=user.id, starts_at=starts, ends_at=starts + timedelta(minutes=30)))
        else:
            session = GroupSession(manager_id=viewer.id, title=f"Group {i}", starts_at=starts,
                                   ends_at=starts + timedelta(hours=1), capacity=12, seats_taken=1)
            make.db.add(session)
            make.db.flush()
            make.db.add(SessionSeat(session_id=session.id, partner_id=partner.id, booked_by_id=user.id))
    make.db.flush()


def _checkins(make, viewer, n):
    today = utcnow().date()
    for i in range(n):
        partner = make.partner(manager=viewer)
        checkin_factories.checkin(make.db, partner, due_on=today + timedelta(days=(i % 40) - 10))
        checkin_factories.checkin(make.db, partner, due_on=today - timedelta(days=20), status="held")


def _support(make, viewer, n):
    for i in range(n):
        partner = make.partner(manager=viewer)
        user = make.user("partner", partner=partner)
        item = checkin_factories.support_request(make.db, partner, user, due_at=utcnow() + timedelta(hours=i + 1))
        if i % 2:
            item.answered_at, item.answered_by_id = utcnow(), viewer.id
    make.db.flush()


def _certificates(make, viewer, n):
    course = make.db.scalar(select(Course).where(Course.slug == "scale-counts"))
    if course is None:
        course = Course(slug="scale-counts", title="Counting", status="published")
        make.db.add(course)
        make.db.flush()
    for _ in range(n):
        user = make.partner_user()
        make.db.add(Certificate(user_id=user.id, course_id=course.id, holder_name=user.name,
                                course_title=course.title, course_version="1"))
    make.db.flush()


def _own_plan(make, viewer, n):
    """The partner's own check-ins (held ones with next steps) and support requests."""
    from lms.models import Partner

    partner = make.db.get(Partner, viewer.partner_id)
    today = utcnow().date()
    start = make.db.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.partner_id == partner.id))
    for i in range(start, start + n):
        held = checkin_factories.checkin(make.db, partner, due_on=today - timedelta(days=7 * i + 1), status="held")
        checkin_factories.next_step(make.db, held, text=f"Step {i}")
        checkin_factories.support_request(make.db, partner, viewer, subject=f"Question {i}")


def _counted_partner(make, viewer):
    """The one partner of `viewer` (a manager) whose own pages the counts are taken on."""
    from lms.models import Partner

    found = make.db.scalar(select(Partner).where(Partner.manager_id == viewer.id, Partner.name == "Counted Partner"))
    return found or make.partner(manager=viewer, name="Counted Partner")


def _partner_checkins(make, viewer, n):
    """Check-ins of all three kinds of status, each with an open next step, on one partner's page."""
    partner = _counted_partner(make, viewer)
    start = make.db.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.partner_id == partner.id))
    today = utcnow().date()
    for i in range(start, start + n):
        status = ("planned", "held", "skipped")[i % 3]
        item = checkin_factories.checkin(make.db, partner, due_on=today + timedelta(days=7 * (i - 15)), status=status)
        checkin_factories.next_step(make.db, item, text=f"Step {i}", due_on=today + timedelta(days=i))


def _holidays(make, viewer, n):
    start = make.db.scalar(select(func.count()).select_from(PublicHoliday))
    year = utcnow().year + 1
    for i in range(start, start + n):
        checkin_factories.holiday(make.db, country=("GB", "DE", "FR")[i % 3], day=date(year, 1, 1) + timedelta(days=i),
                                  name=f"Holiday {i}")


def _courses(make, viewer, n):
    """Courses with a lesson and a certificate each, some on the Gold path."""
    start = make.db.scalar(select(func.count()).select_from(Course))
    gold = make.tier("gold")
    for i in range(start, start + n):
        course = Course(slug=f"counted-{i}", title=f"Counted {i:03d}", status=("draft", "published")[i % 2])
        make.db.add(course)
        make.db.flush()
        make.db.add(Lesson(course_id=course.id, slug="one", title="One", position=1, body_html="<p>x</p>",
                           content_hash=f"h{i}", estimated_minutes=5))
        if i % 3 == 0:
            make.db.add(LearningPathItem(tier_id=gold.id, course_id=course.id, position=i + 1))
        user = make.partner_user()
        make.db.add(Certificate(user_id=user.id, course_id=course.id, holder_name=user.name,
                                course_title=course.title, course_version="1"))
    make.db.flush()


def _tiers(make, viewer, n):
    start = make.db.scalar(select(func.count()).select_from(Tier))
    for i in range(start, start + n):
        make.db.add(Tier(key=f"counted{i}", name=f"Counted {i}", rank=100 + i, onboarding_kind="dedicated",
                         support_channel="Email", sla_coverage="none", checkin_cadence_months=3,
                         commission_rate=Decimal("5")))
    make.db.flush()


def _leads(make, viewer, n):
    """A lead each from new partners of the manager: the lead list and the totals per partner grow."""
    from tests.leads.factories import register

    for _ in range(n):
        user = make.user("partner", partner=make.partner(manager=viewer))
        register(make.db, user, f"counted-{user.id}.example")


def _people(make, viewer, n):
    """People of one partner (some deactivated), with a required course on its tier's path to show progress on."""
    partner = _counted_partner(make, viewer)
    course = make.db.scalar(select(Course).where(Course.slug == "people-counts"))
    if course is None:
        course = Course(slug="people-counts", title="People", status="published")
        make.db.add(course)
        make.db.flush()
        make.db.add(Lesson(course_id=course.id, slug="one", title="One", position=1, body_html="<p>x</p>",
                           content_hash="people", estimated_minutes=5))
        make.db.add(LearningPathItem(tier_id=partner.tier_id, course_id=course.id, position=1))
    for i in range(n):
        user = make.user("partner", partner=partner)
        user.active = i % 4 != 0
        make.db.add(Certificate(user_id=user.id, course_id=course.id, holder_name=user.name,
                                course_title=course.title, course_version="1"))
    make.db.flush()


def _endpoints(make, viewer, n):
    from lms.webhooks import service as webhooks

    for _ in range(n):
        webhooks.register_endpoint(make.db, None, f"https://counted{next(_hours)}.example/hook", ["lead.created"], None)
        webhooks.queue_event(make.db, "lead.created", {"n": n}, utcnow())


def _past_calls(make, viewer, n):
    """Past calls still marked booked: the outcomes the manager owes."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for _ in range(n):
        partner = make.partner(manager=viewer)
        user = make.user("partner", partner=partner)
        starts = now - timedelta(hours=next(_hours))
        make.db.add(Booking(kind="kickoff", status="booked", partner_id=partner.id, manager_id=viewer.id,
                            booked_by_id=user.id, starts_at=starts, ends_at=starts + timedelta(minutes=30)))
    make.db.flush()


def _checkin_to_record(make, viewer):
    """A planned check-in of the counted partner, far ahead (its record page lists open steps and history)."""
    partner = _counted_partner(make, viewer)
    return {"checkin_id": checkin_factories.checkin(make.db, partner, due_on=utcnow().date() + timedelta(days=900)).id}


def _follow_ups(make, viewer, n):
    """Detractor answers from the viewer's partners: each opens a follow-up (agenda panel, follow-ups page)."""
    from tests.surveys.factories import response

    for _ in range(n):
        user = make.user("partner", partner=make.partner(manager=viewer))
        response(make.db, user, 2, text="Unhappy")


PAGES = [
    ListPage("partners.index", "admin", _partners),
    ListPage("partners.index", "manager", _partners),
    ListPage("admin.users", "admin", _users),
    ListPage("admin.audit_log", "admin", _audit),
    ListPage("bookings.agenda", "manager", _calls),
    ListPage("bookings.agenda", "manager", _past_calls),
    ListPage("checkins.agenda", "admin", _checkins),
    ListPage("checkins.agenda", "manager", _checkins),
    ListPage("checkins.support", "manager", _support),
    ListPage("checkins.agenda", "manager", _follow_ups),
    ListPage("surveys.follow_ups", "manager", _follow_ups),
    ListPage("checkins.plan", "partner", _own_plan),
    ListPage("courses.admin_certificates", "admin", _certificates, {"course_slug": "scale-counts"}),
    ListPage("checkins.partner", "manager", _partner_checkins, lambda make, viewer: {
        "partner_id": _counted_partner(make, viewer).id}),
    ListPage("checkins.record", "manager", _partner_checkins, _checkin_to_record),
    ListPage("checkins.holiday_list", "admin", _holidays),
    ListPage("checkins.holiday_list", "manager", _holidays),
    ListPage("courses.admin_index", "admin", _courses),
    ListPage("admin.tiers", "admin", _tiers),
    ListPage("webhooks.index", "admin", _endpoints),
    ListPage("leads.index", "manager", _leads),
    ListPage("partners.detail", "manager", _people, lambda make, viewer: {"partner_id": _counted_partner(make, viewer).id}),
    ListPage("leads.index", "admin", _leads),
]


@pytest.fixture
def count_queries(engine):
    """count_queries(fn) -> the number of statements the database received while fn ran."""

    def run(fn):
        seen = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            fn()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return seen

    return run


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_list_page_queries_do_not_grow_with_rows(page, client, auth, make, db, count_queries):
    viewer = auth.login_as(make.user(page.role))
    url = url_for(page.endpoint, **(page.params(make, viewer) if callable(page.params) else page.params))

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]

    page.rows(make, viewer, 3)
    db.commit()
    at_three = count_queries(get)
    page.rows(make, viewer, 27)
    db.commit()
    at_thirty = count_queries(get)
    assert len(at_thirty) == len(at_three), "\n".join(at_thirty)


def test_partner_list_pages_and_keeps_filters(client, auth, make, db):
    auth.login_as(make.admin())
    manager = make.manager()
    for n in range(55):
        make.partner(tier="bronze", manager=manager, name=f"Scale Org {n:02d}")
    db.commit()
    first = client.get(url_for("partners.index", tier="bronze", manager=manager.id, q="scale org")).get_data(as_text=True)
    assert first.count("Scale Org") == 50
    assert "Page 1 of 2" in first
    assert f"manager={manager.id}" in first and "tier=bronze" in first and "page=2" in first
    second = client.get(url_for("partners.index", tier="bronze", manager=manager.id, q="scale org", page=2))
    assert second.get_data(as_text=True).count("Scale Org") == 5


def test_no_relationship_is_joined_by_default():
    """Each view says what it loads; a default joined load turns every lookup into a many-table join."""
    from lms.models import Base

    joined = [f"{m.class_.__name__}.{r.key}" for m in Base.registry.mappers for r in m.relationships
              if r.lazy == "joined"]
    assert joined == []
