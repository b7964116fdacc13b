"""Learning rules: answer checks, complete lessons, earn certificates, paths per tier, progress roll-up.

Services flush; the request commits. Uniqueness in the database (one answer row per user and check,
one completion per user and lesson, one certificate per user and course) makes double clicks harmless;
the savepoint + IntegrityError dance turns the loser of a race into a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit, events
from lms.courses.render import normalise_text_answer
from lms.db import utcnow
from lms.errors import DomainError
from lms.mail import absolute_url, queue_message
from lms.models import (
    Certificate,
    CheckAnswer,
    CheckAttempt,
    Course,
    KnowledgeCheck,
    LearningPathItem,
    Lesson,
    LessonCompletion,
    LessonVersion,
    Partner,
    Tier,
    User,
)


class LearningError(DomainError):
    pass


# -- visibility -----------------------------------------------------------------------------------

def visible_courses(user: User, query: Select) -> Select:
    """Drafts only for admins; everyone else sees published courses."""
    if user.is_admin:
        return query
    return query.where(Course.status == "published")


def can_see_course(user: User, course: Course) -> bool:
    return course.is_published or user.is_admin


# -- checks and completion ------------------------------------------------------------------------

@dataclass
class Graded:
    check: KnowledgeCheck
    correct: bool


EXPLAIN_AFTER_TRIES = 3  # the explanation (which gives the answer away) shows after passing or this many tries


def feedback(check: KnowledgeCheck, response: Any) -> str:
    """What was wrong with an answer, without giving the right one away."""
    if grade(check, response):
        return "Correct."
    if check.kind == "text":
        return "That answer is not the one we are looking for. Check the spelling, or reread the lesson."
    if check.kind == "single":
        return "The answer you chose is not right."
    chosen, right = set(response), set(check.answer["correct"])
    wrong, missed = len(chosen - right), len(right - chosen)
    parts = []
    if wrong:
        parts.append(f"{wrong} of your choices {'is' if wrong == 1 else 'are'} not right")
    if missed:
        parts.append(f"you missed {missed} right choice{'s' if missed != 1 else ''}")
    return (" and ".join(parts) + ".").capitalize()


def shows_explanation(answer: CheckAnswer | None) -> bool:
    return answer is not None and (answer.passed_at is not None or answer.attempts >= EXPLAIN_AFTER_TRIES)


def passed_enough(lesson: Lesson, answers: dict[int, CheckAnswer]) -> bool:
    """At least the lesson's pass mark (percent of its questions) answered right."""
    if not lesson.checks:
        return True
    passed = sum(1 for c in lesson.checks if answers.get(c.id) and answers[c.id].passed_at)
    return passed * 100 >= lesson.pass_mark * len(lesson.checks)


def grade(check: KnowledgeCheck, response: Any) -> bool:
    if check.kind == "text":
        return normalise_text_answer(response) in check.answer["accepted"]
    return sorted(response) == check.answer["correct"]


def _clean_response(check: KnowledgeCheck, raw: Any) -> Any:
    """The form's value as stored: a list of choice indexes, or the typed text."""
    if check.kind == "text":
        text = " ".join(str(raw or "").split())
        if not text:
            raise LearningError("Type your answer.", f"check_{check.id}")
        return text[:200]
    values = raw if isinstance(raw, list) else [raw]
    try:
        indexes = sorted({int(v) for v in values if v not in (None, "")})
    except (TypeError, ValueError):
        raise LearningError("Choose one of the answers shown.", f"check_{check.id}") from None
    if not indexes:
        raise LearningError("Choose an answer." if check.kind == "single" else "Choose at least one answer.", f"check_{check.id}")
    if any(i < 0 or i >= len(check.choices) for i in indexes) or (check.kind == "single" and len(indexes) > 1):
        raise LearningError("Choose one of the answers shown.", f"check_{check.id}")
    return indexes


def answers_for(db: Session, user: User, lesson: Lesson) -> dict[int, CheckAnswer]:
    rows = db.scalars(
        select(CheckAnswer).join(KnowledgeCheck).where(CheckAnswer.user_id == user.id, KnowledgeCheck.lesson_id == lesson.id)
    )
    return {row.check_id: row for row in rows}


def open_checks(lesson: Lesson, answers: dict[int, CheckAnswer]) -> list[KnowledgeCheck]:
    """The checks of `lesson` not passed yet, given the learner's `answers_for` the lesson."""
    return [c for c in lesson.checks if not (answers.get(c.id) and answers[c.id].passed_at)]


