"""`flask demo scale`: grow the demo database to benchmark scale with bulk inserts.

Runs after `flask demo load` (it needs the tiers, the demo manager anna.berg@example.com and synced courses).
Every row respects the schema's constraints (one live kickoff per partner, one live call per manager and start,
one check-in per partner, kind and day, one completion per user and lesson, one certificate per user and
course ...). Rows are inserted in batches (`insert()` with a list of values: executemany), so the defaults
take well under three minutes on PostgreSQL. Running it again adds nothing: the scale partners exist.

Extension point: a feature with its own tables (leads, survey responses) adds one function
`grow_<thing>(ctx: ScaleContext) -> int` and appends it to `STEPS`; it reads the partners, users and managers
made here from `ctx` and its count from `ctx.counts.extra["<thing>"]` (an option of the command).
"""

from __future__ import annotations

import itertools
import json
import random
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from lms.checkins.planning import add_months, plan_dates
from lms.leads.commission import commission_for
from lms.models import (
    AuditEvent, Booking, Certificate, CheckAnswer, CheckIn, CheckinPlan, Course, KnowledgeCheck, Lead, LeadEvent,
    LeadIdentity, Lesson, LessonCompletion, Partner, SupportRequest, Survey, SurveyAnswer, SurveyFollowUp,
    SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyVersion, Tier, User,
)
from lms.partners.service import name_key
from lms.surveys.invitations import quarter_of

DEMO_MANAGER = "anna.berg@example.com"
SCALE_PREFIX = "Scale Partner"
BATCH = 5_000
ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore", "Australia/Sydney")


@dataclass
class ScaleCounts:
    partners: int = 5_000
    managers: int = 20
    demo_manager_partners: int = 250
    users: int = 20_000
    completions: int = 100_000
    bookings: int = 5_000
    support: int = 10_000
    audit: int = 200_000
    extra: dict[str, int] = field(default_factory=dict)  # counts for steps added later (leads, surveys)


@dataclass
class ScaleContext:
    db: Session
    counts: ScaleCounts
    now: datetime
    rng: random.Random
    managers: list[int] = field(default_factory=list)
    partners: list[tuple[int, int, int, datetime]] = field(default_factory=list)  # id, tier id, manager id, since
    users: list[tuple[int, int]] = field(default_factory=list)  # user id, partner id
    tiers: dict[int, Tier] = field(default_factory=dict)


def _bulk(db: Session, model, rows: Iterable[dict]) -> int:
    """Insert rows (dicts with the same keys): COPY on PostgreSQL, executemany elsewhere."""
    rows = list(rows)
    if not rows:
        return 0
    if db.get_bind().dialect.name == "postgresql":
        columns = list(rows[0])
        cursor = db.connection().connection.driver_connection.cursor()
        with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, (list, dict)) else v for v in row.values()])
        return len(rows)
    for start in range(0, len(rows), BATCH):
        db.execute(insert(model), rows[start:start + BATCH])
    return len(rows)


def _bulk_ids(db: Session, model, rows: list[dict]) -> list[int]:
    """Insert and return the new ids in the order of `rows`."""
    ids: list[int] = []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), BATCH):
        ids.extend(db.scalars(stmt, rows[start:start + BATCH]).all())
    return ids


def grow_managers(ctx: ScaleContext) -> int:
    anna = ctx.db.scalar(select(User.id).where(User.email == DEMO_MANAGER))
    if anna is None:
        raise LookupError("run `flask demo load` first: the demo manager is missing")
    password = generate_password_hash("portal-demo-2026", method="scrypt")
    rows = [dict(email=f"scale.manager{n:02d}@example.com", name=f"Scale Manager {n:02d}", role="manager",
                 timezone=ZONES[n % len(ZONES)], password_hash=password, activated_at=ctx.now, active=True,
                 session_token=secrets.token_urlsafe(16), created_at=ctx.now)
            for n in range(1, ctx.counts.managers)]
    ctx.managers = [anna, *_bulk_ids(ctx.db, User, rows)]
    return len(rows)


