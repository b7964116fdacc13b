"""Agendas both sides drive: items anyone adds before a check-in, proposals from the plan, carry-over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms import audit
from lms.access import can_see_partner
from lms.db import utcnow
from lms.errors import DomainError
from lms.models import AgendaItem, CheckIn, NextStep, Partner, User

MAX_OPEN_ITEMS = 30


class AgendaError(DomainError):
    field = "text"


@dataclass(frozen=True)
class Proposal:
    """Something the portal suggests discussing: a goal behind target, or an open next step."""

    kind: str  # "goal" or "step"
    text: str


def open_items(partner_id: int):
    """The statement listing a partner's open agenda items, oldest first (paginate it)."""
    return (select(AgendaItem).where(AgendaItem.partner_id == partner_id, AgendaItem.covered_at.is_(None))
            .order_by(AgendaItem.created_at, AgendaItem.id))


def add_item(db: Session, actor: User, partner: Partner, text: str, now: datetime | None = None) -> AgendaItem:
    if not can_see_partner(actor, partner):
        raise AgendaError("You cannot add to this partner's agenda.")
    text = (text or "").strip()
    if not text or len(text) > 300 or any(c in text for c in "\r\n\x00"):
        raise AgendaError("Write the item on one line, in at most 300 characters.")
    count = len(db.scalars(open_items(partner.id).limit(MAX_OPEN_ITEMS + 1)).all())
    if count >= MAX_OPEN_ITEMS:
        raise AgendaError(f"The agenda already has {MAX_OPEN_ITEMS} open items: cover some at the next check-in first.")
    item = AgendaItem(partner_id=partner.id, text=text, added_by_id=actor.id, added_by_name=actor.name,
                      created_at=now or utcnow())
    db.add(item)
    db.flush()
    audit.record(db, actor, "agenda.added", item, f"Agenda item added: {text}", partner_id=partner.id)
    return item


def proposals(db: Session, partner_id: int, now: datetime) -> list[Proposal]:
    """Goals of the terms in force that are behind target, and open next steps (a few queries)."""
    from lms.plans import goals, service as plans  # one direction: the workspace reads the plan

    found: list[Proposal] = []
    plan = plans.plan_of(db, partner_id)
    if plan is not None:
        in_force = plans.terms_in_force(db, plan)
        if in_force is not None:
            for goal in goals.progress(db, in_force, in_force.goals, partner_id, now):
                if goal.measured and not goal.on_track:
                    found.append(Proposal("goal", f"{goal.label}: {goal.actual} of {goal.target} "
                                                  f"({goal.expected} due by now)"))
    for step in db.scalars(select(NextStep).where(NextStep.partner_id == partner_id, NextStep.done_at.is_(None))
                           .order_by(NextStep.due_on, NextStep.id).limit(10)):
        found.append(Proposal("step", f"Next step ({step.owner_label}): {step.text}"))
    return found


def checkin_recorded(db: Session, checkin: CheckIn, covered_ids: list[int], now: datetime) -> tuple[int, int]:
    """Mark the ticked items covered by this check-in; the rest carry over to the next one."""
    ids = [int(i) for i in covered_ids if isinstance(i, int)]
    covered = 0
    if ids:
        covered = db.execute(
            update(AgendaItem).where(AgendaItem.partner_id == checkin.partner_id, AgendaItem.id.in_(ids),
                                     AgendaItem.covered_at.is_(None))
            .values(covered_at=now, covered_checkin_id=checkin.id).execution_options(synchronize_session=False)
        ).rowcount
    carried = db.execute(
        update(AgendaItem).where(AgendaItem.partner_id == checkin.partner_id, AgendaItem.covered_at.is_(None))
        .values(carried_over=AgendaItem.carried_over + 1).execution_options(synchronize_session=False)
    ).rowcount
    db.expire_all()
    return covered, carried
