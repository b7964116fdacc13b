"""A Gold partner's first weeks, in a real browser, as the admin, the partner user and the manager see them.

Each step is a page a person uses; `journey.check` screenshots it and runs axe-core on it. The steps
share one portal and run in order (a later step needs what the earlier one made).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

PASSWORD = "portal-demo-2026"
NEW_PASSWORD = "northwind-onboards-2026"
PARTNER = "Northwind Analytics"
USER_EMAIL = "noor@northwind.example"


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_admin_creates_a_gold_partner_and_invites_its_first_user(journey):
    page = journey.person()
    sign_in(page, "admin@example.com")
    journey.check(page, "admin-home")
    page.goto("/partners/new")
    page.get_by_label("Organisation name").fill(PARTNER)
    page.get_by_label("Web domain").fill("northwind.example")
    page.get_by_label("Tier").select_option(label="Gold")
    page.get_by_label("Partner manager").select_option(label="Anna Berg (anna.berg@example.com)")
    journey.check(page, "admin-new-partner")
    page.get_by_role("button", name="Create partner").click()
    expect(page.get_by_text(f"{PARTNER} has been created")).to_be_visible()
    page.get_by_label("Their full name").fill("Noor Haddad")
    page.get_by_label("Their work email").fill(USER_EMAIL)
    page.get_by_role("button", name=re.compile("invite", re.I)).click()
    expect(page.get_by_text(f"Invite sent to {USER_EMAIL}")).to_be_visible()
    journey.check(page, "admin-partner-invited")
    page.context.close()


def test_the_user_accepts_the_invite_in_their_own_time_zone(journey):
    link = journey.portal.last_link(USER_EMAIL, "/invite/")
    page = journey.person(timezone="America/New_York")
    page.goto(link)
    journey.check(page, "partner-accept-invite")
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("America/New_York")  # the browser's zone, preselected
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    journey.check(page, "partner-home-first-visit")
    page.context.close()


# --- shared lookups -----------------------------------------------------------------------------------

MANAGER_EMAIL = "anna.berg@example.com"
STORED = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a UTC datetime in SQLite (checked in the time-passes step)


def partner_id(journey) -> int:
    [(found,)] = journey.portal.query("SELECT id FROM partners WHERE name = ?", PARTNER)
    return found


def kickoff(journey) -> tuple[int, str, str]:
    [row] = journey.portal.query(
        "SELECT id, starts_at, ends_at FROM bookings WHERE partner_id = ? AND kind = 'kickoff' AND status != 'cancelled'",
        partner_id(journey))
    return row


_sessions: dict[str, dict] = {}  # email -> saved cookies: sign in once each (sign-ins are rate limited per address)


def signed_in(journey, email: str, password: str, timezone: str, width: int = 1280):
    page = journey.person(timezone=timezone, width=width, storage_state=_sessions.get(email))
    if email in _sessions:
        page.goto("/")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    else:
        sign_in(page, email, password)
        _sessions[email] = page.context.storage_state()
    return page


def noor(journey, width: int = 1280):
    return signed_in(journey, USER_EMAIL, NEW_PASSWORD, "America/New_York", width)


def anna(journey):
    return signed_in(journey, MANAGER_EMAIL, PASSWORD, "Europe/London")


# --- the partner's first weeks ------------------------------------------------------------------------

def test_the_user_books_the_kickoff_in_their_time_zone(journey):
    page = noor(journey)
    page.goto("/bookings/")
    expect(page.locator("button.slot").first).to_be_visible()
    expect(page.get_by_text("Times in your zone (America/New_York)")).to_be_visible()
    journey.check(page, "partner-kickoff-slots")
    page.locator("button.slot").first.click()
    expect(page.get_by_text("Your kickoff call is booked")).to_be_visible()
    _, starts_at, _ = kickoff(journey)
    utc = datetime.strptime(starts_at, STORED).replace(tzinfo=timezone.utc)
    in_new_york = utc.astimezone(ZoneInfo("America/New_York"))
    when = page.get_by_role("definition").filter(has_text="(America/New_York)").first
    expect(when).to_contain_text(in_new_york.strftime("%H:%M"))
    expect(when).to_contain_text(f"{in_new_york.day} {in_new_york:%b}")
    journey.check(page, "partner-kickoff-booked")
    page.context.close()


def test_time_passes_and_the_manager_records_the_call_held(journey):
    booking_id, starts_at, ends_at = kickoff(journey)
    # Stored as naive UTC text, e.g. "2026-12-23 07:30:00.000000" (read back above): keep that format.
    start, end = datetime.strptime(starts_at, STORED), datetime.strptime(ends_at, STORED)
    # Standing in for the call's time arriving: the booking is moved two hours into the past, directly in
    # the database (nothing in the portal may book the past), so the manager can record its outcome.
    new_start = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) - timedelta(hours=2)
    journey.portal.query("UPDATE bookings SET starts_at = ?, ends_at = ? WHERE id = ?",
                         new_start.strftime(STORED), (new_start + (end - start)).strftime(STORED), booking_id)
    page = anna(journey)
    page.goto(f"/bookings/calls/{booking_id}")
    expect(page.get_by_role("heading", name="Record the outcome")).to_be_visible()
    journey.check(page, "manager-call-outcome")
    page.get_by_label("Held", exact=True).check()
    page.get_by_label("Notes", exact=True).fill("Walked through the Gold path, lead registration and the plan.")
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_text("Outcome recorded.")).to_be_visible()
    journey.check(page, "manager-call-held")
    page.context.close()


def test_the_user_answers_the_kickoff_survey_from_their_home_page(journey):
    page = noor(journey)
    page.goto("/")
    panel = page.get_by_role("region", name="Your feedback, please")
    expect(panel).to_be_visible()
    journey.check(page, "partner-home-survey-panel")
    panel.get_by_role("link", name=re.compile(r"^After your kickoff")).click()
    journey.check(page, "partner-kickoff-survey")
    form = page.locator("form.survey-form")
    for group in form.locator("fieldset").all():
        group.get_by_role("radio").last.check()  # the top of each scale: a happy partner
    for box in form.get_by_role("textbox").all():
        box.fill("A clear start; the slot picker made it easy.")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you for your answers.").first).to_be_visible()
    expect(page.get_by_text("We are sorry it was not better")).to_have_count(0)  # a high answer: just the thanks
    journey.check(page, "partner-survey-thanks")
    page.context.close()


def _complete_course(journey, page, slug: str) -> None:
    lessons = journey.portal.query(
        "SELECT l.slug, l.title FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = ? ORDER BY l.position",
        slug)
    for lesson_slug, title in lessons:
        page.goto(f"/courses/{slug}/{lesson_slug}")
        checks = journey.portal.query(
            "SELECT k.id, k.kind, k.answer FROM knowledge_checks k JOIN lessons l ON l.id = k.lesson_id "
            "JOIN courses c ON c.id = l.course_id WHERE c.slug = ? AND l.slug = ? ORDER BY k.position", slug, lesson_slug)
        for check_id, kind, answer in checks:
            answer = json.loads(answer)
            if kind == "text":
                page.locator(f"input[name='check_{check_id}']").fill(answer["accepted"][0])
            else:  # the answers are graded on the server; the right ones come from the course content
                for index in answer["correct"]:
                    page.locator(f"input[name='check_{check_id}'][value='{index}']").check()
        page.get_by_role("button", name="Check my answers").click()
        expect(page.get_by_text(re.compile(r"Lesson complete: |earned its certificate")).first).to_be_visible()


def test_the_user_completes_a_course_and_the_certificate_verifies_signed_out(journey):
    page = noor(journey)
    path = journey.portal.query(
        "SELECT c.slug, c.title FROM learning_path_items i JOIN courses c ON c.id = i.course_id "
        "JOIN tiers t ON t.id = i.tier_id WHERE t.name = 'Gold' ORDER BY i.position")
    first_slug, first_title = path[0]
    page.goto(f"/courses/{first_slug}")
    journey.check(page, "partner-course")
    page.goto(f"/courses/{first_slug}/" + journey.portal.query(
        "SELECT l.slug FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = ? ORDER BY l.position",
        first_slug)[0][0])
    journey.check(page, "partner-lesson")
    _complete_course(journey, page, first_slug)
    expect(page.get_by_text(f"You have completed “{first_title}” and earned its certificate.")).to_be_visible()
    journey.check(page, "partner-course-completed")
    [(code,)] = journey.portal.query(
        "SELECT c.code FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.email = ?", USER_EMAIL)
    page.context.close()

    stranger = journey.person(timezone="Asia/Tokyo")  # a fresh context: nobody signed in
    stranger.goto(f"/certificates/{code}")
    expect(stranger.get_by_text("Noor Haddad")).to_be_visible()
    expect(stranger.locator(".badge.ok")).to_be_visible()
    expect(stranger.get_by_role("button", name="Sign out")).to_have_count(0)
    journey.check(stranger, "public-certificate-valid")
    stranger.context.close()


def test_the_user_completes_the_rest_of_the_gold_path(journey):
    page = noor(journey)
    path = journey.portal.query(
        "SELECT c.slug FROM learning_path_items i JOIN courses c ON c.id = i.course_id "
        "JOIN tiers t ON t.id = i.tier_id WHERE t.name = 'Gold' ORDER BY i.position")
    for (slug,) in path[1:]:
        _complete_course(journey, page, slug)
    page.goto("/courses/")
    journey.check(page, "partner-courses-done")
    page.context.close()


def _first_lead_count(page) -> int:
    page.goto("/dashboard/")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="First lead registered", exact=True))
    return int(row.get_by_role("cell").first.inner_text())


def test_the_user_registers_a_lead_and_the_manager_sees_the_funnel_move(journey):
    manager = anna(journey)
    before = _first_lead_count(manager)
    manager.goto("/dashboard/partners?stage=first_lead")
    expect(manager.get_by_role("link", name=PARTNER, exact=True)).to_have_count(0)

    page = noor(journey)
    page.goto("/leads/new")
    page.get_by_label("Company name").fill("Contoso Brewing")
    page.get_by_label("Web domain").fill("contoso-brewing.example")
    page.get_by_label("Country").fill("US")
    page.get_by_label("Contact name").fill("Dana Whitfield")
    journey.check(page, "partner-new-lead")
    page.get_by_role("button", name="Register the lead").click()
    expect(page.get_by_text("Contoso Brewing registered.")).to_be_visible()
    journey.check(page, "partner-lead-registered")
    page.context.close()

    assert _first_lead_count(manager) == before + 1
    journey.check(manager, "manager-dashboard")
    manager.goto("/dashboard/partners?stage=first_lead")
    expect(manager.get_by_role("link", name=PARTNER, exact=True)).to_be_visible()
    journey.check(manager, "manager-dashboard-first-lead")
    manager.context.close()


def test_the_partnership_plan_is_signed_by_both_sides(journey):
    pid = partner_id(journey)
    manager = anna(journey)
    manager.goto(f"/workspace/partners/{pid}/team")
    journey.check(manager, "manager-partner-team")
    manager.get_by_role("button", name="Make partner admin").click()
    expect(manager.get_by_text("partner admin", exact=True)).to_be_visible()
    manager.goto(f"/plans/partners/{pid}")
    manager.get_by_role("link", name="Write the first version").click()
    journey.check(manager, "manager-plan-edit")
    manager.get_by_label("What changed, in a few words").fill("First plan after the kickoff")
    manager.get_by_role("button", name="Save as a new revision").click()
    expect(manager.get_by_text("Revision 1 saved.")).to_be_visible()
    manager.get_by_role("button", name="Sign revision 1 as Anna Berg").click()
    expect(manager.get_by_text("The terms take effect when the other side signs too.")).to_be_visible()
    journey.check(manager, "manager-plan-signed")
    manager.context.close()

    page = noor(journey)
    page.goto(f"/plans/partners/{pid}")
    journey.check(page, "partner-plan-to-sign")
    page.get_by_role("button", name="Sign revision 1 as Noor Haddad").click()
    expect(page.get_by_text("Both sides have signed: these terms are now in force.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Revision 1, agreed"))).to_be_visible()
    journey.check(page, "partner-plan-agreed")
    page.context.close()


def test_key_partner_pages_fit_a_phone(journey):
    page = noor(journey, width=320)
    for path, name in (("/", "phone-partner-home"), ("/bookings/", "phone-partner-kickoff"),
                       ("/leads/", "phone-partner-leads")):
        page.goto(path)
        journey.check(page, name)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, f"{path} scrolls sideways"
    page.context.close()
