"""The check-ins' scheduled work, run by `flask jobs run`: planning, reminders, the weekly overdue digest.

Each job takes the session and the moment it runs for, only flushes, and names every message it
queues with a dedupe key, so a second run (or a second host) sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms import events
from lms.checkins import service
from lms.checkins.calendar import days_off_of, today_for
from lms.checkins.planning import working_days_before
from lms.mail import absolute_url, queue_message
from lms.models import CheckIn, Partner, User

REMIND_WORKING_DAYS = 2


def plan(db: Session, now: datetime) -> str:
    newly, created = service.plan_missing(db, now)
    return f"{newly} partner(s) newly planned, {created} check-in(s) created"


def reminders(db: Session, now: datetime) -> str:
    """Remind the manager and the partner's people from two working days before a check-in is due."""
    # Coarse window in UTC dates; each check-in is then judged in its manager's own calendar.
    first, last = (now - timedelta(days=2)).date(), (now + timedelta(days=12)).date()
    checkins = db.scalars(
        select(CheckIn).where(CheckIn.status == "planned", CheckIn.due_on >= first, CheckIn.due_on <= last)
        .options(selectinload(CheckIn.partner).selectinload(Partner.users)).order_by(CheckIn.due_on, CheckIn.id)
    )
    queued = 0
    for checkin in checkins:
        manager = checkin.manager
        today = today_for(manager, now)
        days_off = days_off_of(db, manager, checkin.due_on - timedelta(days=30), checkin.due_on)
        if not working_days_before(checkin.due_on, REMIND_WORKING_DAYS, days_off) <= today <= checkin.due_on:
            continue
        key = f"checkin-reminder:{checkin.id}:{checkin.due_on.isoformat()}"
        partner = checkin.partner
        if manager.active:
            queued += _queue(
                db, manager.email, f"Check-in due {checkin.due_on:%a %-d %b}: {partner.name}",
                "checkin_reminder_manager", f"{key}:user:{manager.id}", checkin=checkin, partner=partner,
                person=manager, steps=service.open_steps(db, partner.id),
                link=absolute_url("checkins.record", checkin_id=checkin.id),
            )
        for user in partner.users:
            if user.active and user.has_password:
                queued += _queue(
                    db, user.email, f"Your {checkin.kind_label.lower()} with {manager.name} is due {checkin.due_on:%a %-d %b}",
                    "checkin_reminder_partner", f"{key}:user:{user.id}", checkin=checkin, partner=partner,
                    person=user, manager=manager, steps=service.open_steps(db, partner.id),
                    promise=service.support_promise(partner.tier, manager),
                    link=absolute_url("checkins.plan"),
                )
    return f"{queued} reminder(s) queued"


def overdue_digest(db: Session, now: datetime) -> str:
    """Once a week (ISO week in the manager's zone) each manager gets the list of their overdue check-ins."""
    open_checkins = db.scalars(
        select(CheckIn).where(CheckIn.status == "planned", CheckIn.due_on < (now + timedelta(days=1)).date())
        .order_by(CheckIn.due_on, CheckIn.id)
    )
    by_manager: dict[int, list[CheckIn]] = defaultdict(list)
    for checkin in open_checkins:
        if checkin.due_on < today_for(checkin.manager, now):
            by_manager[checkin.manager_id].append(checkin)
    # Other features' overdue work (survey follow-ups ...) joins the same weekly mail.
    extra: dict[int, list[events.DigestSection]] = defaultdict(list)
    for _receiver, sections in events.overdue_digest_requested.send("checkins", db=db, now=now):
        for manager_id, section in (sections or {}).items():
            extra[manager_id].append(section)
    queued = 0
    for manager_id in sorted(set(by_manager) | set(extra)):
        overdue = by_manager.get(manager_id, [])
        manager = db.get(User, manager_id)
        if not manager.active:
            continue
        today = today_for(manager, now)
        year, week, _ = today.isocalendar()
        contacts = service.last_contact(db, sorted({c.partner_id for c in overdue}), manager)
        subject = f"{len(overdue)} overdue check-in(s), week {week}" if overdue else f"Overdue follow-ups, week {week}"
        queued += _queue(
            db, manager.email, subject, "checkin_overdue_digest",
            f"checkin-overdue-digest:{manager.id}:{year}-W{week:02d}", manager=manager, overdue=overdue,
            today=today, contacts=contacts, link=absolute_url("checkins.agenda"), sections=extra.get(manager_id, []),
        )
    return f"{queued} digest(s) queued"


def _queue(db: Session, address: str, subject: str, template: str, key: str, **context) -> int:
    return 1 if queue_message(db, address, subject, template, dedupe_key=key, **context) is not None else 0
