"""Grading rules by example: typed answers, choices out of range, several learners, several courses.

These are about what counts as right, wrong or refused, and whose answer and certificate is whose; the
lesson page (what is shown after an answer) is tested in test_learning.py and test_views.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from lms.courses import content, service
from lms.models import AuditEvent, Certificate, CheckAnswer, Course, LessonCompletion, OutboxMessage
from tests.courses.helpers import course_source, create_course, right_answers

LESSON = """---
title: Finding things
---

Words about grep.

```check
id: which-tool
kind: single
question: Which tool searches inside files?
choices: [find, grep, ls]
correct: 2
explanation: grep searches contents; find searches names.
```

```check
id: all-filters
kind: multiple
question: Which of these read standard input?
choices: [sort, cd, wc, mkdir]
correct: [1, 3]
explanation: sort and wc are filters.
```

```check
id: acronym
kind: text
question: What does grep stand for?
answers: ["global regular expression print", g/re/p]
explanation: From the ed command g/re/p.
```
"""


@pytest.fixture
def lesson(db):
    content.sync_course(db, course_source("grading", [LESSON]))
    db.flush()
    return db.scalar(select(Course).filter_by(slug="grading")).lessons[0]


def form(lesson, single="1", multiple=("0", "2"), text="global regular expression print"):
    """Form data for the three checks; the defaults are the right answers."""
    single_check, multiple_check, text_check = lesson.checks
    return {f"check_{single_check.id}": single, f"check_{multiple_check.id}": list(multiple),
            f"check_{text_check.id}": text}


def verdicts(graded):
    return [g.correct for g in graded]


def answer_of(db, user, check):
    return db.scalar(select(CheckAnswer).where(CheckAnswer.user_id == user.id, CheckAnswer.check_id == check.id))


# -- typed answers (kind: text) -------------------------------------------------------------------

def test_a_typed_answer_is_right_whatever_its_case_and_spacing(db, make, lesson):
    learner = make.partner_user()
    graded = service.submit_answers(db, learner, lesson, form(lesson, text="  Global   REGULAR expression\tprint "))
    assert verdicts(graded) == [True, True, True]
    # Stored as typed, with the spacing tidied; the lesson is complete.
    assert answer_of(db, learner, lesson.checks[2]).response == "Global REGULAR expression print"
    assert db.scalar(select(LessonCompletion.id).where(LessonCompletion.user_id == learner.id)) is not None


def test_any_accepted_typed_answer_is_right(db, make, lesson):
    assert verdicts(service.submit_answers(db, make.partner_user(), lesson, form(lesson, text="G/RE/P")))[2] is True


def test_a_wrong_typed_answer_is_wrong_and_completes_nothing(db, make, lesson):
    learner = make.partner_user()
    for typed in ("global regular expression", "grep", "global regular expression print please"):
        graded = service.submit_answers(db, learner, lesson, form(lesson, text=typed))
        assert verdicts(graded)[-1] is False  # the two choice checks were passed the first time
    assert answer_of(db, learner, lesson.checks[2]).correct is False
    assert db.scalar(select(func.count(LessonCompletion.id)).where(LessonCompletion.user_id == learner.id)) == 0


def test_a_blank_typed_answer_is_refused_and_nothing_is_recorded(db, make, lesson):
    learner = make.partner_user()
    for blank in ("", "   \t ", None):
        with pytest.raises(service.LearningError) as refused:
            service.submit_answers(db, learner, lesson, form(lesson, text=blank))
        assert refused.value.message == "Type your answer."
        assert refused.value.field == f"check_{lesson.checks[2].id}"
    assert db.scalar(select(func.count(CheckAnswer.id)).where(CheckAnswer.user_id == learner.id)) == 0


def test_a_very_long_typed_answer_is_stored_cut_to_200_characters(db, make, lesson):
    learner = make.partner_user()
    service.submit_answers(db, learner, lesson, form(lesson, text="x" * 5000))
    assert answer_of(db, learner, lesson.checks[2]).response == "x" * 200


# -- choices --------------------------------------------------------------------------------------

def test_choices_are_graded_by_position_and_multiple_needs_exactly_the_right_set(db, make, lesson):
    learner = make.partner_user()
    assert verdicts(service.submit_answers(db, learner, lesson, form(lesson, single="0", multiple=["0"]))) == [
        False, False, True]
    assert verdicts(service.submit_answers(db, learner, lesson, form(lesson, single="2", multiple=["0", "2", "3"]))) == [
        False, False]  # the typed answer was passed already: only the open checks are graded
    # Order and repeats do not matter; the set does.
    assert verdicts(service.submit_answers(db, learner, lesson, form(lesson, single="1", multiple=["2", "0", "2"]))) == [
        True, True]
    assert answer_of(db, learner, lesson.checks[1]).response == [0, 2]


@pytest.mark.parametrize("single, multiple", [
    ("3", ["0"]),  # one past the last choice
    ("7", ["0"]),
    ("-1", ["0"]),
    (["0", "1"], ["0"]),  # two choices on a single-answer check
    ("1", ["0", "4"]),
    ("1", ["-1", "0"]),
    ("b", ["0"]),
    ("1", ["0", "1.5"]),
    ("1", [None, "x"]),
])
def test_a_choice_that_is_not_shown_is_refused_and_nothing_is_recorded(db, make, lesson, single, multiple):
    learner = make.partner_user()
    with pytest.raises(service.LearningError) as refused:
        service.submit_answers(db, learner, lesson, form(lesson, single=single, multiple=multiple))
    assert refused.value.message == "Choose one of the answers shown."
    bad = lesson.checks[0] if single != "1" else lesson.checks[1]
    assert refused.value.field == f"check_{bad.id}"
    assert db.scalar(select(func.count(CheckAnswer.id)).where(CheckAnswer.user_id == learner.id)) == 0


def test_the_last_choice_and_the_first_are_accepted(db, make, lesson):
    graded = service.submit_answers(db, make.partner_user(), lesson, form(lesson, single="2", multiple=["0", "3"]))
    assert verdicts(graded) == [False, False, True]


def test_no_choice_is_refused_with_a_message_for_its_kind(db, make, lesson):
    learner = make.partner_user()
    single_check, multiple_check, _ = lesson.checks
    for nothing in ("", None, [], ["", None]):
        with pytest.raises(service.LearningError) as refused:
            service.submit_answers(db, learner, lesson, form(lesson, single=nothing))
        assert (refused.value.message, refused.value.field) == ("Choose an answer.", f"check_{single_check.id}")
    with pytest.raises(service.LearningError) as refused:
        service.submit_answers(db, learner, lesson, form(lesson, multiple=[]))
    assert (refused.value.message, refused.value.field) == ("Choose at least one answer.", f"check_{multiple_check.id}")


# -- whose answer, whose certificate --------------------------------------------------------------

def test_a_first_answer_is_recorded_with_its_time_and_one_attempt(db, make, lesson):
    learner = make.partner_user()
    service.submit_answers(db, learner, lesson, form(lesson, single="0"))
    wrong, right = answer_of(db, learner, lesson.checks[0]), answer_of(db, learner, lesson.checks[1])
    assert (wrong.response, wrong.correct, wrong.attempts, wrong.passed_at) == ([0], False, 1, None)
    assert wrong.answered_at is not None
    assert (right.response, right.correct, right.attempts) == ([0, 2], True, 1) and right.passed_at is not None
    assert service.open_checks(lesson, service.answers_for(db, learner, lesson)) == [lesson.checks[0]]


def test_a_lesson_with_open_checks_cannot_be_marked_complete(db, make, lesson):
    ana, ben = make.partner_user(), make.partner_user()
    service.submit_answers(db, ana, lesson, form(lesson))  # Ana passes every check: her lesson is complete
    for learner in (ben, ana):
        if learner is ben:
            with pytest.raises(service.LearningError) as refused:
                service.complete_lesson(db, ben, lesson)
            assert refused.value.message == "Answer the knowledge checks correctly to complete this lesson."
        else:
            assert service.complete_lesson(db, ana, lesson) is None  # already complete: nothing new
    completion = db.scalar(select(LessonCompletion).where(LessonCompletion.user_id == ana.id))
    assert (completion.lesson_id, completion.content_hash) == (lesson.id, lesson.content_hash)
    assert completion.completed_at is not None
    assert db.scalar(select(func.count(LessonCompletion.id)).where(LessonCompletion.user_id == ben.id)) == 0
    with pytest.raises(service.LearningError) as refused:
        service.submit_answers(db, ana, lesson, form(lesson))
    assert refused.value.message == "You have already passed every check in this lesson."


def test_two_people_answering_the_same_check_keep_their_own_answers(db, make, lesson):
    ana, ben = make.partner_user(), make.partner_user()
    service.submit_answers(db, ana, lesson, form(lesson, single="0"))
    service.submit_answers(db, ben, lesson, form(lesson))
    check = lesson.checks[0]
    assert (answer_of(db, ana, check).response, answer_of(db, ana, check).correct) == ([0], False)
    assert answer_of(db, ana, check).passed_at is None
    assert (answer_of(db, ben, check).response, answer_of(db, ben, check).correct) == ([1], True)
    # Ana still has her check open; Ben has none left.
    assert service.open_checks(lesson, service.answers_for(db, ana, lesson)) == [check]
    assert service.open_checks(lesson, service.answers_for(db, ben, lesson)) == []
    service.submit_answers(db, ana, lesson, {f"check_{check.id}": "1"})
    assert answer_of(db, ana, check).correct is True and answer_of(db, ana, check).passed_at is not None
    assert answer_of(db, ben, check).response == [1]
    assert db.scalar(select(func.count(CheckAnswer.id)).where(CheckAnswer.check_id == check.id)) == 2


def test_an_answer_another_tab_saved_meanwhile_is_updated_not_refused(app, db, make, lesson):
    """Between our look-up of Ana's answer row and our insert, her other tab saves one (on PostgreSQL two
    transactions can do this, see test_concurrency.py): the unique row wins and our answer updates it."""
    ana = make.partner_user()
    check = lesson.checks[0]
    other_tab = app.extensions["lms.db"].sessionmaker()
    looked_up = []

    @event.listens_for(db, "do_orm_execute")
    def other_tab_answers_right_after_our_look_up(state):
        sql = str(state.statement)
        if looked_up or not state.is_select or not sql.startswith("SELECT check_answers") or "FOR UPDATE" not in sql:
            return None  # only _save_answer's look-up of the row to update
        result = state.invoke_statement()  # our look-up: no row yet
        looked_up.append(True)
        when = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
        other_tab.add(CheckAnswer(user_id=ana.id, check_id=check.id, response=[0], correct=False, attempts=1,
                                  answered_at=when))
        other_tab.commit()
        return result

    try:
        service.submit_answers(db, ana, lesson, {f"check_{check.id}": "1", **{
            key: value for key, value in form(lesson).items() if key != f"check_{check.id}"}})
    finally:
        event.remove(db, "do_orm_execute", other_tab_answers_right_after_our_look_up)
        other_tab.close()
    assert looked_up
    rows = db.scalars(select(CheckAnswer).where(CheckAnswer.user_id == ana.id, CheckAnswer.check_id == check.id)
                      .execution_options(populate_existing=True)).all()
    assert len(rows) == 1
    assert (rows[0].response, rows[0].correct, rows[0].attempts) == ([1], True, 2)
    assert rows[0].passed_at is not None


def test_a_learners_answers_are_looked_up_lesson_by_lesson(db, make):
    course = create_course(db, "two-lesson-answers", lessons=2)
    first, second = course.lessons
    learner = make.partner_user()
    service.submit_answers(db, learner, first, right_answers(first))
    assert set(service.answers_for(db, learner, first)) == {check.id for check in first.checks}
    assert service.answers_for(db, learner, second) == {}


def test_two_learners_finishing_one_course_both_get_a_certificate(db, make):
    course = create_course(db, "shared-course", lessons=2)
    ana, ben = make.partner_user(), make.partner_user()
    for learner in (ana, ben):
        for lesson in course.lessons:
            service.submit_answers(db, learner, lesson, right_answers(lesson))
    holders = db.scalars(select(Certificate.user_id).where(Certificate.course_id == course.id))
    assert sorted(holders) == sorted([ana.id, ben.id])


def test_one_learner_finishing_two_courses_gets_two_certificates(db, make):
    first, second = create_course(db, "first-course", lessons=1), create_course(db, "second-course", lessons=1)
    learner = make.partner_user()
    for course in (first, second):
        service.submit_answers(db, learner, course.lessons[0], right_answers(course.lessons[0]))
    earned = db.scalars(select(Certificate.course_id).where(Certificate.user_id == learner.id))
    assert sorted(earned) == sorted([first.id, second.id])


def test_no_certificate_until_every_lesson_is_done_and_only_one_after(db, make):
    course = create_course(db, "two-lessons", lessons=2)
    learner = make.partner_user()
    first, second = course.lessons
    service.submit_answers(db, learner, first, right_answers(first))
    assert service.issue_certificate_if_complete(db, learner, course) is None
    service.submit_answers(db, learner, second, right_answers(second))
    certificate = db.scalar(select(Certificate).where(Certificate.user_id == learner.id))
    assert (certificate.holder_name, certificate.course_title) == (learner.name, course.title)
    assert service.issue_certificate_if_complete(db, learner, course) is None  # asked again: nothing new
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == learner.id)) == 1


def test_the_record_of_answers_completion_and_certificate(db, make):
    """What the partner's timeline, the audit log and the learner's inbox get when a course is finished."""
    from datetime import datetime, timezone

    # A zone whose date differs from UTC's right now, so the mail's date shows it used the learner's zone.
    zone = "Pacific/Kiritimati" if datetime.now(timezone.utc).hour >= 10 else "Pacific/Pago_Pago"
    course = create_course(db, "recorded", lessons=1, title="Recorded Course")
    learner = make.partner_user(timezone=zone)
    lesson = course.lessons[0]
    service.submit_answers(db, learner, lesson, right_answers(lesson))
    certificate = db.scalar(select(Certificate).where(Certificate.user_id == learner.id))
    events = {e.action: e for e in db.scalars(select(AuditEvent).where(AuditEvent.actor_id == learner.id))}
    answered, completed, issued = events["lesson.answered"], events["lesson.completed"], events["certificate.issued"]
    assert answered.summary == f"{learner.name} answered 1 check(s) in “Lesson 1”: 1 correct"
    assert (answered.object_type, answered.object_id, answered.partner_id) == ("lesson", lesson.id, None)
    assert completed.summary == f"{learner.name} completed “Lesson 1” (Recorded Course)"
    assert (completed.object_type, completed.object_id, completed.partner_id) == ("lesson", lesson.id, learner.partner_id)
    assert issued.summary == f"{learner.name} earned the certificate for “Recorded Course”"
    assert (issued.object_type, issued.object_id, issued.partner_id) == ("certificate", certificate.id, learner.partner_id)
    assert certificate.course_version == course.version and certificate.issued_at is not None

    (message,) = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == learner.email,
                                                        OutboxMessage.dedupe_key.like("certificate-issued:%")))
    assert message.dedupe_key == f"certificate-issued:{certificate.id}"
    local_day = certificate.issued_at.astimezone(ZoneInfo(zone)).strftime("%-d %B %Y")
    assert f"earned its certificate ({local_day})" in message.body_text
    assert f"/certificates/{certificate.code}" in message.body_text
    assert "More courses and your learning path: http" in message.body_text and "/courses/" in message.body_text
