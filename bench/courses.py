"""Courses benchmark: content sync and import times, and course/lesson page times for a learner with history.

    .venv/bin/python bench/courses.py                     # SQLite scratch file
    BENCH_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1/postgres .venv/bin/python bench/courses.py

With a PostgreSQL server URL a scratch database is created, migrated, used and dropped again.
Pages are rendered by the Flask test client (no network), from the database: Markdown is not rendered
per request. Target: under 20 ms per page, with the same number of SQL queries whatever the course length.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lms import create_app  # noqa: E402
from lms.courses import content, service  # noqa: E402
from lms.db import get_db, make_engine  # noqa: E402
from lms.migrate import upgrade  # noqa: E402
from lms.models import Course  # noqa: E402
from tests.factories import Factories  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHELL_NOVICE = REPO / ".." / "shared" / "real-courses" / "shell-novice"
TARGET_MS = 20.0


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run(url: str, runs: int = 200) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        upgrade(url, connection)
    app = create_app({
        "LMS_ENV": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url, "ENGINE": engine,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })
    print(f"database: {engine.dialect.name}")
    with app.app_context():
        db = get_db()
        seconds, _ = timed(lambda: (content.sync_folder(db, REPO / "courses"), db.commit()))
        print(f"sync courses/ (3 courses, 9 lessons), first time: {seconds:.2f} s")
        seconds, _ = timed(lambda: (content.sync_folder(db, REPO / "courses"), db.commit()))
        print(f"sync courses/ again (nothing changed):           {seconds:.2f} s")
        if (SHELL_NOVICE / "config.yaml").is_file():
            seconds, _ = timed(lambda: (content.import_lesson(db, SHELL_NOVICE, publish=True), db.commit()))
            print(f"import shell-novice (7 episodes and figures):    {seconds:.2f} s")
            seconds, _ = timed(lambda: (content.import_lesson(db, SHELL_NOVICE, publish=True), db.commit()))
            print(f"import shell-novice again (unchanged):          {seconds:.2f} s")

        # A learner with a full history: every lesson of every course done, every check answered.
        make = Factories(db)
        user = make.partner_user("platinum", email=f"bench-{uuid.uuid4().hex[:8]}@example.com")
        courses = list(db.scalars(select(Course)))
        service.set_learning_path(db, make.admin(), make.tier("platinum"), [c.id for c in courses])
        for course in courses:
            for lesson in course.lessons:
                if lesson.checks:
                    form = {
                        f"check_{c.id}": (c.answer["accepted"][0] if c.kind == "text" else [str(i) for i in c.answer["correct"]])
                        for c in lesson.checks
                    }
                    service.submit_answers(db, user, lesson, form)
                else:
                    service.complete_lesson(db, user, lesson)
        db.commit()
        email = user.email
        pages = [("/courses/working-with-us", "course page, 3 lessons"),
                 ("/courses/working-with-us/02-registering-leads", "lesson page with 2 checks")]
        if any(c.slug == "shell-novice" for c in courses):
            pages += [("/courses/shell-novice", "course page, 7 lessons"),
                      ("/courses/shell-novice/02-filedir", "lesson page, 46 kB episode")]

    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": Factories.PASSWORD})
    assert response.status_code == 302, response.status_code
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    print(f"\n{'page':<48} {'median':>8} {'p95':>8} {'max':>8} {'queries':>8}")
    for url, label in pages:
        client.get(url)
        timings = []
        for _ in range(runs):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        median = statistics.median(timings)
        flag = "" if median < TARGET_MS else "  (over the 20 ms target)"
        print(f"{label:<48} {median:>6.1f}ms {percentile(timings, 95):>6.1f}ms {max(timings):>6.1f}ms {len(statements):>8}{flag}")
    engine.dispose()


def main() -> None:
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        with tempfile.TemporaryDirectory() as folder:
            run("sqlite:///" + str(Path(folder) / "bench.sqlite3"))
        return
    server_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"lms_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(server_url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
