from decimal import Decimal

from sqlalchemy import func, select

from lms.models import AuditEvent, OutboxMessage, Tier, User


def _tier_form(tier, **overrides):
    data = {
        "name": tier.name, "onboarding_kind": tier.onboarding_kind, "group_capacity": tier.group_capacity or "",
        "support_channel": tier.support_channel, "sla_coverage": tier.sla_coverage, "sla_hours": tier.sla_hours or "",
        "checkin_cadence_months": tier.checkin_cadence_months, "commission_rate": str(tier.commission_rate),
    }
    if tier.quarterly_business_review:
        data["quarterly_business_review"] = "y"
    data.update(overrides)
    return data


def test_only_admins_reach_admin_pages(client, auth, make, db):
    manager = make.manager()
    db.commit()
    auth.login_as(manager)
    for url in ("/admin/", "/admin/tiers", "/admin/users", "/admin/audit", "/admin/managers/new"):
        assert client.get(url).status_code == 403, url


def test_admin_edits_a_tier_and_it_is_audited(client, auth, make, db):
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    gold = make.tier("gold")
    response = client.post(f"/admin/tiers/{gold.id}/edit", data=_tier_form(gold, commission_rate="17.50", sla_hours="6"))
    assert response.status_code == 302
    db.expire_all()
    gold = db.get(Tier, gold.id)
    assert gold.commission_rate == Decimal("17.50") and gold.sla_hours == 6
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "tier.updated"))
    assert event.actor_id == admin.id and event.changes["commission_rate"] == ["15.00", "17.50"]
    assert "Answer within 6 business hours" in client.get("/admin/tiers").get_data(as_text=True)


def test_bad_tier_input_changes_nothing(client, auth, make, db):
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    bronze = make.tier("bronze")
    cases = [
        ({"commission_rate": "150"}, b"Enter a percentage from 0 to 100."),
        ({"commission_rate": "abc"}, b"Not a valid decimal value."),
        ({"checkin_cadence_months": "0"}, b"Enter a number from 1 to 12."),
        ({"group_capacity": ""}, b"Group onboarding needs a capacity."),
        ({"sla_coverage": "business", "sla_hours": ""}, b"Enter the response target in hours"),
        ({"name": "Gold"}, b"Another tier has this name."),
        ({"name": ""}, b"Enter a name."),
    ]
    for overrides, message in cases:
        response = client.post(f"/admin/tiers/{bronze.id}/edit", data=_tier_form(bronze, **overrides))
        assert response.status_code == 200 and message in response.data, message
    db.expire_all()
    assert db.get(Tier, bronze.id).commission_rate == Decimal("10.00")
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "tier.updated")) is None


def test_admin_invites_a_manager(client, auth, make, db):
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    response = client.post("/admin/managers/new", data={"name": "Mia", "email": "mia@example.com", "timezone": "Europe/Berlin", "phone": ""})
    assert response.status_code == 302
    mia = db.scalar(select(User).where(User.email == "mia@example.com"))
    assert mia.role == "manager" and mia.timezone == "Europe/Berlin" and mia.password_hash is None
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "mia@example.com")) is not None
    bad = client.post("/admin/managers/new", data={"name": "Mia", "email": "mia@example.com", "timezone": "Europe/Berlin"})
    assert b"An account with this email already exists." in bad.data


def test_audit_log_lists_who_did_what(client, auth, make, db):
    admin = make.admin(name="Ada Admin")
    db.commit()
    auth.login_as(admin)
    client.post("/admin/managers/new", data={"name": "Mo", "email": "mo@example.com", "timezone": "UTC"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Created partner manager Mo &lt;mo@example.com&gt;" in page and "Ada Admin" in page
    filtered = client.get("/admin/audit?action=tier.").get_data(as_text=True)
    assert "Created partner manager Mo" not in filtered


def test_admin_cannot_deactivate_themselves(client, auth, make, db):
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert b"You cannot deactivate your own account." in response.data
    db.expire_all()
    assert db.get(User, admin.id).active


def test_tier_list_pages_in_fifties(client, auth, make, db):
    from tests.checkins.test_views import BAD_PAGES, assert_first_page

    for i in range(51):
        db.add(Tier(key=f"extra{i}", name=f"Extra tier {i:02d}", rank=100 + i, onboarding_kind="dedicated",
                    support_channel="Email", sla_coverage="none", checkin_cadence_months=3, commission_rate=Decimal("5")))
    admin = make.admin()
    db.commit()
    auth.login_as(admin)
    shown = db.scalar(select(func.count(Tier.id))) - 50
    first = client.get("/admin/tiers").get_data(as_text=True)
    assert "Extra tier 50" not in first and 'href="/admin/tiers?page=2"' in first
    second = client.get("/admin/tiers?page=2").get_data(as_text=True)
    assert "Extra tier 50" in second and second.count("Extra tier") == 2 * shown  # badge and skip link
    for bad in BAD_PAGES:
        assert_first_page(client.get("/admin/tiers", query_string={"page": bad}), bad, "Extra tier 00")


def test_audit_log_pages_in_fifties_keeping_the_action_filter(client, auth, make, db):
    from datetime import timedelta

    from lms.db import utcnow
    from tests.checkins.test_views import BAD_PAGES, assert_first_page

    admin = make.admin()
    start = utcnow()
    for i in range(51):
        db.add(AuditEvent(actor_id=admin.id, action="tier.updated", object_type="tier", summary=f"Tier change {i:02d}",
                          occurred_at=start - timedelta(minutes=i)))
    db.add(AuditEvent(actor_id=admin.id, action="partner.updated", object_type="partner", summary="Partner change"))
    db.commit()
    auth.login_as(admin)
    first = client.get("/admin/audit?action=tier.").get_data(as_text=True)
    assert "Tier change 49" in first and "Tier change 50" not in first and "Partner change" not in first
    assert 'href="/admin/audit?action=tier.&amp;page=2"' in first
    second = client.get("/admin/audit?action=tier.&page=2").get_data(as_text=True)
    assert "Tier change 50" in second and "Tier change 49" not in second and "Partner change" not in second
    assert 'href="/admin/audit?action=tier.&amp;page=1"' in second
    for bad in BAD_PAGES:
        assert_first_page(client.get("/admin/audit", query_string={"action": "tier.", "page": bad}), bad, "Tier change 00")
