"""The events that invite, sent by the real features: a kickoff recorded held, a group seat held."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from lms.bookings import service as bookings
from lms.db import utcnow
from lms.models import Booking, CheckinPlan, GroupSession, SessionSeat, SurveyInvitation


def _past_call(db, partner, user):
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    call = Booking(kind="kickoff", status="booked", partner_id=partner.id, manager_id=partner.manager_id,
                   booked_by_id=user.id, starts_at=start, ends_at=start + timedelta(minutes=30))
    db.add(call)
    db.flush()
    return call


def test_kickoff_held_plans_checkins_and_invites_to_the_kickoff_survey(db, make):
    manager = make.manager()
    partner = make.partner("gold", manager=manager)
    user = make.user("partner", partner=partner)
    call = _past_call(db, partner, user)
    bookings.record_outcome(db, manager, call, "held")
    assert db.scalar(select(func.count(CheckinPlan.id)).where(CheckinPlan.partner_id == partner.id)) == 1
    invitation = db.scalar(select(SurveyInvitation).where(SurveyInvitation.user_id == user.id))
    assert invitation.survey.trigger == "kickoff" and invitation.source_key == f"booking:{call.id}"


def test_group_seat_held_invites_the_partner_user(db, make):
    manager = make.manager()
    partner = make.partner("bronze", manager=manager)
    user = make.user("partner", partner=partner)
    start = utcnow().replace(microsecond=0) - timedelta(hours=3)
    session = GroupSession(manager_id=manager.id, title="Group", starts_at=start, ends_at=start + timedelta(hours=1),
                           capacity=5, seats_taken=1)
    db.add(session)
    db.flush()
    seat = SessionSeat(session_id=session.id, partner_id=partner.id, booked_by_id=user.id, status="booked")
    db.add(seat)
    db.flush()
    bookings.record_seat_outcome(db, manager, seat, "held")
    assert db.scalar(select(SurveyInvitation.source_key).where(SurveyInvitation.user_id == user.id)) == f"seat:{seat.id}"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_feature_imports_another_in_both_directions():
    root = Path(__file__).resolve().parents[2] / "lms"
    features = [p.name for p in root.iterdir() if (p / "__init__.py").is_file() and p.name != "models"]
    uses = {feature: set() for feature in features}
    for feature in features:
        for module in (root / feature).glob("*.py"):
            for name in _imports(module):
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "lms" and parts[1] in uses and parts[1] != feature:
                    uses[feature].add(parts[1])
    both_ways = {tuple(sorted((a, b))) for a in features for b in uses[a] if a in uses[b]}
    assert both_ways == set()