def _save_answer(db: Session, user: User, check: KnowledgeCheck, response: Any, correct: bool) -> CheckAnswer:
    now = utcnow()
    query = select(CheckAnswer).where(CheckAnswer.user_id == user.id, CheckAnswer.check_id == check.id).with_for_update()
    row = db.scalar(query)
    if row is None:
        row = CheckAnswer(
            user_id=user.id, check_id=check.id, response=response, correct=correct, attempts=1,
            answered_at=now, passed_at=now if correct else None,
        )
        try:
            with db.begin_nested():
                db.add(row)
            return row
        except IntegrityError:  # the other tab won the race: update its row instead
            row = db.scalar(query.execution_options(populate_existing=True))
    if row.passed_at is not None:
        return row  # passed stays passed; a stale tab cannot undo it
    if row.response != response:
        row.attempts += 1
    row.response, row.correct, row.answered_at = response, correct, now
    if correct:
        row.passed_at = now
    return row


def submit_answers(db: Session, user: User, lesson: Lesson, form: dict[str, Any]) -> list[Graded]:
    """Grade the open checks of a lesson on the server; complete the lesson when all are passed.

    `form` maps "check_<id>" to the submitted value. Every open check must be answered, or nothing
    is recorded and LearningError names the first one missing.
    """
    still_open = open_checks(lesson, answers_for(db, user, lesson))
    if not still_open:
        raise LearningError("You have already passed every check in this lesson.")
    responses = [(check, _clean_response(check, form.get(f"check_{check.id}"))) for check in still_open]
    graded = []
    for check, response in responses:
        correct = grade(check, response)
        _save_answer(db, user, check, response, correct)
        db.add(CheckAttempt(user_id=user.id, check_id=check.id, response=response, correct=correct,
                            attempted_at=utcnow()))
        graded.append(Graded(check, correct))
    right = sum(g.correct for g in graded)
    audit.record(
        db, user, "lesson.answered", lesson,
        f"{user.name} answered {len(graded)} check(s) in “{lesson.title}”: {right} correct",
        # In the audit log, not on the partner's timeline: completions and certificates tell that story.
    )
    db.flush()
    if passed_enough(lesson, answers_for(db, user, lesson)):
        complete_lesson(db, user, lesson, checks_passed=True)
    return graded


def complete_lesson(db: Session, user: User, lesson: Lesson, *, checks_passed: bool = False) -> LessonCompletion | None:
    """Record the lesson as done (once); returns the new completion, or None if it was done already."""
    if lesson.checks and not checks_passed:
        if not passed_enough(lesson, answers_for(db, user, lesson)):
            raise LearningError("Answer the knowledge checks correctly to complete this lesson.")
    # One learner's completions queue up: two tabs finishing the last two lessons at once would otherwise
    # each count the other's completion as missing, and nobody would issue the certificate.
    db.execute(select(User.id).where(User.id == user.id).with_for_update())
    done = db.scalar(select(LessonCompletion).where(LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id))
    if done is not None:
        return None
    completion = LessonCompletion(user_id=user.id, lesson_id=lesson.id, content_hash=lesson.content_hash, completed_at=utcnow())
    try:
        with db.begin_nested():
            db.add(completion)
    except IntegrityError:  # a double click: the first request recorded it
        return None
    audit.record(
        db, user, "lesson.completed", lesson, f"{user.name} completed “{lesson.title}” ({lesson.course.title})",
        partner_id=user.partner_id,
    )
    issue_certificate_if_complete(db, user, lesson.course)
    return completion


def issue_certificate_if_complete(db: Session, user: User, course: Course) -> Certificate | None:
    """Issue the course's certificate once every lesson is done, and email the holder its public link."""
    total = db.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course.id))
    done = db.scalar(
        select(func.count(LessonCompletion.id)).join(Lesson)
        .where(Lesson.course_id == course.id, LessonCompletion.user_id == user.id)
    )
    if not total or done < total:
        return None
    if db.scalar(select(Certificate.id).where(Certificate.user_id == user.id, Certificate.course_id == course.id)):
        return None
    certificate = Certificate(
        user_id=user.id, course_id=course.id, holder_name=user.name, course_title=course.title,
        course_version=course.version, issued_at=utcnow(),
    )
    try:
        with db.begin_nested():
            db.add(certificate)
    except IntegrityError:
        return None
    audit.record(
        db, user, "certificate.issued", certificate, f"{user.name} earned the certificate for “{course.title}”",
        partner_id=user.partner_id,
    )
    queue_message(
        db, user.email, f"Your certificate: {course.title}", "certificate_issued",
        dedupe_key=f"certificate-issued:{certificate.id}", user=user, certificate=certificate, zone=user.timezone,
        certificate_link=absolute_url("courses.certificate", code=certificate.code),
        courses_link=absolute_url("courses.index"),
    )
    events.certificate_issued.send("courses", db=db, user=user, course=course, certificate=certificate,
                                   now=certificate.issued_at)
    return certificate


