"""Both sides (and their colleagues) click Sign at the same moment: one signature per side, one agreement."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.models import AuditEvent, CheckIn, OutboxMessage, Partner, Plan, PlanRevision, User
from lms.plans import service
from tests.factories import Factories
from tests.plans.factories import partner_admin, terms

ROUNDS = 3


@pytest.mark.postgres_only
def test_concurrent_signing_of_one_revision_makes_exactly_one_agreed_revision(app, engine):
    with Session(engine) as setup:
        make = Factories(setup)
        manager = make.manager()
        admin = make.admin()
        partner = make.partner("gold", manager=manager)
        owners = [partner_admin(setup, make, partner) for _ in range(2)]
        setup.commit()
        ids = {"manager": manager.id, "admin": admin.id, "partner": partner.id, "owners": [o.id for o in owners]}
    signers = [ids["manager"], ids["admin"], *ids["owners"]]
    try:
        for round_ in range(ROUNDS):
            with app.app_context(), Session(engine) as session:
                revision = service.revise_plan(session, session.get(User, ids["manager"]),
                                               session.get(Partner, ids["partner"]),
                                               terms(commission=f"{10 + round_}% of the first year"))
                session.commit()
                revision_id = revision.id
            barrier = threading.Barrier(len(signers))
            outcomes: list[object] = []

            def sign(user_id: int) -> None:
                try:
                    with app.app_context(), Session(engine) as session:
                        user = session.get(User, user_id)
                        rev = session.get(PlanRevision, revision_id)
                        barrier.wait()
                        try:
                            outcomes.append(service.sign_revision(session, user, rev))
                            session.commit()
                        except service.AlreadySigned:
                            session.rollback()
                            outcomes.append("already")
                except BaseException as error:  # noqa: BLE001 - reported below
                    outcomes.append(error)

            threads = [threading.Thread(target=sign, args=(user_id,)) for user_id in signers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
            assert sorted(map(str, outcomes)) == ["False", "True", "already", "already"]
            with Session(engine) as check:
                rev = check.get(PlanRevision, revision_id)
                assert rev.agreed_at is not None and rev.partner_signed_at and rev.manager_signed_at
                assert check.scalar(select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "plan.agreed", AuditEvent.object_id == revision_id)) == 1
                plan = check.scalar(select(Plan).where(Plan.partner_id == ids["partner"]))
                assert plan.agreed_revision_id == revision_id
    finally:
        with Session(engine) as cleanup:
            # "Revision N to sign" mails were committed for real: remove them with the rest.
            cleanup.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key.like("plan-revision:%")))
            cleanup.execute(delete(AuditEvent).where(AuditEvent.partner_id == ids["partner"]))
            cleanup.execute(delete(CheckIn).where(CheckIn.partner_id == ids["partner"]))
            plan_id = cleanup.scalar(select(Plan.id).where(Plan.partner_id == ids["partner"]))
            if plan_id:
                cleanup.execute(Plan.__table__.update().where(Plan.id == plan_id).values(agreed_revision_id=None))
                cleanup.execute(delete(PlanRevision).where(PlanRevision.plan_id == plan_id))
                cleanup.execute(delete(Plan).where(Plan.id == plan_id))
            cleanup.execute(delete(User).where(User.id.in_(ids["owners"])))
            cleanup.execute(delete(Partner).where(Partner.id == ids["partner"]))
            cleanup.execute(delete(User).where(User.id.in_([ids["manager"], ids["admin"]])))
            cleanup.commit()