def grow_partners(ctx: ScaleContext) -> int:
    c, rng = ctx.counts, ctx.rng
    tiers = {t.key: t for t in ctx.db.scalars(select(Tier))}
    ctx.tiers = {t.id: t for t in tiers.values()}
    weighted = [tiers["bronze"]] * 6 + [tiers["gold"]] * 3 + [tiers["platinum"]]
    others = ctx.managers[1:] or ctx.managers
    rows = []
    for n in range(c.partners):
        manager = ctx.managers[0] if n < c.demo_manager_partners else others[n % len(others)]
        name = f"{SCALE_PREFIX} {n + 1:05d}"
        since = ctx.now - timedelta(days=rng.randint(1, 730), minutes=rng.randint(0, 1439))
        rows.append(dict(name=name, name_key=name_key(name), tier_id=rng.choice(weighted).id, manager_id=manager,
                         web_domain=f"scale{n + 1}.example.com", created_at=since))
    ids = _bulk_ids(ctx.db, Partner, rows)
    ctx.partners = [(i, r["tier_id"], r["manager_id"], r["created_at"]) for i, r in zip(ids, rows)]
    return len(ids)


def grow_users(ctx: ScaleContext) -> int:
    rng, rows, owners = ctx.rng, [], []
    password = generate_password_hash("portal-demo-2026", method="scrypt")
    for n in range(ctx.counts.users):
        partner_id, _tier, _manager, since = ctx.partners[n % len(ctx.partners)]
        invited_only = rng.random() < 0.1
        rows.append(dict(
            email=f"user{n + 1}@scale{partner_id}.example.com", name=f"Scale User {n + 1}", role="partner",
            partner_id=partner_id, timezone=rng.choice(ZONES), active=rng.random() > 0.03,
            password_hash=None if invited_only else password, activated_at=None if invited_only else since,
            session_token=secrets.token_urlsafe(16), created_at=since,
            last_login_at=None if invited_only else ctx.now - timedelta(days=rng.randint(0, 120)),
        ))
        owners.append(partner_id)
    ids = _bulk_ids(ctx.db, User, rows)
    ctx.users = list(zip(ids, owners))
    return len(ids)


def grow_learning(ctx: ScaleContext) -> int:
    """Completions in course order; every check of a completed lesson answered; a whole course, a certificate."""
    db, rng = ctx.db, ctx.rng
    courses = list(db.scalars(select(Course).where(Course.status == "published").order_by(Course.id)))
    lessons = {c.id: list(db.execute(select(Lesson.id, Lesson.content_hash).where(Lesson.course_id == c.id)
                                     .order_by(Lesson.position))) for c in courses}
    checks: dict[int, list[int]] = {}
    for lesson_id, check_id in db.execute(select(KnowledgeCheck.lesson_id, KnowledgeCheck.id)):
        checks.setdefault(lesson_id, []).append(check_id)
    sequence = [(c, lesson) for c in courses for lesson in lessons[c.id]]
    if not sequence or not ctx.users:
        return 0
    average = ctx.counts.completions / len(ctx.users)
    # How far along the sequence each user is, then top up (a capped user leaves lessons for others).
    done_count = [min(len(sequence), round(rng.uniform(0, 2 * average))) for _ in ctx.users]
    target = min(ctx.counts.completions, len(sequence) * len(done_count))
    remaining = target - sum(done_count)
    for i in itertools.cycle(range(len(done_count))):
        if remaining == 0:
            break
        step = 1 if remaining > 0 else -1
        if 0 <= done_count[i] + step <= len(sequence):
            done_count[i] += step
            remaining -= step
    completions, answers, certificates = [], [], []
    taken = set(db.execute(select(Certificate.user_id, Certificate.course_id)).all())
    for (user_id, _partner), k in zip(ctx.users, done_count):
        when = ctx.now - timedelta(days=rng.randint(1, 300))
        for course, (lesson_id, content_hash) in sequence[:k]:
            when += timedelta(minutes=rng.randint(5, 90))
            completions.append(dict(user_id=user_id, lesson_id=lesson_id, completed_at=when, content_hash=content_hash))
            for check_id in checks.get(lesson_id, []):
                answers.append(dict(user_id=user_id, check_id=check_id, response=[0], correct=True, attempts=1,
                                    answered_at=when, passed_at=when))
        done_courses = {course.id: course for course, _ in sequence[:k]}
        for course in done_courses.values():
            if sum(1 for c, _ in sequence[:k] if c.id == course.id) == len(lessons[course.id]) \
                    and (user_id, course.id) not in taken:
                certificates.append(dict(code=secrets.token_urlsafe(16), user_id=user_id, course_id=course.id,
                                         holder_name=f"Scale User {user_id}", course_title=course.title,
                                         course_version=course.version, issued_at=when))
    _bulk(db, LessonCompletion, completions)
    _bulk(db, CheckAnswer, answers)
    _bulk(db, Certificate, certificates)
    return len(completions)