def revoke_certificate(db: Session, actor: User, certificate: Certificate, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise LearningError("Say why the certificate is revoked; the verification page shows it.", "reason")
    if certificate.revoked_at is not None:
        raise LearningError("This certificate has already been revoked.", "reason")
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason[:500]
    db.flush()
    audit.record(
        db, actor, "certificate.revoked", certificate,
        f"Revoked {certificate.holder_name}'s certificate for “{certificate.course_title}” (reason: {reason})",
        partner_id=certificate.user.partner_id,
    )


def certificate_status(certificate: Certificate) -> tuple[bool, str]:
    """Whether a certificate still vouches for its holder, and why not."""
    if certificate.revoked_at is not None:
        return False, "Revoked" + (f": {certificate.revoked_reason}" if certificate.revoked_reason else "")
    if not certificate.user.active:
        return False, "No longer valid: the holder's account has been closed"
    return True, "Valid"


# -- updates since completion ---------------------------------------------------------------------

def changes_since(db: Session, lesson: Lesson, completion: LessonCompletion | None) -> dict | None:
    """What changed in `lesson` since it was completed (None when nothing did), from the versions table."""
    if completion is None or completion.content_hash == lesson.content_hash:
        return None
    versions = list(db.scalars(
        select(LessonVersion).where(LessonVersion.lesson_id == lesson.id).order_by(LessonVersion.id)
    ))
    hashes = [v.content_hash for v in versions]
    start = hashes.index(completion.content_hash) + 1 if completion.content_hash in hashes else 0
    summary = {"added": [], "removed": [], "words_added": 0, "words_removed": 0, "updated_at": lesson.updated_at}
    for version in versions[start:]:
        changes = version.changes or {}
        for heading in changes.get("added", []):
            if heading in summary["removed"]:
                summary["removed"].remove(heading)
            elif heading not in summary["added"]:
                summary["added"].append(heading)
        for heading in changes.get("removed", []):
            if heading in summary["added"]:
                summary["added"].remove(heading)
            elif heading not in summary["removed"]:
                summary["removed"].append(heading)
        summary["words_added"] += changes.get("words_added", 0)
        summary["words_removed"] += changes.get("words_removed", 0)
    return summary


# -- learning paths -------------------------------------------------------------------------------

def path_courses(db: Session, tier_id: int, *, published_only: bool = True) -> list[Course]:
    query = select(Course).join(LearningPathItem).where(LearningPathItem.tier_id == tier_id).order_by(LearningPathItem.position)
    if published_only:
        query = query.where(Course.status == "published")
    return list(db.scalars(query))


def paths_by_tier(db: Session, tier_ids: Iterable[int]) -> dict[int, list[Course]]:
    """Tier id -> its required courses in path order (drafts included), for many tiers in one query."""
    ids = list(tier_ids)
    paths: dict[int, list[Course]] = {tier_id: [] for tier_id in ids}
    if ids:
        rows = db.execute(select(LearningPathItem.tier_id, Course).join(Course, Course.id == LearningPathItem.course_id)
                          .where(LearningPathItem.tier_id.in_(ids))
                          .order_by(LearningPathItem.tier_id, LearningPathItem.position, LearningPathItem.id))
        for tier_id, course in rows:
            paths[tier_id].append(course)
    return paths


def order_path(picks: list[tuple[int, int | None]], courses: dict[int, Course]) -> list[int]:
    """Course ids in path order from (course id, order number or None) picks: by number, unnumbered last, ties by title."""
    def key(pick: tuple[int, int | None]) -> tuple[int, str, int]:
        course_id, position = pick
        return (position or 99, courses[course_id].title if course_id in courses else "", course_id)

    return [course_id for course_id, _ in sorted(picks, key=key)]


def set_learning_path(db: Session, actor: User, tier: Tier, course_ids: list[int]) -> bool:
    """Replace a tier's required courses with `course_ids`, in that order. Returns whether anything changed."""
    if len(set(course_ids)) != len(course_ids):
        raise LearningError("Each course can appear only once in the path.")
    known = {c.id: c for c in db.scalars(select(Course).where(Course.id.in_(course_ids)))} if course_ids else {}
    if set(course_ids) - set(known):
        raise LearningError("One of the chosen courses no longer exists. Reload the page.")
    # Lock the tier row: two admins saving at once apply one after the other.
    db.scalar(select(Tier).where(Tier.id == tier.id).with_for_update())
    items = list(db.scalars(select(LearningPathItem).where(LearningPathItem.tier_id == tier.id).order_by(LearningPathItem.position)))
    before = [item.course_id for item in items]
    if before == course_ids:
        return False
    for item in items:
        db.delete(item)
    db.flush()
    for position, course_id in enumerate(course_ids, start=1):
        db.add(LearningPathItem(tier_id=tier.id, course_id=course_id, position=position))
    db.flush()
    titles = [known[c].title for c in course_ids]
    audit.record(
        db, actor, "path.updated", tier,
        f"Required courses for {tier.name}: " + (", ".join(titles) if titles else "none"),
        changes={"courses": [before, course_ids]},
    )
    return True


def set_course_status(db: Session, actor: User, course: Course, status: str) -> bool:
    if status not in ("draft", "published"):
        raise LearningError("Unknown status.")
    if course.status == status:
        return False
    course.status = status
    db.flush()
    verb = "Published" if status == "published" else "Unpublished (back to draft)"
    audit.record(db, actor, "course.status", course, f"{verb}: {course.title}", changes={"status": [None, status]})
    return True


# -- progress -------------------------------------------------------------------------------------

@dataclass
class CourseProgress:
    course: Course
    lessons: int = 0
    minutes: int = 0
    done: int = 0
    minutes_done: int = 0
    certificate: Certificate | None = None
    required: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.lessons) if self.lessons else 0

    @property
    def complete(self) -> bool:
        return self.certificate is not None or (self.lessons > 0 and self.done >= self.lessons)

    @property
    def minutes_left(self) -> int:
        return max(0, self.minutes - self.minutes_done)

    @property
    def started(self) -> bool:
        return self.done > 0


