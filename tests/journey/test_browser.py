"""What only a browser shows (issue 15): page heights at 320 px, keyboard use, table boxes, panel order, the
time-zone search. Headless Chromium (/usr/bin/chromium) through Playwright; every request is answered by the
Flask test client (page.route), so the browser sees the test's own database. Skipped when either is missing;
CI installs chromium."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest

from lms.bookings import service
from tests.bookings.conftest import bookings, gold  # noqa: F401  (fixtures)
from tests.journey.fixtures import course_with_table  # noqa: F401  (fixture)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
if not shutil.which(CHROMIUM) and os.environ.get("CI") == "true":
    pytest.fail(f"Chromium is required in CI ({CHROMIUM} is missing; .ci/run installs it)", pytrace=False)
pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")
BASE = "http://localhost"


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def open_page(browser, client, width):
    """A page whose every request goes to the Flask test client (which holds the signed-in session)."""
    page = browser.new_page(viewport={"width": width, "height": 800})

    def answer(route, request):
        url = urlsplit(request.url)
        response = client.open(url.path, query_string=url.query, method=request.method,
                               data=request.post_data_buffer,
                               headers={"Content-Type": request.headers.get("content-type", "")})
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        route.fulfill(status=response.status_code, headers=headers, body=response.get_data())
        response.close()

    page.route("**/*", answer)
    return page


def test_slot_picker_fits_a_phone_and_works_by_keyboard(browser, client, auth, db, gold):  # noqa: F811
    partner, user, manager = gold
    db.commit()
    auth.login_as(user)
    assert len(service.free_slots(db, manager.id)) > 300  # a month of slots: the old wall of buttons
    for width in (1280, 320):
        page = open_page(browser, client, width)
        page.goto(BASE + "/bookings/")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 4000, (width, height)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.close()
    page = open_page(browser, client, 320)
    page.goto(BASE + "/bookings/")
    selected = page.locator(".day-link.selected").get_attribute("href")
    target = page.locator(".day-link:not(.selected)").first
    href = target.get_attribute("href")
    target.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**" + href.split("#")[0] + "*")
    assert page.locator(".day-link.selected").get_attribute("href") == href != selected
    page.close()


def test_course_tables_scroll_in_a_box_and_keep_words_whole(browser, client, auth, db, make, course_with_table):
    user = make.partner_user("gold")
    db.commit()
    auth.login_as(user)
    page = open_page(browser, client, 320)
    page.goto(BASE + "/courses/tables/lesson-1")
    box = page.locator(".table-scroll")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # it scrolls, inside its own box
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # the page does not
    line = page.locator(".table-scroll th").last.evaluate("c => parseFloat(getComputedStyle(c).lineHeight)")
    for cell in page.locator(".table-scroll th").all():
        assert cell.evaluate("c => c.getBoundingClientRect().height") < 2 * line + 20  # "Platinum" on one line
    page.keyboard.press("Tab")
    for _ in range(40):
        if page.evaluate("document.activeElement.classList.contains('table-scroll')"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("the table box is not reachable by keyboard")
    page.close()


def test_on_phones_the_onboarding_comes_before_the_support_panel(browser, client, auth, db, make):
    user = make.partner_user("gold")
    db.commit()
    auth.login_as(user)
    page = open_page(browser, client, 320)
    page.goto(BASE + "/home")
    journey = page.locator("#journey-heading").bounding_box()["y"]
    support = page.locator("#support-heading").bounding_box()["y"]
    assert journey < support
    page.close()


def test_time_zone_search_narrows_the_select(browser, client, auth, db, make):
    user = make.partner_user("gold", timezone="Europe/London")
    db.commit()
    auth.login_as(user)
    page = open_page(browser, client, 1280)
    page.goto(BASE + "/account")
    page.get_by_label("Search time zones (a city, e.g. Chicago)").fill("chicago")
    assert page.locator("select#timezone").input_value() == "America/Chicago"
    page.close()