def grow_bookings_and_checkins(ctx: ScaleContext) -> int:
    """Kickoff calls for 1:1 partners (held in the past, or booked ahead), then the check-ins their plan implies."""
    db, rng, now = ctx.db, ctx.rng, ctx.now
    slots: dict[tuple[int, bool], datetime] = {}  # next free start per manager (one live call per start)

    def next_start(manager_id: int, past: bool) -> datetime:
        base = slots.get((manager_id, past)) or (now.replace(minute=0, second=0, microsecond=0)
                                                 + (timedelta(days=-700) if past else timedelta(days=1)))
        slots[(manager_id, past)] = base + timedelta(minutes=30)
        return base

    one_to_one = [p for p in ctx.partners if not ctx.tiers[p[1]].is_group_onboarding]
    rows = []
    for partner_id, _tier, manager_id, since in one_to_one[:ctx.counts.bookings]:
        held = rng.random() < 0.85
        starts = next_start(manager_id, past=held)
        rows.append(dict(kind="kickoff", status="held" if held else "booked", partner_id=partner_id,
                         manager_id=manager_id, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                         uid=f"scale-{secrets.token_hex(12)}@partner-portal", sequence=0, created_at=since,
                         outcome_at=starts if held else None))
    # The rest of the bookings: missed kickoffs (no-shows are not live, so they never collide).
    for n in range(max(0, ctx.counts.bookings - len(rows))):
        partner_id, _tier, manager_id, since = one_to_one[n % len(one_to_one)] if one_to_one else ctx.partners[n]
        starts = now - timedelta(days=rng.randint(30, 700), minutes=30 * rng.randint(0, 40))
        rows.append(dict(kind="kickoff", status="no_show", partner_id=partner_id, manager_id=manager_id,
                         starts_at=starts, ends_at=starts + timedelta(minutes=30),
                         uid=f"scale-{secrets.token_hex(12)}@partner-portal", sequence=0, created_at=since,
                         outcome_at=starts))
    ids = _bulk_ids(db, Booking, rows)
    plans, checkins = [], []
    today = now.date()
    tier_of = {p[0]: p[1] for p in ctx.partners}
    for booking_id, row in zip(ids, rows):
        if row["status"] != "held":
            continue
        tier = ctx.tiers[tier_of[row["partner_id"]]]
        anchor = row["starts_at"].date()
        plans.append(dict(partner_id=row["partner_id"], anchor_on=anchor, kickoff_booking_id=booking_id,
                          created_at=row["starts_at"]))
        until = add_months(today, 12)
        for planned in plan_dates(anchor, tier.checkin_cadence_months, tier.quarterly_business_review,
                                  until=until):
            past = planned.due_on < today - timedelta(days=14)
            status = ("held" if rng.random() < 0.85 else "skipped") if past else "planned"
            checkins.append(dict(partner_id=row["partner_id"], manager_id=row["manager_id"], kind=planned.kind,
                                 due_on=planned.due_on, status=status,
                                 held_on=planned.due_on if status == "held" else None,
                                 skip_reason="Partner asked to skip" if status == "skipped" else None,
                                 pulse=rng.randint(2, 5) if status == "held" else None, created_at=row["starts_at"]))
    _bulk(db, CheckinPlan, plans)
    _bulk(db, CheckIn, checkins)
    return len(ids)


