"""Build courses for tests through the real pipeline (render, then sync), without files on disk."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lms.courses.content import CourseSource, LessonSource, sync_course
from lms.courses.render import LessonRenderer
from lms.models import Certificate, Course

REPO = Path(__file__).resolve().parents[2]
SHELL_NOVICE = REPO / ".." / "shared" / "real-courses" / "shell-novice"

CHECK = """
```check
id: {key}
kind: single
question: Which letter is right in lesson {n}?
choices:
  - Alpha
  - Bravo-{n}
  - Charlie
correct: 2
explanation: Bravo is right; this explanation is SECRET-EXPLANATION-{n}.
```
"""


def lesson_text(n: int, *, checks: int = 1, extra: str = "") -> str:
    body = f"---\ntitle: Lesson {n}\nminutes: 5\n---\n\n## Part one of lesson {n}\n\nSome words about topic {n}.\n{extra}\n"
    for k in range(checks):
        body += CHECK.format(key=f"q{k + 1}", n=n)
    return body


def course_source(slug: str, texts: list[str], *, status: str = "published", title: str | None = None) -> CourseSource:
    lessons = []
    for n, text in enumerate(texts, start=1):
        from lms.courses.render import split_front_matter

        meta, body = split_front_matter(text)
        rendered = LessonRenderer(f"{slug}/l{n}").render(body)
        lessons.append(LessonSource(f"lesson-{n}", meta.get("title", f"Lesson {n}"), meta.get("minutes", 5), text, rendered))
    return CourseSource(
        slug=slug, title=title or f"Course {slug}", summary="A test course.", estimated_minutes=5 * len(texts),
        version="1", status=status, source="portal", attribution=None, lessons=lessons, assets={},
    )


def create_course(db: Session, slug: str = "sample", *, lessons: int = 3, checks: int = 1, status: str = "published",
                  title: str | None = None) -> Course:
    sync_course(db, course_source(slug, [lesson_text(n, checks=checks) for n in range(1, lessons + 1)], status=status, title=title))
    db.flush()
    return db.query(Course).filter_by(slug=slug).one()


def right_answers(lesson) -> dict:
    """Form data with the correct answers (test side only; the app never sends them)."""
    data = {}
    for check in lesson.checks:
        if check.kind == "text":
            data[f"check_{check.id}"] = check.answer["accepted"][0]
        else:
            data[f"check_{check.id}"] = [str(i) for i in check.answer["correct"]]
    return data


def wrong_answers(lesson) -> dict:
    data = {}
    for check in lesson.checks:
        wrong = next(i for i in range(len(check.choices)) if i not in check.answer["correct"])
        data[f"check_{check.id}"] = str(wrong)
    return data


def course_values(db: Session, other_user) -> dict[str, object]:
    """For the authorization walk: a draft course (404 to non-admins) and a certificate of organisation B."""
    from lms.courses import service

    draft = create_course(db, "walk-draft-course", lessons=1, status="draft")
    earned = create_course(db, "walk-earned-course", lessons=1)
    lesson = earned.lessons[0]
    service.submit_answers(db, other_user, lesson, right_answers(lesson))
    certificate = db.query(Certificate).filter_by(user_id=other_user.id, course_id=earned.id).one()
    return {
        "course_slug": draft.slug, "lesson_slug": draft.lessons[0].slug, "path": "fig/figure.svg",
        "action": "publish", "certificate_id": certificate.id, "code": certificate.code,
    }
