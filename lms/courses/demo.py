"""Course demo data for `make run`: tier paths and some progress for the demo partner users. Idempotent.

Runs after `flask courses sync`; without synced courses it does nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import service as accounts
from lms.courses import service
from lms.models import Course, LearningPathItem, Partner, Tier, User

PATHS = {
    "bronze": ["working-with-us"],
    "gold": ["working-with-us", "selling-the-platform"],
    "platinum": ["working-with-us", "selling-the-platform", "support-and-escalation"],
}
# email -> (course slug, number of lessons completed); a whole course earns its certificate.
PROGRESS = {
    "gold@example.com": [("working-with-us", 3), ("selling-the-platform", 1)],
    "noah.fischer@goldcrest.example": [("working-with-us", 3), ("selling-the-platform", 3)],
    "platinum@example.com": [("working-with-us", 1)],
}
EXTRA_USERS = [("noah.fischer@goldcrest.example", "Noah Fischer", "Goldcrest Integrations", "Europe/Berlin")]


def _correct_form(lesson) -> dict:
    """The right answers, as the lesson form would post them (demo only: real answers come from people)."""
    form = {}
    for check in lesson.checks:
        if check.kind == "text":
            form[f"check_{check.id}"] = check.answer["accepted"][0]
        else:
            form[f"check_{check.id}"] = [str(i) for i in check.answer["correct"]]
    return form


def load_course_demo(db: Session, admin: User, password: str) -> None:
    courses = {course.slug: course for course in db.scalars(select(Course))}
    if not courses:
        return
    for tier in db.scalars(select(Tier)):
        has_path = db.scalar(select(LearningPathItem.id).where(LearningPathItem.tier_id == tier.id).limit(1))
        wanted = [courses[slug].id for slug in PATHS.get(tier.key, []) if slug in courses]
        if has_path is None and wanted:
            service.set_learning_path(db, admin, tier, wanted)
    for email, name, partner_name, zone in EXTRA_USERS:
        partner = db.scalar(select(Partner).where(Partner.name == partner_name))
        if partner is not None and accounts.find_user_by_email(db, email) is None:
            accounts.create_user(db, None, email=email, name=name, role="partner", partner=partner,
                                 timezone=zone, password=password)
    for email, plan in PROGRESS.items():
        user = accounts.find_user_by_email(db, email)
        if user is None:
            continue
        for slug, count in plan:
            course = courses.get(slug)
            if course is None:
                continue
            for lesson in course.lessons[:count]:
                if lesson.checks:
                    try:
                        service.submit_answers(db, user, lesson, _correct_form(lesson))
                    except service.LearningError:
                        pass  # already passed: loaded before
                else:
                    service.complete_lesson(db, user, lesson)
    db.flush()
