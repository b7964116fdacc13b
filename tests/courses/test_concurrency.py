"""Two tabs or a double click at the same moment: one answer row, one completion, one certificate."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.courses import service
from lms.models import Certificate, CheckAnswer, Course, Lesson, LessonCompletion, OutboxMessage, Partner, User
from tests.courses.helpers import create_course, right_answers
from tests.factories import Factories

THREADS = 12


@pytest.mark.postgres_only
def test_simultaneous_submissions_record_everything_once(app, engine):
    with Session(engine) as setup:
        make = Factories(setup)
        manager = make.manager()
        partner = make.partner("gold", manager=manager)
        user = make.user("partner", partner=partner)
        course = create_course(setup, "race-course", lessons=1, checks=2)
        setup.commit()
        ids = {"user": user.id, "partner": partner.id, "manager": manager.id, "course": course.id, "email": user.email}
        lesson_id = course.lessons[0].id
        form = right_answers(course.lessons[0])
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            with app.app_context(), Session(engine) as session:  # the certificate email renders templates
                lesson = session.get(Lesson, lesson_id)
                learner = session.get(User, ids["user"])
                barrier.wait()
                try:
                    service.submit_answers(session, learner, lesson, form)
                except service.LearningError:
                    pass  # another tab passed them first: the page says so
                session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    try:
        threads = [threading.Thread(target=submit) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        with Session(engine) as check:
            assert check.scalar(select(func.count(CheckAnswer.id)).where(CheckAnswer.user_id == ids["user"])) == 2
            assert check.scalar(select(func.count(LessonCompletion.id)).where(LessonCompletion.user_id == ids["user"])) == 1
            assert check.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == ids["user"])) == 1
    finally:
        with Session(engine) as cleanup:
            cleanup.execute(delete(Course).where(Course.id == ids["course"]))
            cleanup.execute(delete(User).where(User.id == ids["user"]))
            cleanup.execute(delete(Partner).where(Partner.id == ids["partner"]))
            cleanup.execute(delete(User).where(User.id == ids["manager"]))
            cleanup.execute(delete(OutboxMessage).where(OutboxMessage.recipient == ids["email"]))
            cleanup.commit()


@pytest.mark.postgres_only
def test_two_tabs_finishing_the_last_two_lessons_at_once_still_earn_the_certificate(app, engine):
    with Session(engine) as setup:
        make = Factories(setup)
        manager = make.manager()
        partner = make.partner("gold", manager=manager)
        user = make.user("partner", partner=partner)
        course = create_course(setup, "two-tabs-course", lessons=2, checks=0)
        setup.commit()
        ids = {"user": user.id, "partner": partner.id, "manager": manager.id, "course": course.id, "email": user.email}
        first_id, second_id = (lesson.id for lesson in course.lessons)
    errors: list[BaseException] = []

    def second_tab() -> None:
        try:
            with app.app_context(), Session(engine) as session:
                service.complete_lesson(session, session.get(User, ids["user"]), session.get(Lesson, second_id))
                session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    try:
        with Session(engine) as first_tab:
            service.complete_lesson(first_tab, first_tab.get(User, ids["user"]), first_tab.get(Lesson, first_id))
            other = threading.Thread(target=second_tab)
            other.start()
            other.join(timeout=1)  # the second tab counts lessons while the first has not committed yet
            first_tab.commit()
        other.join()
        assert not errors, errors
        with Session(engine) as check:
            assert check.scalar(select(func.count(LessonCompletion.id)).where(LessonCompletion.user_id == ids["user"])) == 2
            assert check.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == ids["user"])) == 1
    finally:
        with Session(engine) as cleanup:
            cleanup.execute(delete(Course).where(Course.id == ids["course"]))
            cleanup.execute(delete(User).where(User.id == ids["user"]))
            cleanup.execute(delete(Partner).where(Partner.id == ids["partner"]))
            cleanup.execute(delete(User).where(User.id == ids["manager"]))
            cleanup.execute(delete(OutboxMessage).where(OutboxMessage.recipient == ids["email"]))
            cleanup.commit()
