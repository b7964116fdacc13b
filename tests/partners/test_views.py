from sqlalchemy import func, select

from lms.models import AuditEvent, OutboxMessage, Partner, User


def test_manager_sees_only_their_partners(client, auth, make, db):
    manager = make.manager()
    mine = make.partner(manager=manager, name="Mine Corp")
    make.partner(name="Theirs Corp")
    db.commit()
    auth.login_as(manager)
    page = client.get("/partners/").get_data(as_text=True)
    assert "Mine Corp" in page and "Theirs Corp" not in page
    assert client.get(f"/partners/{mine.id}").status_code == 200


def test_admin_sees_all_and_filters_by_tier(client, auth, make, db):
    admin = make.admin()
    make.partner("gold", name="Golden Corp")
    make.partner("bronze", name="Bronze Corp")
    db.commit()
    auth.login_as(admin)
    page = client.get("/partners/?tier=gold").get_data(as_text=True)
    assert "Golden Corp" in page and "Bronze Corp" not in page


def test_partner_user_cannot_open_manager_pages(client, auth, make, db):
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    assert client.get("/partners/").status_code == 403
    assert client.get(f"/partners/{user.partner_id}").status_code == 403


def test_manager_creates_a_partner_for_themselves(client, auth, make, db):
    manager, other_manager = make.manager(), make.manager()
    db.commit()
    auth.login_as(manager)
    gold = make.tier("gold")
    response = client.post("/partners/new", data={"name": "Newco", "web_domain": "https://www.newco.example/",
                                                   "tier_id": gold.id, "manager_id": manager.id})
    assert response.status_code == 302
    partner = db.scalar(select(Partner).where(Partner.name == "Newco"))
    assert partner.manager_id == manager.id and partner.web_domain == "newco.example"
    forged = client.post("/partners/new", data={"name": "Forged", "tier_id": gold.id, "manager_id": other_manager.id})
    assert b"Not a valid choice" in forged.data
    assert db.scalar(select(Partner).where(Partner.name == "Forged")) is None


def test_bad_partner_input_changes_nothing(client, auth, make, db):
    admin = make.admin()
    make.partner(name="Taken Name")
    db.commit()
    auth.login_as(admin)
    before = db.scalar(select(func.count(Partner.id)))
    manager_id = db.scalar(select(User.id).where(User.role == "manager"))
    cases = [
        ({"name": "", "tier_id": 1, "manager_id": manager_id}, b"Enter the organisation&#39;s name."),
        ({"name": "x" * 161, "tier_id": 1, "manager_id": manager_id}, b"Field cannot be longer than 160 characters."),
        ({"name": "Ok", "web_domain": "not a domain", "tier_id": 1, "manager_id": manager_id}, b"Enter a web domain such as example.com."),
        ({"name": "Ok", "tier_id": "gold", "manager_id": manager_id}, b"Invalid Choice"),
        ({"name": "taken name", "tier_id": 1, "manager_id": manager_id}, b"A partner with this name already exists."),
    ]
    for data, message in cases:
        response = client.post("/partners/new", data=data)
        assert response.status_code == 200
        assert message in response.data, message
    assert db.scalar(select(func.count(Partner.id))) == before


def test_invite_rejects_duplicate_email_beside_the_field(client, auth, make, db):
    manager = make.manager()
    partner = make.partner(manager=manager)
    make.user("partner", partner=partner, email="dup@example.com")
    db.commit()
    auth.login_as(manager)
    response = client.post(f"/partners/{partner.id}/invite", data={"name": "Dup", "email": "DUP@example.com"})
    assert response.status_code == 400
    assert b"An account with this email already exists." in response.data
    empty = client.post(f"/partners/{partner.id}/invite", data={"name": "", "email": ""})
    assert b"Enter a name." in empty.data and b"Enter an email address." in empty.data