def grow_support(ctx: ScaleContext) -> int:
    rng, now, rows = ctx.rng, ctx.now, []
    users_of: dict[int, int] = {}
    for user_id, partner_id in ctx.users:
        users_of.setdefault(partner_id, user_id)
    for n in range(ctx.counts.support):
        partner_id, tier_id, manager_id, _since = ctx.partners[rng.randrange(len(ctx.partners))]
        tier = ctx.tiers[tier_id]
        created = now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1439))
        due = created + timedelta(hours=tier.sla_hours) if tier.sla_hours else None
        answered = created + timedelta(hours=rng.uniform(0.2, 30)) if rng.random() < 0.9 else None
        if answered and answered > now:
            answered = None
        rows.append(dict(partner_id=partner_id, requested_by_id=users_of.get(partner_id), manager_id=manager_id,
                         request_key=secrets.token_hex(16), subject=f"Question {n + 1}", body="Could you help with this?",
                         created_at=created, sla_text=tier.sla_text[:200], due_at=due, answered_at=answered,
                         answered_by_id=manager_id if answered else None))
    return _bulk(ctx.db, SupportRequest, rows)


AUDIT_ACTIONS = ("partner.updated", "user.invited", "user.activated", "booking.booked", "booking.held",
                 "course.completed", "checkin.recorded", "support.answered")


def grow_audit(ctx: ScaleContext) -> int:
    rng, now = ctx.rng, ctx.now
    rows = []
    for n in range(ctx.counts.audit):
        partner_id, _tier, manager_id, _since = ctx.partners[rng.randrange(len(ctx.partners))]
        action = AUDIT_ACTIONS[n % len(AUDIT_ACTIONS)]
        rows.append(dict(occurred_at=now - timedelta(minutes=rng.randint(0, 730 * 1440)), actor_id=manager_id,
                         action=action, object_type=action.split(".")[0], object_id=partner_id,
                         partner_id=partner_id, summary=f"Scale event {n + 1}: {action}"))
    return _bulk(ctx.db, AuditEvent, rows)


# status, share of leads, direction ("in": registered by the partner, "out": referred to it)
LEAD_MIX = (("registered", 30, "in"), ("accepted", 8, "out"), ("offered", 5, "out"), ("rejected", 5, "in"),
            ("declined", 3, "out"), ("won", 20, "in"), ("lost", 15, "in"), ("expired", 14, "in"))
LEAD_CURRENCIES = ("EUR", "EUR", "EUR", "USD", "USD", "GBP", "CHF", "JPY")
PAYOUT_MIX = ("pending", "invoiced", "paid", "paid", "paid", "on_hold")


def _users_of(ctx: ScaleContext) -> dict[int, int]:
    users_of: dict[int, int] = {}
    for user_id, partner_id in ctx.users:
        users_of.setdefault(partner_id, user_id)
    return users_of


