"""A course with a wide table, for the browser test (a fixture module, no tests of its own)."""

from __future__ import annotations

import pytest

from lms.courses.content import sync_course
from tests.courses.helpers import course_source

TABLE_LESSON = (
    "---\ntitle: Tiers\n---\n\n| | Bronze | Gold | Platinum |\n|---|---|---|---|\n"
    "| Onboarding | Group session with other new partners | 1:1 kickoff call | 1:1 kickoff call |\n"
    "| Support | Shared partner inbox | Your partner manager's email and phone | Executive sponsor |\n"
)


@pytest.fixture
def course_with_table(db):
    sync_course(db, course_source("tables", [TABLE_LESSON]))
    db.commit()
