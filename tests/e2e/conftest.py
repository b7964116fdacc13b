"""The whole journey in a real browser: Debian's Chromium driven by Playwright against the served portal.

Runs only with E2E=1 (`make test-e2e`, which `make test` runs): the ordinary suite stays fast and runs
twice (SQLite, PostgreSQL); this runs once, against gunicorn on a fresh SQLite database with the demo
data. Every page visited is screenshotted into tests/e2e/artifacts/ and checked with axe-core (vendored
in tests/e2e/vendor/axe-core): any serious or critical violation fails the step. Without Chromium the
run is skipped with the reason, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.ops.served import Client, free_port

if not os.environ.get("E2E"):
    collect_ignore_glob = ["test_*.py"]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BLOCKING = ("serious", "critical")


@dataclass
class Portal:
    base: str
    database: Path
    process: subprocess.Popen

    def query(self, sql: str, *params):
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql, params).fetchall()

    def last_link(self, recipient: str, path_part: str) -> str:
        """The newest link to `path_part` mailed to `recipient` (from the outbox, as the person would click it)."""
        for (body,) in self.query("SELECT body_text FROM outbox WHERE recipient = ? ORDER BY id DESC", recipient):
            match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", body)
            if match:
                return match.group(0).rstrip(".,)")
        raise AssertionError(f"no mail to {recipient} with a {path_part} link")


def _flask(env: dict[str, str], *args: str) -> None:
    flask = Path(sys.executable).parent / "flask"
    subprocess.run([str(flask), "--app", "wsgi.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="session")
def portal(tmp_path_factory):
    """gunicorn (production settings) on a fresh SQLite database with the demo data loaded."""
    database = tmp_path_factory.mktemp("e2e") / "portal.sqlite3"
    port = free_port()
    env = {**os.environ, "LMS_ENV": "production", "SECRET_KEY": "e2e-secret", "DATABASE_URL": f"sqlite:///{database}",
           "BASE_URL": f"http://127.0.0.1:{port}", "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1",
           "GUNICORN_THREADS": "4"}
    env.pop("REDIS_URL", None)
    env.pop("TEST_DATABASE_URL", None)
    _flask(env, "db", "upgrade")
    _flask(env, "courses", "sync")
    _flask(env, "demo", "load")
    log = (database.parent / "gunicorn.log").open("wb")
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "python:lms.ops.gunicorn_conf",
                                "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    portal = Portal(f"http://127.0.0.1:{port}", database, process)
    deadline = time.monotonic() + 60
    while True:
        try:
            if Client(portal.base).get("/readyz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("the portal did not start: " + (database.parent / "gunicorn.log").read_text())
        time.sleep(0.2)
    yield portal
    process.terminate()
    process.wait(30)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required in CI ({CHROMIUM} is missing; .ci/run installs it)")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@dataclass
class Journey:
    """Screenshots and axe-core checks for every page the journey visits, numbered in visiting order."""

    portal: Portal
    browser: object
    violations: list[str] = field(default_factory=list)
    pages_checked: int = 0
    step: int = 0

    def person(self, timezone: str = "Europe/London", width: int = 1280, storage_state: dict | None = None):
        """A fresh browser context (own cookies); `storage_state` resumes a session saved from an earlier one."""
        context = self.browser.new_context(base_url=self.portal.base, timezone_id=timezone,
                                           viewport={"width": width, "height": 900}, storage_state=storage_state)
        return context.new_page()

    def check(self, page, name: str) -> None:
        """Screenshot the page and run axe-core on it; serious or critical violations fail the journey."""
        self.step += 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{self.step:02d}-{name}.png"), full_page=True)
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text())  # evaluated through the DevTools protocol: the page's CSP does not apply
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        self.pages_checked += 1
        for violation in result["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
                self.violations.append(f"{name} ({page.url}): {violation['id']} [{violation['impact']}] "
                                       f"{violation['help']} at {targets}")
        assert not self.violations, "\n".join(self.violations)


@pytest.fixture(scope="session")
def journey(portal, browser):
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    journey = Journey(portal, browser)
    yield journey
    print(f"\ne2e: {journey.step} pages checked with axe-core, {len(journey.violations)} serious/critical violations")
