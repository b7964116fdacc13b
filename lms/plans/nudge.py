"""Not gathering dust: the scheduled job that nudges quiet partners, tasks their manager, flags the plan.

A partner is quiet when nothing happened (sign-in, lesson, lead, survey answer, call: whatever
`lms.activity` knows) for QUIET_AFTER_DAYS. Each quiet spell is one `QuietSpell` row keyed by the last
activity before it (unique), so a second run, or a second host, nudges nobody twice; the emails also
carry dedupe keys. When the partner does something again the spell ends and the next silence is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit
from lms.activity import last_activity
from lms.mail import absolute_url, queue_message
from lms.models import CheckIn, CheckinPlan, Partner, Plan, QuietSpell, User


@dataclass(frozen=True)
class NextStep:
    text: str
    endpoint: str


def next_steps(db: Session, partners: list[Partner], now: datetime) -> dict[int, NextStep]:
    """The most useful next step of each partner, in a fixed number of queries."""
    from lms.courses.service import path_completion  # one direction: plans reads courses

    ids = [p.id for p in partners]
    if not ids:
        return {}
    started = set(db.scalars(select(CheckinPlan.partner_id).where(CheckinPlan.partner_id.in_(ids))))
    paths = path_completion(db, ids)
    upcoming = dict(db.execute(
        select(CheckIn.partner_id, func.min(CheckIn.due_on))
        .where(CheckIn.partner_id.in_(ids), CheckIn.status == "planned", CheckIn.due_on >= now.date())
        .group_by(CheckIn.partner_id)
    ).all())
    expiring = _expiring_leads(db, ids, now)
    steps = {}
    for partner in partners:
        done, people = paths.get(partner.id, (0, 0))
        if partner.id not in started:
            what = "take a seat in a group onboarding session" if partner.tier.is_group_onboarding \
                else "book your kickoff call"
            steps[partner.id] = NextStep(what[0].upper() + what[1:], "bookings.index")
        elif partner.id in expiring:
            company, expires_at = expiring[partner.id]
            steps[partner.id] = NextStep(f"Renew your lead “{company}” before it expires on {expires_at:%-d %b %Y}",
                                         "leads.index")
        elif people and done < people:
            steps[partner.id] = NextStep(f"Finish your learning path ({done} of {people} people have)", "courses.index")
        elif partner.id in upcoming:
            steps[partner.id] = NextStep(f"Prepare your next check-in, due {upcoming[partner.id]:%-d %b %Y}: "
                                         "add what you want to discuss to its agenda", "workspace.index")
        else:
            steps[partner.id] = NextStep("Tell your partner manager what you are working on", "workspace.index")
    return steps


def _expiring_leads(db: Session, partner_ids: list[int], now: datetime) -> dict[int, tuple[str, datetime]]:
    """partner id -> (company, expiry) of its registration expiring soonest in the next 14 days (one query);
    empty until the leads feature is installed."""
    from lms import models

    lead = getattr(models, "Lead", None)
    if lead is None:
        return {}
    found: dict[int, tuple[str, datetime]] = {}
    for partner_id, company, expires_at in db.execute(
        select(lead.partner_id, lead.company_name, lead.expires_at)
        .where(lead.partner_id.in_(partner_ids), lead.status.in_(("registered", "accepted")),
               lead.expires_at > now, lead.expires_at <= now + timedelta(days=14))
        .order_by(lead.expires_at)
    ):
        found.setdefault(partner_id, (company, expires_at))
    return found


def quiet_partners(db: Session, now: datetime) -> str:
    """Nudge partners quiet for QUIET_AFTER_DAYS once per spell; mark the plan at risk after QUIET_AT_RISK_DAYS."""
    quiet_after = timedelta(days=current_app.config["QUIET_AFTER_DAYS"])
    at_risk_after = timedelta(days=current_app.config["QUIET_AT_RISK_DAYS"])
    ending = select(Plan.partner_id).where(Plan.status == "ending")
    partners = list(db.scalars(select(Partner).where(Partner.id.not_in(ending)).order_by(Partner.id)))
    activity = last_activity(db, [p.id for p in partners])
    spells = {s.partner_id: s for s in db.scalars(select(QuietSpell).where(QuietSpell.ended_at.is_(None)))}
    quiet: list[tuple[Partner, datetime]] = []
    woke = 0
    for partner in partners:
        last = activity[partner.id].at if partner.id in activity else partner.created_at
        spell = spells.get(partner.id)
        if spell is not None and last > spell.last_active_at:  # they did something: this spell is over
            spell.ended_at = now
            spells.pop(partner.id)
            woke += 1
        if now - last >= quiet_after:
            quiet.append((partner, last))
    fresh = [(p, last) for p, last in quiet if p.id not in spells]
    steps = next_steps(db, [p for p, _ in fresh], now)
    users = _users_of(db, [p.id for p, _ in fresh])
    nudged = flagged = 0
    for partner, last in fresh:
        step = steps[partner.id]
        spell = QuietSpell(partner_id=partner.id, last_active_at=last, nudged_at=now, next_step=step.text)
        try:
            with db.begin_nested():
                db.add(spell)
        except IntegrityError:  # this spell was already nudged (ended and re-found, or another host)
            continue
        spells[partner.id] = spell
        link = absolute_url(step.endpoint)
        for user in users.get(partner.id, []):
            queue_message(db, user.email, f"{partner.name}: your next step with us", "plans_nudge",
                          dedupe_key=f"quiet:{partner.id}:{last.isoformat()}:{user.id}",
                          user=user, partner=partner, step=step, link=link, days=(now - last).days)
        audit.record(db, None, "plan.quiet", partner, f"No activity for {(now - last).days} days: nudged "
                     f"({step.text})", partner_id=partner.id)
        nudged += 1
    plans = {p.partner_id: p for p in db.scalars(select(Plan).where(Plan.partner_id.in_(list(spells))))}
    for partner_id, spell in spells.items():
        if spell.at_risk_at is None and now - spell.last_active_at >= at_risk_after:
            spell.at_risk_at = now
            plan = plans.get(partner_id)
            if plan is not None and plan.status == "on_track":
                plan.status, plan.status_changed_at = "at_risk", now
                plan.status_note = f"No activity since {spell.last_active_at:%-d %b %Y}."
                audit.record(db, None, "plan.status", plan, "Plan at risk: quiet for "
                             f"{(now - spell.last_active_at).days} days", partner_id=partner_id,
                             changes={"status": ["on_track", "at_risk"]})
            flagged += 1
    db.flush()
    return f"{nudged} partner(s) nudged, {flagged} marked at risk, {woke} active again"


def _users_of(db: Session, partner_ids: list[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    if partner_ids:
        for user in db.scalars(select(User).where(User.partner_id.in_(partner_ids), User.active.is_(True))
                               .order_by(User.id)):
            found.setdefault(user.partner_id, []).append(user)
    return found