def grow_leads(ctx: ScaleContext) -> int:
    """Leads of every status, each on its own prospect (so active claims never collide), with their history."""
    rng, now, count = ctx.rng, ctx.now, ctx.counts.extra.get("leads", 50_000)
    if not count or not ctx.partners:
        return 0
    users_of = _users_of(ctx)
    statuses = [(status, direction) for status, share, direction in LEAD_MIX for _ in range(share)]
    identities = [dict(key=f"d:lead{n + 1}.scale.example.com", created_at=now) for n in range(count)]
    identity_ids = _bulk_ids(ctx.db, LeadIdentity, identities)
    rows = []
    for n, identity_id in enumerate(identity_ids):
        partner_id, tier_id, manager_id, _since = ctx.partners[rng.randrange(len(ctx.partners))]
        status, direction = rng.choice(statuses)
        currency = rng.choice(LEAD_CURRENCIES)
        registered = now - timedelta(days=rng.randint(0 if status == "registered" else 30, 700),
                                     minutes=rng.randint(0, 1439))
        estimate = Decimal(rng.randrange(1_000, 500_000))
        row = dict(direction=direction, partner_id=partner_id, identity_id=identity_id,
                   created_by_id=users_of.get(partner_id) if direction == "in" else manager_id,
                   company_name=f"Scale Prospect {n + 1}", domain=f"lead{n + 1}.scale.example.com",
                   country=rng.choice(("DE", "GB", "US", "FR", "NL", "SG", "AU")),
                   contact_name=f"Contact {n + 1}", contact_email=f"buyer@lead{n + 1}.scale.example.com",
                   contact_phone=None, estimated_value=estimate, currency=currency,
                   expected_close=(registered + timedelta(days=rng.randint(30, 180))).date().replace(day=1),
                   notes=None, status=status, status_reason=None,
                   claim="holder" if status in ("registered", "accepted", "won") else None,
                   conflict_with_id=None, conflict_outcome=None, share_percent=100, registered_at=registered,
                   decided_at=None if status in ("registered", "offered") else registered + timedelta(days=2),
                   expires_at=registered + timedelta(days=90) if status in ("registered", "accepted") else None,
                   renewals=0, actual_value=None, closed_at=None, commission_rate=None, commission=None,
                   payout_stage=None, payout_reason=None, invoiced_on=None, paid_on=None)
        if status in ("registered", "accepted") and row["expires_at"] < now:
            row["expires_at"] = now + timedelta(days=rng.randint(1, 90))
            row["renewals"] = 1
        if status in ("rejected", "declined", "lost"):
            row["status_reason"] = "Not a fit for the programme" if status != "lost" else "Went with a competitor"
        if status == "won":
            closed = registered + timedelta(days=rng.randint(14, 29))
            actual = (estimate * Decimal(rng.randint(60, 130)) / 100).quantize(Decimal("1"))
            rate = ctx.tiers[tier_id].commission_rate
            stage = rng.choice(PAYOUT_MIX)
            row.update(actual_value=actual, closed_at=closed, commission_rate=rate,
                       commission=commission_for(actual, rate, 100, currency), payout_stage=stage,
                       payout_reason="Awaiting the customer's payment" if stage == "on_hold" else None,
                       invoiced_on=closed.date() + timedelta(days=7) if stage in ("invoiced", "paid") else None,
                       paid_on=closed.date() + timedelta(days=30) if stage == "paid" else None)
        rows.append(row)
    lead_ids = _bulk_ids(ctx.db, Lead, rows)
    events = []
    for lead_id, row in zip(lead_ids, rows):
        events.append(dict(lead_id=lead_id, actor_id=row["created_by_id"], at=row["registered_at"], kind="created",
                           field=None, from_value=None, to_value=row["status"] if row["status"] in (
                               "registered", "offered") else ("registered" if row["direction"] == "in" else "offered"),
                           note=None))
        if row["decided_at"]:
            first = "registered" if row["direction"] == "in" else "offered"
            events.append(dict(lead_id=lead_id, actor_id=None, at=row["decided_at"], kind="status", field="status",
                               from_value=first, to_value=row["status"], note=row["status_reason"]))
        if row["payout_stage"]:
            events.append(dict(lead_id=lead_id, actor_id=None, at=row["closed_at"], kind="payout",
                               field="payout_stage", from_value=None, to_value=row["payout_stage"], note=None))
    _bulk(ctx.db, LeadEvent, events)
    return len(lead_ids)