def course_totals(db: Session, course_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Lesson count and minutes per course, in one query."""
    ids = list(course_ids)
    if not ids:
        return {}
    rows = db.execute(
        select(Lesson.course_id, func.count(Lesson.id), func.coalesce(func.sum(Lesson.estimated_minutes), 0))
        .where(Lesson.course_id.in_(ids)).group_by(Lesson.course_id)
    )
    return {course_id: (count, int(minutes)) for course_id, count, minutes in rows}


def user_done(db: Session, user_ids: Iterable[int], course_ids: Iterable[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """(user, course) -> (lessons completed, their minutes), in one query."""
    users, ids = list(user_ids), list(course_ids)
    if not users or not ids:
        return {}
    rows = db.execute(
        select(LessonCompletion.user_id, Lesson.course_id, func.count(Lesson.id),
               func.coalesce(func.sum(Lesson.estimated_minutes), 0))
        .join(Lesson).where(LessonCompletion.user_id.in_(users), Lesson.course_id.in_(ids))
        .group_by(LessonCompletion.user_id, Lesson.course_id)
    )
    return {(user_id, course_id): (count, int(minutes)) for user_id, course_id, count, minutes in rows}


def certificates_of(db: Session, user_ids: Iterable[int]) -> dict[tuple[int, int], Certificate]:
    users = list(user_ids)
    if not users:
        return {}
    rows = db.scalars(select(Certificate).where(Certificate.user_id.in_(users)))
    return {(c.user_id, c.course_id): c for c in rows}


def progress_for(db: Session, user: User, courses: list[Course], required_ids: set[int] = frozenset()) -> list[CourseProgress]:
    totals = course_totals(db, [c.id for c in courses])
    done = user_done(db, [user.id], [c.id for c in courses])
    certificates = certificates_of(db, [user.id])
    result = []
    for course in courses:
        lessons, minutes = totals.get(course.id, (0, 0))
        count, minutes_done = done.get((user.id, course.id), (0, 0))
        result.append(CourseProgress(
            course, lessons, minutes, count, minutes_done, certificates.get((user.id, course.id)), course.id in required_ids,
        ))
    return result


@dataclass
class PathSummary:
    courses: list[CourseProgress]
    next_course: CourseProgress | None = None

    @property
    def lessons(self) -> int:
        return sum(p.lessons for p in self.courses)

    @property
    def done(self) -> int:
        return sum(min(p.done, p.lessons) for p in self.courses)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.lessons) if self.lessons else 0

    @property
    def minutes_left(self) -> int:
        return sum(p.minutes_left for p in self.courses if not p.complete)

    @property
    def complete(self) -> bool:
        return bool(self.courses) and all(p.complete for p in self.courses)


def path_summary(db: Session, user: User, tier_id: int) -> PathSummary:
    courses = path_courses(db, tier_id)
    progress = progress_for(db, user, courses, {c.id for c in courses})
    upcoming = next((p for p in progress if not p.complete), None)
    return PathSummary(progress, upcoming)


def next_lesson(lessons: list[Lesson], completed_ids: set[int]) -> Lesson | None:
    """Where a learner continues: the first lesson, in order, they have not completed."""
    return next((lesson for lesson in lessons if lesson.id not in completed_ids), None)


@dataclass
class PartnerProgress:
    courses: list[Course]
    rows: list[tuple[User, list[CourseProgress], bool]] = field(default_factory=list)  # user, per course, path done
    # (completed, people) of the whole partner when `rows` are one page of its people.
    counts: tuple[int, int] | None = None

    @property
    def people(self) -> int:
        return self.counts[1] if self.counts is not None else len(self.rows)

    @property
    def completed(self) -> int:
        return self.counts[0] if self.counts is not None else sum(1 for _, _, done in self.rows if done)

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.people) if self.people else 0


def partner_progress(db: Session, partner: Partner, users: list[User] | None = None) -> PartnerProgress:
    """Each active user's progress on the partner tier's required path; the share who completed it.

    With `users` (a page of the partner's people), rows for those who are active only, and the share
    counted over everyone (`path_completion`)."""
    courses = path_courses(db, partner.tier_id)
    counts = None
    if users is None:
        users = list(db.scalars(
            select(User).where(User.partner_id == partner.id, User.active.is_(True)).order_by(User.name)
        ))
    else:
        users = [u for u in users if u.active and u.partner_id == partner.id]
        counts = path_completion(db, [partner.id]).get(partner.id, (0, 0))
    totals = course_totals(db, [c.id for c in courses])
    done = user_done(db, [u.id for u in users], [c.id for c in courses])
    certificates = certificates_of(db, [u.id for u in users])
    summary = PartnerProgress(courses, counts=counts)
    for user in users:
        per_course = []
        for course in courses:
            lessons, minutes = totals.get(course.id, (0, 0))
            count, minutes_done = done.get((user.id, course.id), (0, 0))
            per_course.append(CourseProgress(course, lessons, minutes, count, minutes_done, certificates.get((user.id, course.id)), True))
        summary.rows.append((user, per_course, bool(courses) and all(p.complete for p in per_course)))
    return summary


def path_completion(db: Session, partner_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """partner id -> (active people who completed their tier's required path, active people), in five queries.

    For lists of partners (the funnel, dashboards, the API); `partner_progress` has the detail of one.
    A partner whose tier requires nothing counts nobody as complete.
    """
    ids = list(partner_ids)
    if not ids:
        return {}
    tiers = dict(db.execute(select(Partner.id, Partner.tier_id).where(Partner.id.in_(ids))).all())
    required: dict[int, list[int]] = {}
    for tier_id, course_id in db.execute(
        select(LearningPathItem.tier_id, LearningPathItem.course_id).join(Course)
        .where(LearningPathItem.tier_id.in_(set(tiers.values())), Course.status == "published")
    ):
        required.setdefault(tier_id, []).append(course_id)
    people = list(db.execute(select(User.id, User.partner_id).where(User.partner_id.in_(ids), User.active.is_(True))))
    course_ids = {c for courses in required.values() for c in courses}
    totals = course_totals(db, course_ids)
    done = user_done(db, [u for u, _ in people], course_ids)
    earned = set(certificates_of(db, [u for u, _ in people])) if people else set()
    result = {partner_id: (0, 0) for partner_id in tiers}
    for user_id, partner_id in people:
        courses = required.get(tiers[partner_id], [])
        complete = bool(courses) and all(
            (user_id, c) in earned or (totals.get(c, (0, 0))[0] > 0 and done.get((user_id, c), (0, 0))[0] >= totals[c][0])
            for c in courses
        )
        completed, count = result[partner_id]
        result[partner_id] = (completed + complete, count + 1)
    return result
