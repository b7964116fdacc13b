"""Factories for check-in records (used by tests/checkins and by the authorization walk)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.models import Booking, CheckIn, NextStep, Partner, PublicHoliday, SupportRequest, User


def checkin(db: Session, partner: Partner, *, due_on: date | None = None, kind: str = "checkin",
            status: str = "planned", held_on: date | None = None) -> CheckIn:
    item = CheckIn(
        partner_id=partner.id, manager_id=partner.manager_id, kind=kind,
        due_on=due_on or utcnow().date() + timedelta(days=3), status=status,
        held_on=held_on or ((due_on or utcnow().date()) if status == "held" else None),
        skip_reason="test" if status == "skipped" else None,
    )
    db.add(item)
    db.flush()
    return item


def next_step(db: Session, checkin_: CheckIn, text: str = "Send the price list", owner: str = "partner",
              due_on: date | None = None) -> NextStep:
    step = NextStep(checkin_id=checkin_.id, partner_id=checkin_.partner_id, owner=owner, text=text, due_on=due_on)
    db.add(step)
    db.flush()
    return step


def support_request(db: Session, partner: Partner, user: User | None = None, *, subject: str = "Need help",
                    created_at: datetime | None = None, due_at: datetime | None = None) -> SupportRequest:
    created_at = created_at or utcnow()
    item = SupportRequest(
        partner_id=partner.id, requested_by_id=user.id if user else None, manager_id=partner.manager_id,
        request_key=secrets.token_hex(16), subject=subject, body="Please call me.", created_at=created_at,
        sla_text="test", due_at=due_at,
    )
    db.add(item)
    db.flush()
    return item


def held_kickoff(db: Session, partner: Partner, starts_at: datetime) -> Booking:
    booking = Booking(kind="kickoff", status="held", partner_id=partner.id, manager_id=partner.manager_id,
                      starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30), outcome_at=starts_at)
    db.add(booking)
    db.flush()
    return booking


def holiday(db: Session, country: str = "GB", day: date = date(2026, 12, 25), name: str = "Christmas Day") -> PublicHoliday:
    item = PublicHoliday(country=country, day=day, name=name)
    db.add(item)
    db.flush()
    return item