def grow_survey_responses(ctx: ScaleContext) -> int:
    """Invitations answered once each, on the surveys' current versions; detractors get a follow-up."""
    db, rng, now = ctx.db, ctx.rng, ctx.now
    count = ctx.counts.extra.get("survey_responses", 20_000)
    surveys = {trigger: survey_id for survey_id, trigger in db.execute(select(Survey.id, Survey.trigger))}
    if not count or not ctx.users or not surveys:
        return 0
    current = {survey_id: version_id for survey_id, version_id in db.execute(
        select(SurveyVersion.survey_id, func.max(SurveyVersion.id)).group_by(SurveyVersion.survey_id))}
    questions: dict[int, list[tuple[int, int, str, str]]] = {}
    for version_id, question_id, position, kind, prompt in db.execute(
            select(SurveyQuestion.version_id, SurveyQuestion.id, SurveyQuestion.position, SurveyQuestion.kind,
                   SurveyQuestion.prompt).order_by(SurveyQuestion.position)):
        questions.setdefault(version_id, []).append((question_id, position, kind, prompt))
    partner_of = {p[0]: p for p in ctx.partners}
    triggers = [t for t in ("quarterly", "quarterly", "course", "kickoff") if t in surveys]
    invitations, picks = [], []
    for n in range(count):
        user_id, partner_id = ctx.users[rng.randrange(len(ctx.users))]
        survey_id = surveys[rng.choice(triggers)]
        sent = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
        answered = sent + timedelta(hours=rng.uniform(0.5, 200))
        invitations.append(dict(token=secrets.token_urlsafe(24), survey_id=survey_id, user_id=user_id,
                                partner_id=partner_id, source_key=f"scale:{n + 1}", subject=None,
                                quarter=quarter_of(sent), created_at=sent, expires_at=sent + timedelta(days=30),
                                reminded_at=None, answered_at=min(answered, now)))
        picks.append(survey_id)
    invitation_ids = _bulk_ids(db, SurveyInvitation, invitations)
    responses = [dict(invitation_id=invitation_id, survey_id=survey_id, version_id=current[survey_id],
                      user_id=inv["user_id"], partner_id=inv["partner_id"], tier_id=partner_of[inv["partner_id"]][1],
                      quarter=quarter_of(inv["answered_at"]), submitted_at=inv["answered_at"])
                 for invitation_id, survey_id, inv in zip(invitation_ids, picks, invitations)]
    response_ids = _bulk_ids(db, SurveyResponse, responses)
    answers, follow_ups = [], []
    for response_id, response in zip(response_ids, responses):
        detractor = False
        for question_id, position, kind, prompt in questions.get(response["version_id"], []):
            score = text = None
            if kind == "nps":
                score = rng.choices(range(11), weights=(1, 1, 1, 1, 2, 2, 4, 8, 14, 16, 14))[0]
                detractor = score <= 6
            elif kind == "csat":
                score = rng.choices(range(1, 6), weights=(1, 2, 5, 12, 14))[0]
                detractor = score <= 2
            elif kind == "choice":
                continue
            elif rng.random() < 0.3 or detractor:
                text = "The onboarding calls were hard to book." if detractor else "Keep it up."
            else:
                continue  # an optional question left blank has no row
            answers.append(dict(response_id=response_id, question_id=question_id, position=position, kind=kind,
                                prompt=prompt, score=score, text=text))
        if detractor:
            submitted = response["submitted_at"]
            status = "open" if submitted > now - timedelta(days=14) else rng.choice(("contacted", "resolved",
                                                                                       "resolved"))
            follow_ups.append(dict(
                response_id=response_id, partner_id=response["partner_id"],
                manager_id=partner_of[response["partner_id"]][2], status=status,
                due_at=submitted + timedelta(days=2), created_at=submitted,
                contacted_at=submitted + timedelta(days=1) if status != "open" else None,
                contact_note="Called the partner" if status != "open" else None,
                resolved_at=submitted + timedelta(days=5) if status == "resolved" else None,
                resolution_note="Booked a call with the partner" if status == "resolved" else None))
    _bulk(db, SurveyAnswer, answers)
    _bulk(db, SurveyFollowUp, follow_ups)
    return len(response_ids)


# Each step grows one kind of record and returns how many rows it added. Leads and survey responses
# (features landing later) append `grow_leads` / `grow_survey_responses` here.
STEPS: list[tuple[str, Callable[[ScaleContext], int]]] = [
    ("managers", grow_managers),
    ("partners", grow_partners),
    ("users", grow_users),
    ("lesson completions", grow_learning),
    ("bookings (with the check-ins they plan)", grow_bookings_and_checkins),
    ("support requests", grow_support),
    ("audit events", grow_audit),
    ("leads (with their history)", grow_leads),
    ("survey responses (with invitations and answers)", grow_survey_responses),
]


def already_scaled(db: Session) -> bool:
    return bool(db.scalar(select(func.count(Partner.id)).where(Partner.name.startswith(SCALE_PREFIX))))


def grow(db: Session, counts: ScaleCounts, *, seed: int = 12,
         report: Callable[[str, int, float], None] = lambda *_: None, now: datetime | None = None) -> ScaleContext:
    """Add the scale data in one transaction (the caller commits). Reports each step's row count and seconds."""
    ctx = ScaleContext(db=db, counts=counts, now=now or datetime.now(timezone.utc), rng=random.Random(seed))
    for label, step in STEPS:
        started = time.monotonic()
        added = step(ctx)
        report(label, added, time.monotonic() - started)
    return ctx


