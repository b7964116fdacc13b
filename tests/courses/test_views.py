"""Paths per tier, progress on the home and partner pages, admin pages, and constant query counts."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from lms.courses import service
from lms.models import AuditEvent, Certificate
from tests.courses.helpers import create_course, right_answers


def finish(db, user, course, lessons=None):
    for lesson in course.lessons[: lessons if lessons is not None else len(course.lessons)]:
        service.submit_answers(db, user, lesson, right_answers(lesson))


def test_admin_sets_a_tier_path_and_partners_see_it_in_order(client, auth, make, db):
    first = create_course(db, "basics", title="Basics first")
    second = create_course(db, "advanced", title="Advanced second")
    elective = create_course(db, "elective", title="Optional elective")
    admin, partner_user = make.admin(), make.partner_user("gold")
    gold = make.tier("gold")
    db.commit()
    auth.login_as(admin)
    page = client.get(f"/courses/admin/paths/{gold.id}").get_data(as_text=True)
    titles = ["Advanced second", "Basics first", "Optional elective"]  # alphabetical rows
    assert [t for t in titles if t in page] == titles
    form = {
        "entries-0-course_id": str(second.id), "entries-0-required": "y", "entries-0-position": "2",
        "entries-1-course_id": str(first.id), "entries-1-required": "y", "entries-1-position": "1",
        "entries-2-course_id": str(elective.id), "entries-2-position": "",
    }
    response = client.post(f"/courses/admin/paths/{gold.id}", data=form)
    assert response.status_code == 302
    assert [c.slug for c in service.path_courses(db, gold.id)] == ["basics", "advanced"]
    assert db.scalar(select(AuditEvent.summary).where(AuditEvent.action == "path.updated")) == (
        "Required courses for Gold: Basics first, Advanced second"
    )
    auth.logout()
    auth.login_as(partner_user)
    catalogue = client.get("/courses/").get_data(as_text=True)
    path_part, more = catalogue.split('id="catalogue-heading"')
    assert path_part.index("Basics first") < path_part.index("Advanced second")
    assert "Optional elective" in more and "Optional elective" not in path_part
    assert 'Start “Basics first”' in catalogue


def test_path_editor_refuses_a_bad_order_number(client, auth, make, db):
    course = create_course(db, "only")
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    tier = make.tier("bronze")
    response = client.post(f"/courses/admin/paths/{tier.id}", data={
        "entries-0-course_id": str(course.id), "entries-0-required": "y", "entries-0-position": "500",
    })
    assert response.status_code == 400
    assert "Enter a number from 1 to 99." in response.get_data(as_text=True)
    assert service.path_courses(db, tier.id) == []


def test_admin_pages_are_for_admins(client, auth, make, db):
    manager = make.manager()
    db.commit()
    auth.login_as(manager)
    assert client.get("/courses/admin/").status_code == 403
    assert client.post("/courses/admin/sync").status_code == 403


def test_admin_publishes_a_draft(client, auth, make, db):
    course = create_course(db, "to-publish", status="draft")
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    assert "Publish" in client.get("/courses/admin/").get_data(as_text=True)
    assert client.post("/courses/admin/to-publish/publish").status_code == 302
    db.refresh(course)
    assert course.status == "published"
    assert "course.status" in set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "course")))


def test_admin_loads_the_courses_folder_from_the_page(client, auth, make, db):
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    response = client.post("/courses/admin/sync", follow_redirects=True)
    assert "working-with-us: created with 3 lessons" in response.get_data(as_text=True)


def test_home_page_shows_the_path_progress_and_where_to_continue(client, auth, make, db):
    a, b = create_course(db, "path-a", title="Path A"), create_course(db, "path-b", title="Path B")
    user = make.partner_user("bronze")
    service.set_learning_path(db, make.admin(), make.tier("bronze"), [a.id, b.id])
    finish(db, user, a)
    finish(db, user, b, lessons=1)
    db.commit()
    auth.login_as(user)
    page = client.get("/home").get_data(as_text=True)
    assert "67% of your Bronze path" in page  # 4 of 6 lessons
    assert "about 10 min left" in page
    assert 'Continue “Path B”' in page
    course_page = client.get("/courses/path-b").get_data(as_text=True)
    assert "Continue with “Lesson 2”" in course_page and "required for your tier" in course_page


def test_partner_page_rolls_progress_up_for_the_manager(client, auth, make, db):
    course = create_course(db, "rollup", title="Rollup Course")
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    done, halfway = make.user("partner", partner=partner, name="Dana Done"), make.user("partner", partner=partner, name="Hal Halfway")
    service.set_learning_path(db, make.admin(), partner.tier, [course.id])
    finish(db, done, course)
    finish(db, halfway, course, lessons=1)
    db.commit()
    auth.login_as(manager)
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Learning progress" in page
    assert "<strong>1 of 2</strong> people completed the required path (50%)" in page
    assert "1/3 lessons" in page
    summary = service.partner_progress(db, partner)
    assert (summary.completed, summary.people, summary.percent) == (1, 2, 50)
    no_path = make.partner("platinum", manager=manager)
    make.user("partner", partner=no_path)
    assert service.path_completion(db, [partner.id, no_path.id]) == {partner.id: (1, 2), no_path.id: (0, 1)}


@contextmanager
def count_queries(engine):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.mark.parametrize("page", ["course", "lesson"])
def test_course_and_lesson_pages_use_a_constant_number_of_queries(client, auth, make, db, engine, page):
    short = create_course(db, "short-course", lessons=2, checks=1)
    long = create_course(db, "long-course", lessons=12, checks=3)
    user = make.partner_user("gold")
    service.set_learning_path(db, make.admin(), make.tier("gold"), [short.id, long.id])
    finish(db, user, short)
    finish(db, user, long, lessons=11)  # a full history: every lesson but the last done
    db.commit()
    auth.login_as(user)
    counts = {}
    for course in (short, long):
        url = f"/courses/{course.slug}" if page == "course" else f"/courses/{course.slug}/{course.lessons[1].slug}"
        client.get(url)  # warm up
        with count_queries(engine) as statements:
            assert client.get(url).status_code == 200
        counts[course.slug] = len(statements)
    assert counts["short-course"] == counts["long-course"], counts
    assert counts["long-course"] <= 12, counts


def test_certificate_revocation_from_the_admin_page(client, auth, make, db):
    course = create_course(db, "revoke-me", lessons=1)
    user = make.partner_user()
    finish(db, user, course)
    admin = make.admin()
    db.commit()
    certificate = db.scalar(select(Certificate).where(Certificate.user_id == user.id))
    auth.login_as(admin)
    assert user.name in client.get("/courses/admin/revoke-me/certificates").get_data(as_text=True)
    response = client.post(f"/courses/admin/certificates/{certificate.id}/revoke", data={f"c{certificate.id}-reason": ""})
    db.refresh(certificate)
    assert response.status_code == 302 and certificate.revoked_at is None
    client.post(f"/courses/admin/certificates/{certificate.id}/revoke", data={f"c{certificate.id}-reason": "Left the company"})
    db.refresh(certificate)
    assert certificate.revoked_at is not None
    auth.logout()
    assert "Revoked: Left the company" in client.get(f"/certificates/{certificate.code}").get_data(as_text=True)


def test_path_editor_orders_unnumbered_courses_last_and_refuses_forged_ids(client, auth, make, db):
    first, second, third = (create_course(db, slug, title=title) for slug, title in (
        ("zeta", "Zeta numbered"), ("alpha", "Alpha unnumbered"), ("beta", "Beta unnumbered")))
    admin, tier = make.admin(), make.tier("platinum")
    db.commit()
    auth.login_as(admin)
    form = {
        "entries-0-course_id": str(third.id), "entries-0-required": "y",
        "entries-1-course_id": str(first.id), "entries-1-required": "y", "entries-1-position": "1",
        "entries-2-course_id": str(second.id), "entries-2-required": "y",
    }
    assert client.post(f"/courses/admin/paths/{tier.id}", data=form).status_code == 302
    assert [c.slug for c in service.path_courses(db, tier.id)] == ["zeta", "alpha", "beta"]
    forged = dict(form, **{"entries-0-course_id": "not-a-number", "entries-1-position": "500"})
    assert client.post(f"/courses/admin/paths/{tier.id}", data=forged).status_code == 400
    assert [c.slug for c in service.path_courses(db, tier.id)] == ["zeta", "alpha", "beta"]


def test_admin_course_list_pages_in_fifties_and_keeps_the_status_filter(client, auth, make, db):
    from lms.models import Course
    from tests.checkins.test_views import BAD_PAGES, assert_first_page

    for i in range(51):
        db.add(Course(slug=f"draft-{i:02d}", title=f"Draft course {i:02d}", status="draft"))
    db.add(Course(slug="live", title="A live course", status="published"))
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    everything = client.get("/courses/admin/").get_data(as_text=True)
    assert "A live course" in everything and "Page 1 of 2" in everything
    first = client.get("/courses/admin/?status=draft").get_data(as_text=True)
    assert "A live course" not in first and first.count(">Draft course") == 50 and "Draft course 50" not in first
    assert 'href="/courses/admin/?status=draft&amp;page=2"' in first
    second = client.get("/courses/admin/?status=draft&page=2").get_data(as_text=True)
    assert "Draft course 50" in second and second.count(">Draft course") == 1
    assert 'href="/courses/admin/?status=draft&amp;page=1"' in second
    assert "A live course" in client.get("/courses/admin/?status=bogus").get_data(as_text=True)
    for bad in BAD_PAGES:
        assert_first_page(client.get("/courses/admin/", query_string={"status": "draft", "page": bad}), bad,
                          "Draft course 00")
