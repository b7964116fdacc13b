"""Plan pages: write, sign from both sides, see the diff escaped, flags on the agenda and the home page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from lms.db import utcnow
from lms.models import PlanRevision
from lms.plans import service
from tests.plans.factories import agreed_plan, partner_admin, terms


def _plan_form(**overrides) -> dict:
    today = utcnow().date()
    data = {
        "period_starts_on": today.isoformat(), "period_ends_on": (today + timedelta(days=365)).isoformat(),
        "commission": "10% of year one", "discounts": "", "rules_of_engagement": "Register first",
        "lead_division": "", "conflict_policy": "first_claim", "communication_boundaries": "",
        "goal_people_certified": "3", "change_note": "",
    }
    data.update(overrides)
    return data


def test_partner_admin_writes_manager_signs_partner_signs_and_terms_are_in_force(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    owner = partner_admin(db, make, partner)
    db.commit()
    auth.login_as(owner)
    response = client.post(f"/plans/partners/{partner.id}/edit", data=_plan_form())
    assert response.status_code == 302
    revision = db.scalar(select(PlanRevision))
    page = client.get(f"/plans/partners/{partner.id}").get_data(as_text=True)
    assert "Revision 1 awaits signatures" in page and f"Sign revision 1 as {owner.name}" in page
    assert client.post(f"/plans/revisions/{revision.id}/sign").status_code == 302
    auth.logout()
    auth.login_as(manager)
    client.post(f"/plans/revisions/{revision.id}/sign")
    page = client.get(f"/plans/partners/{partner.id}").get_data(as_text=True)
    assert "Terms in force (revision 1)" in page and "10% of year one" in page
    assert "People certified" in page


def test_a_plain_partner_user_reads_but_cannot_edit_or_sign(client, auth, db, make):
    partner = make.partner("gold")
    plan, revision, _ = agreed_plan(db, make, partner)
    reader = make.user("partner", partner=partner)
    db.commit()
    auth.login_as(reader)
    assert client.get(f"/plans/partners/{partner.id}").status_code == 200
    assert client.get(f"/plans/partners/{partner.id}/edit").status_code == 403
    client.post(f"/plans/revisions/{revision.id}/sign")
    assert db.get(PlanRevision, revision.id).partner_signer_name != reader.name


def test_the_diff_is_shown_escaped(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    _, _, owner = agreed_plan(db, make, partner)
    service.revise_plan(db, manager, partner, terms(rules_of_engagement="<script>alert(1)</script> call us"))
    db.commit()
    auth.login_as(owner)
    page = client.get(f"/plans/partners/{partner.id}").get_data(as_text=True)
    assert "What changed since revision 1" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; call us" in page and "<script>alert(1)" not in page


def test_bad_input_is_a_message_beside_the_field_not_a_500(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    db.commit()
    auth.login_as(manager)
    for bad in ({"goal_people_certified": "99999999999999999999999"}, {"period_ends_on": "2020-13-45"},
                {"commission": "a\x00b"}, {"change_note": "one\r\ntwo"}, {"conflict_policy": "bribes"},
                {"period_ends_on": "2000-01-01"}):
        response = client.post(f"/plans/partners/{partner.id}/edit", data=_plan_form(**bad))
        assert response.status_code == 400, bad
    assert db.scalar(select(PlanRevision)) is None


def test_missed_review_is_flagged_on_the_manager_agenda_and_the_partner_home(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    plan, _, owner = agreed_plan(db, make, partner)
    plan.next_review_on = utcnow().date() - timedelta(days=2)
    db.commit()
    auth.login_as(manager)
    agenda = client.get("/checkins/").get_data(as_text=True)
    assert "Review date passed without a review" in agenda and partner.name in agenda
    auth.logout()
    auth.login_as(owner)
    assert "review missed" in client.get("/home").get_data(as_text=True)


def test_manager_winds_down_with_a_reason(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    plan, _, _ = agreed_plan(db, make, partner)
    db.commit()
    auth.login_as(manager)
    assert client.post(f"/plans/partners/{partner.id}/wind-down", data={"reason": "", "ends_on": "2027-03-31"}).status_code == 400
    client.post(f"/plans/partners/{partner.id}/wind-down", data={"reason": "Strategy changed", "ends_on": "2027-03-31"})
    page = client.get(f"/plans/partners/{partner.id}").get_data(as_text=True)
    assert "Ending" in page and "Strategy changed" in page and "Open leads and payouts stay visible" in page


def _count_queries(engine, fn) -> int:
    count = 0

    def before(*args, **kwargs):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count


def test_plans_list_uses_the_same_number_of_queries_for_3_and_30_partners(client, auth, db, make, engine):
    manager = make.manager()
    for n in range(3):
        agreed_plan(db, make, make.partner("gold", manager=manager))
    db.commit()
    auth.login_as(manager)
    few = _count_queries(engine, lambda: client.get("/plans/"))
    for n in range(27):
        make.partner("gold", manager=manager)
    db.commit()
    many = _count_queries(engine, lambda: client.get("/plans/"))
    assert few == many


def test_the_manager_agenda_lists_revisions_waiting_for_their_signature(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager, name="Waiting Widgets")
    owner = partner_admin(db, make, partner)
    service.revise_plan(db, owner, partner, terms())
    db.commit()
    auth.login_as(manager)
    agenda = client.get("/checkins/").get_data(as_text=True)
    assert "Revisions waiting for your signature" in agenda and "Waiting Widgets" in agenda