def test_edit_partner_tier_needs_reason_and_appears_on_timeline(client, auth, make, db):
    admin = make.admin()
    partner = make.partner("bronze", name="Climber Ltd")
    db.commit()
    auth.login_as(admin)
    data = {"name": "Climber Ltd", "tier_id": make.tier("gold").id, "manager_id": partner.manager_id}
    response = client.post(f"/partners/{partner.id}/edit", data=data)
    assert b"Say why the tier or manager changes" in response.data
    db.expire_all()
    assert db.get(Partner, partner.id).tier.key == "bronze"
    client.post(f"/partners/{partner.id}/edit", data=data | {"reason": "Hit Gold revenue"})
    detail = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "tier Bronze -&gt; Gold" in detail and "Hit Gold revenue" in detail


def test_resend_invite(client, auth, make, db):
    manager = make.manager()
    partner = make.partner(manager=manager)
    pending = make.user("partner", partner=partner, password=None)
    db.commit()
    auth.login_as(manager)
    client.post(f"/partners/{partner.id}/users/{pending.id}/resend-invite")
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.invited")) == 1


def test_partner_home_shows_tier_support_and_sla(client, auth, make, db):
    manager = make.manager(name="Anna Berg", phone="+44 20 7946 0018", timezone="Europe/London")
    partner = make.partner("gold", manager=manager, name="Goldy")
    user = make.user("partner", partner=partner)
    db.commit()
    auth.login_as(user)
    page = client.get("/home").get_data(as_text=True)
    assert "Anna Berg" in page and "+44 20 7946 0018" in page
    assert "Answer within 4 business hours" in page and "Europe/London" in page
    assert "Gold" in page


def test_inviting_never_tells_a_manager_about_another_organisations_account(client, auth, make, db):
    """Issue 9, item 11: the answer for an address registered elsewhere is the answer for a new one."""
    manager = make.manager()
    partner = make.partner(manager=manager)
    elsewhere = make.partner(manager=make.manager(), name="Elsewhere Ltd")
    make.user("partner", partner=elsewhere, email="known@example.com", name="Known Person")
    db.commit()
    auth.login_as(manager)
    known = client.post(f"/partners/{partner.id}/invite", data={"name": "K", "email": "known@example.com"},
                        follow_redirects=True)
    fresh = client.post(f"/partners/{partner.id}/invite", data={"name": "F", "email": "fresh@example.com"},
                        follow_redirects=True)
    assert known.status_code == fresh.status_code == 200
    assert "Invite sent to known@example.com" in known.get_data(as_text=True)
    assert b"already exists" not in known.data and b"Elsewhere" not in known.data
    assert db.scalar(select(User).where(User.email == "known@example.com")).partner_id == elsewhere.id
    assert db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == "known@example.com")) == 0


def test_partner_page_pages_its_people_and_counts_progress_over_everyone(client, auth, make, db):
    from tests.checkins.test_views import BAD_PAGES, assert_first_page
    from tests.courses.helpers import create_course
    from lms.models import LearningPathItem

    manager = make.manager()
    partner = make.partner("gold", manager=manager, name="Crowded Corp")
    course = create_course(db, "crowd-path", title="Crowd path", lessons=1)
    db.add(LearningPathItem(tier_id=partner.tier_id, course_id=course.id, position=1))
    for i in range(51):
        make.user("partner", partner=partner, name=f"Person {i:02d}")
    db.commit()
    auth.login_as(manager)
    first = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Person 49" in first and "Person 50" not in first
    assert "0 of 51</strong> people completed" in first  # the share counts everyone, not the page
    assert f'href="/partners/{partner.id}?people_page=2"' in first
    second = client.get(f"/partners/{partner.id}?people_page=2").get_data(as_text=True)
    assert "Person 50" in second and "Person 49" not in second and "0 of 51</strong>" in second
    for bad in BAD_PAGES:
        assert_first_page(client.get(f"/partners/{partner.id}", query_string={"people_page": bad}), bad, "Person 00")
