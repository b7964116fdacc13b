"""Loading content: our courses/ folder, the Carpentries import, idempotent sync, changed lessons."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.courses import content, service
from lms.models import AuditEvent, Certificate, Course, CourseAsset, Lesson, LessonVersion, OutboxMessage
from tests.courses.helpers import REPO, SHELL_NOVICE, course_source, create_course, lesson_text, right_answers

needs_shell_novice = pytest.mark.skipif(
    not (SHELL_NOVICE / "config.yaml").is_file(),
    reason=f"the Carpentries shell-novice lesson is not beside the clone ({SHELL_NOVICE.resolve()})",
)


def test_our_courses_sync_with_lessons_and_checks(db):
    results = content.sync_folder(db, REPO / "courses")
    assert {r.slug for r in results} == {"working-with-us", "selling-the-platform", "support-and-escalation"}
    assert all(r.created for r in results)
    for course in db.scalars(select(Course)):
        assert course.is_published and len(course.lessons) >= 3
        assert all(lesson.checks for lesson in course.lessons), f"{course.slug}: every lesson has checks"
        assert all(lesson.body_html and lesson.content_hash for lesson in course.lessons)


def test_sync_twice_changes_nothing(db):
    content.sync_folder(db, REPO / "courses")
    hashes = dict(db.execute(select(Lesson.id, Lesson.content_hash)).all())
    versions = db.scalar(select(func.count(LessonVersion.id)))
    audits = db.scalar(select(func.count(AuditEvent.id)))
    results = content.sync_folder(db, REPO / "courses")
    assert [r.describe().split(": ")[1] for r in results] == ["unchanged"] * 3
    assert dict(db.execute(select(Lesson.id, Lesson.content_hash)).all()) == hashes
    assert db.scalar(select(func.count(LessonVersion.id))) == versions
    assert db.scalar(select(func.count(AuditEvent.id))) == audits


def test_sync_command_reports_and_a_broken_course_changes_nothing(runner, tmp_path, db):
    shutil.copytree(REPO / "courses" / "working-with-us", tmp_path / "working-with-us")
    result = runner.invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "working-with-us: created with 3 lessons" in result.output
    lesson = tmp_path / "working-with-us" / "02-registering-leads.md"
    lesson.write_text(lesson.read_text().replace("id: expiry-days", "id: Not Valid!"))
    result = runner.invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output and "02-registering-leads.md" in result.output


def test_courses_dir_comes_from_the_environment_and_the_command_uses_it(runner, tmp_path, db):
    from flask import Flask, current_app

    from lms.config import load_config

    probe = Flask("probe")
    load_config(probe, environ={"LMS_ENV": "development"})
    assert Path(probe.config["COURSES_DIR"]) == REPO / "courses"
    load_config(probe, environ={"LMS_ENV": "development", "COURSES_DIR": str(tmp_path)})
    assert probe.config["COURSES_DIR"] == str(tmp_path)
    shutil.copytree(REPO / "courses" / "support-and-escalation", tmp_path / "support-and-escalation")
    current_app.config["COURSES_DIR"] = str(tmp_path)  # the command runs in the test's pushed app context
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == ["support-and-escalation: created with 3 lessons"]


def test_changed_lesson_gets_a_new_hash_and_a_summary_of_changes(db, make):
    create_course(db, "evolving", lessons=2)
    course = db.scalar(select(Course).where(Course.slug == "evolving"))
    lesson = course.lessons[0]
    user = make.partner_user()
    service.submit_answers(db, user, lesson, right_answers(lesson))
    completion_hash = lesson.content_hash

    changed = lesson_text(1).replace("## Part one of lesson 1", "## A brand new section\n\nWith several new words here")
    result = content.sync_course(db, course_source("evolving", [changed, lesson_text(2)]))
    assert result.changed == ["lesson-1"] and not result.added and not result.removed
    assert lesson.content_hash != completion_hash

    from lms.models import LessonCompletion

    completion = db.scalar(select(LessonCompletion).where(LessonCompletion.user_id == user.id))
    assert completion.content_hash == completion_hash  # the completion is kept
    changes = service.changes_since(db, lesson, completion)
    assert changes["added"] == ["A brand new section"]
    assert changes["removed"] == ["Part one of lesson 1"]
    assert changes["words_added"] > 0


def test_lessons_removed_from_the_source_are_removed(db):
    create_course(db, "shrinking", lessons=3)
    result = content.sync_course(db, course_source("shrinking", [lesson_text(1), lesson_text(2)]))
    assert result.removed == ["lesson-3"]
    course = db.scalar(select(Course).where(Course.slug == "shrinking"))
    assert [lesson.slug for lesson in course.lessons] == ["lesson-1", "lesson-2"]


def test_removing_the_only_lesson_left_undone_issues_the_certificate(db, make):
    course = create_course(db, "trimmed", lessons=3)
    user = make.partner_user()
    for lesson in course.lessons[:2]:
        service.submit_answers(db, user, lesson, right_answers(lesson))
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == user.id)) == 0
    content.sync_course(db, course_source("trimmed", [lesson_text(1), lesson_text(2)]))
    certificate = db.scalar(select(Certificate).where(Certificate.user_id == user.id))
    assert certificate is not None and certificate.course_id == course.id
    assert db.scalar(select(OutboxMessage.subject).where(OutboxMessage.recipient == user.email)) == "Your certificate: Course trimmed"
    content.sync_course(db, course_source("trimmed", [lesson_text(1)]))  # again: still one certificate
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == user.id)) == 1


def test_a_draft_stays_draft_and_a_published_course_stays_published_on_resync(db, make):
    course = create_course(db, "admin-owned", status="draft")
    service.set_course_status(db, make.admin(), course, "published")
    content.sync_course(db, course_source("admin-owned", [lesson_text(1)], status="draft"))
    assert course.status == "published"


# -- the Carpentries lesson ------------------------------------------------------------------------

@pytest.fixture
def shell_novice(db):
    result = content.import_lesson(db, SHELL_NOVICE, publish=True)
    db.commit()
    return db.scalar(select(Course).where(Course.slug == result.slug))


@needs_shell_novice
def test_import_takes_title_and_episode_order_from_config(shell_novice, db):
    assert shell_novice.title == "The Unix Shell"
    assert [lesson.slug for lesson in shell_novice.lessons] == [
        "01-intro", "02-filedir", "03-create", "04-pipefilter", "05-loop", "06-script", "07-find",
    ]
    assert shell_novice.lessons[1].title == "Navigating Files and Directories"
    assert shell_novice.lessons[1].estimated_minutes == 40  # teaching 30 + exercises 10
    assert "CC-BY 4.0" in shell_novice.attribution and "Software Carpentry" in shell_novice.attribution
    assets = set(db.scalars(select(CourseAsset.path).where(CourseAsset.course_id == shell_novice.id)))
    assert {"fig/filesystem.svg", "fig/nano-screenshot.png", "fig/redirects-and-pipes.svg"} <= assets


@needs_shell_novice
def test_import_command_creates_a_draft(runner, db):
    result = runner.invoke(args=["courses", "import", str(SHELL_NOVICE)])
    assert result.exit_code == 0, result.output
    assert "shell-novice: created with 7 lessons" in result.output
    assert db.scalar(select(Course.status).where(Course.slug == "shell-novice")) == "draft"


@needs_shell_novice
def test_every_episode_renders_cleanly_for_a_partner(shell_novice, client, auth, make, db):
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    sources = {p.stem: p.read_text() for p in (SHELL_NOVICE / "episodes").glob("*.md")}
    for lesson in shell_novice.lessons:
        response = client.get(f"/courses/shell-novice/{lesson.slug}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        body = page.split('<div class="lesson-body">', 1)[1].split('<nav class="lesson-nav"', 1)[0]
        assert ":::" not in body, lesson.slug
        assert "{alt=" not in body and "{alt =" not in body, lesson.slug
        assert "```" not in body, lesson.slug
        prose = re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>", "", body, flags=re.S)
        assert "][" not in prose, lesson.slug  # reference links resolve, even inside boxes
        # every image has its alt text
        for img in re.findall(r"<img [^>]*>", body):
            assert re.search(r'alt="[^"]{10,}"', img), img
        # instructor notes never reach a partner
        for note in re.findall(r":{3,}\s*instructor\s*\n(.*?)\n:{3,}", sources[lesson.slug], re.S):
            first_line = note.strip().splitlines()[0].strip()
            assert first_line[:40] not in body, (lesson.slug, first_line)
        # challenges are exercises; their solutions are folded
        challenges = len(re.findall(r"^:{3,}\s*challenge", sources[lesson.slug], re.M))
        solutions = len(re.findall(r"^:{3,}\s*solution", sources[lesson.slug], re.M))
        assert body.count('class="box box-challenge"') == challenges
        assert body.count('<details class="solution">') == solutions


@needs_shell_novice
def test_figures_are_served_with_the_alt_text_in_the_page(shell_novice, client, auth, make, db):
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    page = client.get("/courses/shell-novice/02-filedir").get_data(as_text=True)
    assert '<img src="media/fig/filesystem.svg" alt="The file system is made up of a root directory' in page
    response = client.get("/courses/shell-novice/media/fig/filesystem.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.data == (SHELL_NOVICE / "episodes" / "fig" / "filesystem.svg").read_bytes()
    assert client.get("/courses/shell-novice/media/fig/nope.svg").status_code == 404
    assert client.get("/courses/shell-novice/media/../config.yaml").status_code == 404


@needs_shell_novice
def test_output_and_code_blocks_are_marked(shell_novice, client, auth, make, db):
    auth.login_as(make.admin())
    db.commit()
    page = client.get("/courses/shell-novice/02-filedir").get_data(as_text=True)
    assert '<div class="code code-output"><p class="code-label">Output</p>' in page
    assert '<p class="code-label">bash</p>' in page
    assert '<aside class="box box-objectives" aria-label="Objectives">' in page
    assert '<aside class="box box-keypoints" aria-label="Key points">' in page
