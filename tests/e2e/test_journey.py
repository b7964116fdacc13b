"""A Gold partner's first weeks, in a real browser, as the admin, the partner user and the manager see them.

Each step is a page a person uses; `journey.check` screenshots it and runs axe-core on it. The steps
share one portal and run in order (a later step needs what the earlier one made).
"""

from __future__ import annotations

import re

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
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")  # the browser's zone, preselected
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    journey.check(page, "partner-home-first-visit")
    page.context.close()
