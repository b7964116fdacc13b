"""Plan rules: revisions, signatures of both sides, terms in force, diff, goals, reviews, winding down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.checkins import service as checkins
from lms.db import utcnow
from lms.models import AuditEvent, Certificate, CheckIn, Course
from lms.plans import diff, goals, service
from tests.checkins import factories as checkin_factories
from tests.plans.factories import agreed_plan, partner_admin, terms


@pytest.fixture
def setting(db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    owner = partner_admin(db, make, partner)
    return manager, partner, owner


def test_a_revision_is_agreed_only_when_both_sides_signed(db, setting):
    manager, partner, owner = setting
    revision = service.revise_plan(db, manager, partner, terms())
    plan = service.plan_of(db, partner.id)
    assert service.terms_in_force(db, plan) is None
    assert service.sign_revision(db, owner, revision) is False
    assert revision.partner_signer_name == owner.name and revision.partner_signed_at is not None
    assert service.terms_in_force(db, plan) is None  # one signature is not an agreement
    assert service.sign_revision(db, manager, revision) is True
    assert revision.manager_signer_name == manager.name
    assert service.terms_in_force(db, plan).id == revision.id
    assert plan.agreed_revision_id == revision.id


def test_terms_in_force_stay_the_last_agreed_never_a_draft(db, make, setting):
    manager, partner, owner = setting
    plan, first, _ = agreed_plan(db, make, partner)
    draft = service.revise_plan(db, owner, partner, terms(commission="15% of the first year's licence"))
    assert draft.number == 2
    assert service.terms_in_force(db, plan).id == first.id
    assert service.terms_in_force(db, plan).commission == "10% of the first year's licence"


def test_a_plain_partner_user_and_another_manager_cannot_sign_or_edit(db, make, setting):
    manager, partner, owner = setting
    revision = service.revise_plan(db, manager, partner, terms())
    colleague = make.user("partner", partner=partner)  # not a partner admin
    stranger = make.manager()
    other_admin = partner_admin(db, make, make.partner("gold"))
    for person in (colleague, stranger, other_admin):
        with pytest.raises(service.PlanError):
            service.sign_revision(db, person, revision)
        with pytest.raises(service.PlanError):
            service.revise_plan(db, person, partner, terms(commission="1%"))
    assert revision.partner_signed_at is None and revision.manager_signed_at is None


def test_signing_twice_for_one_side_is_refused(db, setting):
    manager, partner, owner = setting
    revision = service.revise_plan(db, manager, partner, terms())
    service.sign_revision(db, owner, revision)
    with pytest.raises(service.AlreadySigned):
        service.sign_revision(db, owner, revision)


def test_an_older_revision_cannot_be_signed_once_a_newer_exists(db, setting):
    manager, partner, owner = setting
    first = service.revise_plan(db, manager, partner, terms())
    service.revise_plan(db, owner, partner, terms(discounts="25% off list"))
    with pytest.raises(service.NotLatest):
        service.sign_revision(db, manager, first)


def test_saving_the_same_terms_again_makes_no_revision(db, setting):
    manager, partner, _ = setting
    service.revise_plan(db, manager, partner, terms())
    with pytest.raises(service.PlanError, match="Nothing changed"):
        service.revise_plan(db, manager, partner, terms())


def test_every_revision_records_who_changed_what(db, make, setting):
    manager, partner, owner = setting
    agreed_plan(db, make, partner)
    service.revise_plan(db, owner, partner, terms(discounts="30% off list"), change_note="Bigger discount")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "plan.revised")
                       .order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == owner.id
    assert event.changes["changed"] == ["Discounts and mark-ups"]


def test_the_partner_sees_what_changed_since_the_version_it_signed(db, make, setting):
    manager, partner, owner = setting
    plan, first, signer = agreed_plan(db, make, partner)
    service.revise_plan(db, manager, partner, terms(
        commission="12% of the first year's licence", conflict_policy="split",
        goals={"people_certified": 6, "checkins_held": 12}))
    base, changes = diff.changes_since_signed(db, plan, signer)
    assert base.id == first.id
    by_label = {change.label: change.lines for change in changes}
    assert set(by_label) == {"Referral fee or commission", "Conflict policy", "Goals"}
    assert ("-", "10% of the first year's licence") in by_label["Referral fee or commission"]
    assert ("+", "12% of the first year's licence") in by_label["Referral fee or commission"]
    assert ("+", "Split commission") in by_label["Conflict policy"]
    assert ("-", "People certified: 4") in by_label["Goals"] and ("+", "People certified: 6") in by_label["Goals"]


def test_target_vs_actual_counts_the_portals_own_records(db, make, setting):
    manager, partner, owner = setting
    today = utcnow().date()
    plan, revision, _ = agreed_plan(db, make, partner, period_starts_on=today - timedelta(days=91),
                                    period_ends_on=today + timedelta(days=274),
                                    goals={"people_certified": 4, "checkins_held": 4, "leads_won": 3})
    checkin_factories.checkin(db, partner, status="held", due_on=today - timedelta(days=60))
    course = Course(slug="plan-goal-course", title="Goal course", version="1", status="published")
    db.add(course)
    db.flush()
    db.add(Certificate(user_id=owner.id, course_id=course.id, holder_name=owner.name, course_title="Goal course",
                       course_version="1", issued_at=utcnow() - timedelta(days=3)))
    db.flush()
    revision = service.terms_in_force(db, plan)
    rows = {g.kind: g for g in goals.progress(db, revision, revision.goals, partner.id, utcnow())}
    assert rows["people_certified"].actual == 1 and rows["people_certified"].expected == 1
    assert rows["people_certified"].state == "on track" and rows["people_certified"].trend == 1
    assert rows["checkins_held"].actual == 1 and rows["checkins_held"].expected == 1
    assert rows["checkins_held"].trend == 0
    assert rows["leads_won"].actual == 0 and rows["leads_won"].state == "behind"  # no lead won yet


def test_a_goal_behind_its_pro_rata_share_is_behind(db, make, setting):
    manager, partner, _ = setting
    today = utcnow().date()
    plan, revision, _ = agreed_plan(db, make, partner, period_starts_on=today - timedelta(days=182),
                                    period_ends_on=today + timedelta(days=183), goals={"checkins_held": 12})
    revision = service.terms_in_force(db, plan)
    row = goals.progress(db, revision, revision.goals, partner.id, utcnow())[0]
    assert row.actual == 0 and row.expected == 6 and row.state == "behind"


def test_a_review_date_passed_without_a_review_is_listed_for_the_manager_only(db, make, setting):
    manager, partner, _ = setting
    plan, _, _ = agreed_plan(db, make, partner)
    plan.next_review_on = utcnow().date() - timedelta(days=1)
    db.flush()
    assert [p.id for p, _ in service.missed_reviews(db, manager, utcnow().date())] == [plan.id]
    assert service.missed_reviews(db, make.manager(), utcnow().date()) == []


def test_the_first_review_is_planned_as_a_review_checkin(db, make, setting):
    manager, partner, _ = setting
    plan, _, _ = agreed_plan(db, make, partner)
    review = db.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.kind == "review"))
    assert review.status == "planned" and review.due_on == plan.next_review_on


def test_recording_a_review_updates_the_plan_status_notes_and_next_review(db, make, setting):
    manager, partner, _ = setting
    plan, _, _ = agreed_plan(db, make, partner)
    review = db.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.kind == "review"))
    held_on = utcnow().date()
    checkins.record_checkin(db, manager, review, held_on=held_on, notes="Pipeline is thin.", pulse=2)
    assert plan.status == "at_risk" and plan.status_note == "Pipeline is thin."
    assert plan.last_review_on == held_on and plan.next_review_on > held_on
    following = db.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.kind == "review",
                                                CheckIn.status == "planned"))
    assert following.due_on == plan.next_review_on


def test_a_platinum_qbr_is_the_review(db, make):
    manager = make.manager()
    partner = make.partner("platinum", manager=manager)
    plan, _, _ = agreed_plan(db, make, partner)
    assert db.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.kind == "review")) is None
    qbr = checkin_factories.checkin(db, partner, kind="qbr", due_on=utcnow().date())
    next_qbr = checkin_factories.checkin(db, partner, kind="qbr", due_on=utcnow().date() + timedelta(days=92))
    checkins.record_checkin(db, manager, qbr, held_on=utcnow().date(), notes="Strong quarter.")
    assert plan.last_review_on == utcnow().date() and plan.status == "on_track"
    assert plan.next_review_on == next_qbr.due_on  # the next QBR is the next review


def test_winding_down_needs_a_reason_and_keeps_the_plan(db, make, setting):
    manager, partner, owner = setting
    plan, _, _ = agreed_plan(db, make, partner)
    with pytest.raises(service.PlanError):
        service.wind_down(db, manager, plan, partner, reason="  ", ends_on=utcnow().date())
    with pytest.raises(service.PlanError):
        service.wind_down(db, owner, plan, partner, reason="Leaving", ends_on=utcnow().date())
    service.wind_down(db, manager, plan, partner, reason="They merged with a competitor.",
                      ends_on=utcnow().date() + timedelta(days=90))
    assert plan.status == "ending" and plan.wind_down_reason.startswith("They merged")
    assert service.terms_in_force(db, plan) is not None
    assert service.missed_reviews(db, manager, utcnow().date() + timedelta(days=400)) == []


def test_a_new_revision_asks_the_other_side_to_sign(db, setting):
    from lms.models import OutboxMessage

    manager, partner, owner = setting
    revision = service.revise_plan(db, owner, partner, terms())
    mails = list(db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"plan-revision:{revision.id}:%"))))
    assert [m.recipient for m in mails] == [manager.email]
    second = service.revise_plan(db, manager, partner, terms(discounts="none"))
    mails = list(db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"plan-revision:{second.id}:%"))))
    assert [m.recipient for m in mails] == [owner.email]
