"""Dashboard rules: funnel stages in order, medians, health parts that say why, gathering dust, scheduling."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from lms.dashboard import health, service
from lms.dashboard.facts import partner_facts
from lms.db import utcnow
from lms.models import CheckIn, LearningPathItem, Partner
from tests.checkins.factories import checkin
from tests.courses.helpers import create_course
from tests.dashboard.factories import certificate, held_checkin, kickoff


def _facts(db, *partners, now=None):
    now = now or utcnow()
    return partner_facts(db, select(Partner.id).where(Partner.id.in_([p.id for p in partners])), now)


def test_funnel_counts_each_stage_only_after_the_one_before(db, make):
    now = utcnow()
    manager = make.manager()
    course = create_course(db, "dash-path", lessons=1)
    db.add(LearningPathItem(tier_id=make.tier("gold").id, course_id=course.id, position=1))
    invited_only = make.partner("gold", manager=manager)
    make.user(partner=invited_only)
    onboarded = make.partner("gold", manager=manager)
    user = make.user(partner=onboarded)
    kickoff(db, onboarded, now - timedelta(days=20), created_at=now - timedelta(days=25))
    certificate(db, user, course, now - timedelta(days=10))
    held_checkin(db, onboarded, (now - timedelta(days=5)).date())
    # Certified but never had a kickoff: stops at "invited", whatever comes later.
    skipper = make.partner("gold", manager=manager)
    certificate(db, make.user(partner=skipper), course, now - timedelta(days=3))
    make.partner("gold", manager=manager)  # nobody invited yet

    facts = _facts(db, invited_only, onboarded, skipper, now=now)
    funnel = service.funnel(list(facts.values()), now.date())

    counts = {step.key: step.count for step in funnel.steps}
    assert counts == {"invited": 3, "kickoff_booked": 1, "kickoff_held": 1, "path_complete": 1, "first_lead": 0,
                      "active": 0}
    assert [s.percent_of_previous for s in funnel.steps] == [None, 33, 100, 100, 0, 0]
    assert service.stage_of(facts[onboarded.id], now.date()) == "path_complete"  # no lead yet
    assert service.stage_of(facts[skipper.id], now.date()) == "invited"
    medians = {what: days for what, days, _ in funnel.medians}
    assert medians["Kickoff held to required path complete"] == 10.0


def test_health_explains_each_part_and_sums_to_the_score(db, make):
    now = utcnow()
    partner = make.partner("gold")
    user = make.user(partner=partner)
    user.last_login_at = now - timedelta(days=41)
    kickoff(db, partner, now - timedelta(days=100))
    checkin(db, partner, due_on=now.date() - timedelta(days=10))  # one overdue
    held_checkin(db, partner, now.date() - timedelta(days=50), pulse=5)
    db.flush()

    result = health.score(_facts(db, partner, now=now)[partner.id], now)

    parts = {p.key: p for p in result.parts}
    assert parts["activity"].reason == "no sign-in, lesson, lead, survey answer or call for 41 days (last: sign-in)"
    assert parts["activity"].points < 0
    assert parts["rhythm"].reason == "1 check-in overdue, the oldest by 10 days"
    assert parts["satisfaction"].points == 0
    assert parts["pipeline"].reason == "no lead registered"
    assert not parts["learning"].measured  # the gold tier requires nothing in this test
    assert abs(result.score - (100 + sum(p.points for p in result.parts if p.measured))) <= 2  # rounding


def test_weights_come_from_the_setting(db, make):
    now = utcnow()
    partner = make.partner("gold")
    make.user(partner=partner).last_login_at = now
    db.flush()
    f = _facts(db, partner, now=now)[partner.id]

    only_activity = health.score(f, now, {"activity": 1, "learning": 0, "rhythm": 0, "pipeline": 0, "satisfaction": 0})

    assert only_activity.score == 100
    assert [p.key for p in only_activity.parts] == ["activity"]


def test_parse_weights_refuses_unknown_parts():
    assert health.parse_weights("activity=10, rhythm=5")["rhythm"] == 5
    for bad in ("speed=3", "activity=x", "activity=0", "activity=99999999"):
        try:
            health.parse_weights(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_schedule_checkin_puts_one_on_the_agenda_once(db, make):
    from lms.checkins.service import schedule_adhoc

    manager = make.manager()
    partner = make.partner("gold", manager=manager)

    first, new = schedule_adhoc(db, manager, partner)
    again, new_again = schedule_adhoc(db, manager, partner)

    assert new and not new_again and again.id == first.id
    assert first.kind == "adhoc" and first.status == "planned" and first.due_on.weekday() < 5
    assert first.due_on > date.today()
    assert db.scalar(select(CheckIn.id).where(CheckIn.partner_id == partner.id, CheckIn.kind == "adhoc")) == first.id


def test_satisfaction_by_tier_averages_the_latest_pulse(db, make):
    now = utcnow()
    manager = make.manager()
    happy, unhappy, silent = (make.partner("gold", manager=manager) for _ in range(3))
    held_checkin(db, happy, now.date() - timedelta(days=40), pulse=1)
    held_checkin(db, happy, now.date() - timedelta(days=5), pulse=5)  # the latest counts
    held_checkin(db, unhappy, now.date() - timedelta(days=5), pulse=2)
    facts = _facts(db, happy, unhappy, silent, now=now)
    rows = [service.PartnerRow(f, service.stage_of(f, now.date()), health.score(f, now)) for f in facts.values()]

    (gold,) = service.satisfaction_by_tier(rows)

    assert (gold.tier_name, gold.partners, gold.with_pulse, gold.average_pulse) == ("Gold", 3, 2, 3.5)
