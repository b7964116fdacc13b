"""Partner admins invite and deactivate colleagues of their own organisation only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.models import OutboxMessage, User
from lms.workspace import team
from tests.plans.factories import partner_admin


def test_partner_admin_invites_a_colleague_into_their_own_organisation(client, auth, db, make):
    partner = make.partner("gold")
    admin = partner_admin(db, make, partner)
    db.commit()
    auth.login_as(admin)
    response = client.post(f"/workspace/partners/{partner.id}/team",
                           data={"name": "New Colleague", "email": "new.colleague@example.com"})
    assert response.status_code == 302
    invited = db.scalar(select(User).where(User.email == "new.colleague@example.com"))
    assert invited.partner_id == partner.id and invited.role == "partner" and not invited.partner_admin
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == invited.email)) is not None


def test_partner_admin_cannot_invite_into_or_deactivate_in_another_organisation(client, auth, db, make):
    partner, other = make.partner("gold"), make.partner("gold")
    admin = partner_admin(db, make, partner)
    stranger = make.user("partner", partner=other)
    with pytest.raises(team.TeamError):
        team.invite_colleague(db, admin, other, email="sneaky@example.com", name="Sneaky")
    with pytest.raises(team.TeamError):
        team.set_colleague_active(db, admin, stranger, False)
    db.commit()
    auth.login_as(admin)
    assert client.post(f"/workspace/partners/{other.id}/team",
                       data={"name": "Sneaky", "email": "sneaky2@example.com"}).status_code == 404
    assert client.post(f"/workspace/people/{stranger.id}/active?active=0").status_code == 404
    db.expire_all()
    assert db.get(User, stranger.id).active
    assert db.scalar(select(User).where(User.email.like("sneaky%"))) is None


def test_a_plain_partner_user_cannot_invite_or_deactivate(client, auth, db, make):
    partner = make.partner("gold")
    user = make.user("partner", partner=partner)
    colleague = make.user("partner", partner=partner)
    db.commit()
    auth.login_as(user)
    assert client.post(f"/workspace/partners/{partner.id}/team",
                       data={"name": "X", "email": "x.person@example.com"}).status_code == 403
    client.post(f"/workspace/people/{colleague.id}/active?active=0")
    db.expire_all()
    assert db.get(User, colleague.id).active


def test_partner_admin_deactivates_and_reactivates_a_colleague_but_not_themselves(client, auth, db, make):
    partner = make.partner("gold")
    admin = partner_admin(db, make, partner)
    colleague = make.user("partner", partner=partner)
    db.commit()
    auth.login_as(admin)
    client.post(f"/workspace/people/{colleague.id}/active?active=0")
    db.expire_all()
    assert not db.get(User, colleague.id).active
    client.post(f"/workspace/people/{colleague.id}/active?active=1")
    db.expire_all()
    assert db.get(User, colleague.id).active
    client.post(f"/workspace/people/{admin.id}/active?active=0")
    db.expire_all()
    assert db.get(User, admin.id).active


def test_only_the_manager_names_partner_admins(client, auth, db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    user = make.user("partner", partner=partner)
    admin = partner_admin(db, make, partner)
    with pytest.raises(team.TeamError):
        team.set_partner_admin(db, admin, user, True)
    db.commit()
    auth.login_as(manager)
    client.post(f"/workspace/people/{user.id}/admin?admin=1")
    db.expire_all()
    assert db.get(User, user.id).partner_admin
