"""Fifty submits of one survey at the same moment, through the views: exactly one response is stored."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.models import AuditEvent, OutboxMessage, Partner, SurveyFollowUp, SurveyInvitation, SurveyResponse, User
from tests.bookings.race import make_app
from tests.factories import Factories
from tests.surveys import factories as sf

THREADS = 50


@pytest.mark.postgres_only
def test_fifty_concurrent_submits_store_one_response(engine, database_url):
    app = make_app(engine, database_url)
    with app.app_context(), Session(engine) as setup:
        make = Factories(setup)
        manager = make.manager()
        partner = make.partner("gold", manager=manager)
        user = make.user("partner", partner=partner)
        invitation = sf.invitation(setup, user)
        form = sf.answers_for(setup, invitation, 3, "Too slow")  # a detractor: one follow-up too
        setup.commit()
        ids = {"user": user.id, "partner": partner.id, "manager": manager.id, "email": user.email}
        token = invitation.token
    clients = []
    for _ in range(THREADS):
        client = app.test_client()
        assert client.post("/login", data={"email": ids["email"], "password": Factories.PASSWORD}).status_code == 302
        clients.append(client)
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    bodies: list[str] = []
    errors: list[BaseException] = []

    def submit(client) -> None:
        try:
            barrier.wait()
            response = client.post(f"/surveys/answer/{token}", data=form, follow_redirects=True)
            statuses.append(response.status_code)
            bodies.append(response.get_data(as_text=True))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    try:
        threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert statuses == [200] * THREADS
        assert sum("already answered" in body for body in bodies) == THREADS - 1
        assert sum("will be in touch" in body for body in bodies) == 1
        with Session(engine) as check:
            invitation_id = check.scalar(select(SurveyInvitation.id).where(SurveyInvitation.token == token))
            assert check.scalar(select(func.count(SurveyResponse.id))
                                .where(SurveyResponse.invitation_id == invitation_id)) == 1
            assert check.scalar(select(func.count(SurveyFollowUp.id))
                                .where(SurveyFollowUp.partner_id == ids["partner"])) == 1
    finally:
        with Session(engine) as cleanup:
            cleanup.execute(delete(SurveyInvitation).where(SurveyInvitation.user_id == ids["user"]))
            cleanup.execute(delete(AuditEvent).where(AuditEvent.partner_id == ids["partner"]))
            cleanup.execute(delete(User).where(User.id == ids["user"]))
            cleanup.execute(delete(Partner).where(Partner.id == ids["partner"]))
            cleanup.execute(delete(User).where(User.id == ids["manager"]))
            cleanup.execute(delete(OutboxMessage).where(OutboxMessage.recipient == ids["email"]))
            cleanup.commit()
