"""Partnership plan rules: write revisions, sign them (both sides), read the terms in force, review, wind down.

Functions flush and never commit; the view (or job) that calls them commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flask import abort
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lms import audit
from lms.access import can_see_partner
from lms.checkins.planning import add_months
from lms.db import utcnow
from lms.errors import DomainError
from lms.mail import absolute_url, queue_message
from lms.models import CheckIn, Partner, Plan, PlanGoal, PlanRevision, User
from lms.models.plan import CONFLICT_POLICIES, GOAL_KINDS, PLAN_STATUSES, TERM_FIELDS

MAX_TERM_LENGTH = 5000


class PlanError(DomainError):
    """Base of the plan rules' errors."""


class AlreadySigned(PlanError):
    pass


class NotLatest(PlanError):
    pass


@dataclass(frozen=True)
class Terms:
    """What a revision says: the terms, the goals (kind -> target) and the period."""

    commission: str
    discounts: str
    rules_of_engagement: str
    lead_division: str
    conflict_policy: str
    communication_boundaries: str
    period_starts_on: date
    period_ends_on: date
    goals: dict[str, int]

    @classmethod
    def of(cls, revision: PlanRevision) -> Terms:
        return cls(
            **{name: getattr(revision, name) for name in TERM_FIELDS},
            period_starts_on=revision.period_starts_on, period_ends_on=revision.period_ends_on,
            goals={goal.kind: goal.target for goal in revision.goals},
        )


# --- who may do what ----------------------------------------------------------------------------------

def is_plan_owner(user: User, partner_id: int) -> bool:
    """A partner admin of this partner: writes and signs the plan for the partner's side."""
    return user.is_partner and user.partner_admin and user.partner_id == partner_id and user.active


def runs_partner(user: User, partner: Partner) -> bool:
    """The vendor side: the partner's manager, or an admin."""
    return user.is_admin or (user.is_manager and partner.manager_id == user.id)


def may_edit(user: User, partner: Partner) -> bool:
    return runs_partner(user, partner) or is_plan_owner(user, partner.id)


def _check_may_edit(actor: User, partner: Partner) -> None:
    if not may_edit(actor, partner):
        raise PlanError("Only the partner's plan owners (partner admins) and its manager can change the plan.")


def _check_runs(actor: User, partner: Partner) -> None:
    if not runs_partner(actor, partner):
        raise PlanError("Only the partner's manager or an admin can do that.")


# --- loading ------------------------------------------------------------------------------------------

def plan_of(db: Session, partner_id: int) -> Plan | None:
    return db.scalar(select(Plan).where(Plan.partner_id == partner_id))


def load_revision(db: Session, user: User, revision_id: int) -> PlanRevision:
    """The load-or-404 helper for revisions: 404 unless `user` may see the partner it belongs to."""
    revision = db.scalar(
        select(PlanRevision).where(PlanRevision.id == revision_id)
        .options(selectinload(PlanRevision.goals), selectinload(PlanRevision.plan).joinedload(Plan.partner))
    )
    if revision is None or not can_see_partner(user, revision.plan.partner):
        abort(404)
    return revision


def revisions_of(db: Session, plan: Plan) -> list[PlanRevision]:
    return list(db.scalars(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id).order_by(PlanRevision.number.desc())
        .options(selectinload(PlanRevision.goals))
    ))


def latest_revision(db: Session, plan: Plan) -> PlanRevision | None:
    return db.scalar(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id).order_by(PlanRevision.number.desc()).limit(1)
        .options(selectinload(PlanRevision.goals))
    )


def terms_in_force(db: Session, plan: Plan) -> PlanRevision | None:
    """The last revision both sides signed; never a draft."""
    return db.scalar(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id, PlanRevision.agreed_at.is_not(None))
        .order_by(PlanRevision.number.desc()).limit(1).options(selectinload(PlanRevision.goals))
    )


def _lock_plan(db: Session, plan_id: int) -> Plan:
    """The plan row, locked until commit on PostgreSQL: revisions and signatures of one plan take turns."""
    return db.scalars(
        select(Plan).where(Plan.id == plan_id).with_for_update().execution_options(populate_existing=True)
    ).one()


# --- writing ------------------------------------------------------------------------------------------

def _review_date(db: Session, partner: Partner, after: date, months: int) -> date:
    """`months` after `after`; for a tier with quarterly business reviews, the next planned QBR (the review)."""
    if partner.tier.quarterly_business_review:
        qbr = db.scalar(select(func.min(CheckIn.due_on)).where(
            CheckIn.partner_id == partner.id, CheckIn.kind == "qbr", CheckIn.status == "planned",
            CheckIn.due_on > after))
        if qbr is not None:
            return qbr
    return add_months(after, months)


def start_plan(db: Session, actor: User, partner: Partner, now: datetime | None = None) -> Plan:
    """The partner's plan (created on first use, with its first review date), idempotent."""
    existing = plan_of(db, partner.id)
    if existing is not None:
        return existing
    _check_may_edit(actor, partner)
    today = (now or utcnow()).date()
    plan = Plan(partner_id=partner.id, status="on_track", review_months=3,
                next_review_on=_review_date(db, partner, today, 3))
    try:
        with db.begin_nested():
            db.add(plan)
    except IntegrityError:  # a colleague started it at the same moment
        return plan_of(db, partner.id)
    schedule_review(db, plan, partner)
    audit.record(db, actor, "plan.started", plan, f"Started the partnership plan of {partner.name}",
                 partner_id=partner.id)
    return plan


def _clean_terms(terms: Terms) -> Terms:
    for name, label in TERM_FIELDS.items():
        value = getattr(terms, name)
        if len(value) > MAX_TERM_LENGTH:
            raise PlanError(f"{label}: use at most {MAX_TERM_LENGTH} characters.", field=name)
    if terms.conflict_policy not in CONFLICT_POLICIES:
        raise PlanError("Choose one of the programme's conflict policies.", field="conflict_policy")
    if terms.period_ends_on <= terms.period_starts_on:
        raise PlanError("The period must end after it starts.", field="period_ends_on")
    for kind, target in terms.goals.items():
        if kind not in GOAL_KINDS:
            raise PlanError("Unknown goal.", field="goals")
        low, high = (-100, 100) if kind == "nps" else (0, 1_000_000_000)
        if not low <= target <= high:
            raise PlanError(f"{GOAL_KINDS[kind]}: the target must be between {low} and {high}.", field=kind)
    return replace(terms, **{name: getattr(terms, name).strip() for name in TERM_FIELDS})


def revise_plan(db: Session, actor: User, partner: Partner, terms: Terms, change_note: str | None = None,
                now: datetime | None = None) -> PlanRevision:
    """A new revision of the plan with these terms (unsigned: the terms in force do not change yet)."""
    now = now or utcnow()
    _check_may_edit(actor, partner)
    terms = _clean_terms(terms)
    plan = _lock_plan(db, start_plan(db, actor, partner, now).id)
    latest = latest_revision(db, plan)
    if latest is not None and Terms.of(latest) == terms:
        raise PlanError("Nothing changed: this is what revision %d already says." % latest.number, field=None)
    number = (latest.number if latest else 0) + 1
    revision = PlanRevision(
        plan_id=plan.id, number=number, change_note=(change_note or "").strip() or None,
        created_by_id=actor.id, created_by_name=actor.name, created_at=now,
        period_starts_on=terms.period_starts_on, period_ends_on=terms.period_ends_on,
        **{name: getattr(terms, name) for name in TERM_FIELDS},
    )
    revision.goals = [PlanGoal(kind=kind, target=target) for kind, target in terms.goals.items()]
    db.add(revision)
    db.flush()
    changed = changed_fields(Terms.of(latest) if latest else None, terms)
    _ask_to_sign(db, actor, partner, revision)
    audit.record(db, actor, "plan.revised", revision,
                 f"Revision {number} of the partnership plan: {', '.join(changed) or 'first version'}",
                 partner_id=partner.id, changes={"revision": number, "changed": changed})
    return revision


def _ask_to_sign(db: Session, actor: User, partner: Partner, revision: PlanRevision) -> None:
    """Mail the other side's signers: the partner's plan owners, or its manager."""
    if actor.is_partner:
        signers = [db.get(User, partner.manager_id)]
    else:
        signers = list(db.scalars(select(User).where(
            User.partner_id == partner.id, User.partner_admin.is_(True), User.active.is_(True))))
    link = absolute_url("plans.partner", partner_id=partner.id)
    for person in signers:
        queue_message(db, person.email, f"Partnership plan of {partner.name}: revision {revision.number} to sign",
                      "plans_revision", dedupe_key=f"plan-revision:{revision.id}:{person.id}", person=person,
                      partner=partner, revision=revision, author=actor, link=link)


def changed_fields(before: Terms | None, after: Terms) -> list[str]:
    if before is None:
        return []
    names = [label for name, label in TERM_FIELDS.items() if getattr(before, name) != getattr(after, name)]
    if (before.period_starts_on, before.period_ends_on) != (after.period_starts_on, after.period_ends_on):
        names.append("Period")
    if before.goals != after.goals:
        names.append("Goals")
    return names


# --- signing ------------------------------------------------------------------------------------------

def sign_revision(db: Session, actor: User, revision: PlanRevision, now: datetime | None = None) -> bool:
    """Sign `revision` for the actor's side; returns True when this signature made it agreed.

    The plan row is locked first, so two people signing at once take turns; the conditional updates make
    a second signature of the same side, or a second agreement, impossible even without the lock.
    """
    now = now or utcnow()
    plan = _lock_plan(db, revision.plan_id)
    partner = db.get(Partner, plan.partner_id)
    if is_plan_owner(actor, partner.id):
        side = "partner"
    elif runs_partner(actor, partner):
        side = "manager"
    else:
        raise PlanError("Only the partner's plan owner (a partner admin) and its manager sign the plan.")
    latest = db.scalar(select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id))
    if revision.number != latest:
        raise NotLatest(f"Revision {latest} replaces this one: read it and sign that instead.")
    signed = db.execute(
        update(PlanRevision)
        .where(PlanRevision.id == revision.id, getattr(PlanRevision, f"{side}_signed_at").is_(None))
        .values({f"{side}_signer_id": actor.id, f"{side}_signer_name": actor.name, f"{side}_signed_at": now})
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(revision)
    if signed != 1:
        who = revision.partner_signer_name if side == "partner" else revision.manager_signer_name
        raise AlreadySigned(f"{who} already signed revision {revision.number} for your side.")
    agreed = db.execute(
        update(PlanRevision)
        .where(PlanRevision.id == revision.id, PlanRevision.agreed_at.is_(None),
               PlanRevision.partner_signed_at.is_not(None), PlanRevision.manager_signed_at.is_not(None))
        .values(agreed_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.refresh(revision)
    audit.record(db, actor, "plan.signed", revision,
                 f"{actor.name} signed revision {revision.number} for the {side}", partner_id=partner.id)
    if agreed:
        plan.agreed_revision_id = revision.id
        db.flush()
        audit.record(db, actor, "plan.agreed", revision,
                     f"Revision {revision.number} of the partnership plan is agreed and in force",
                     partner_id=partner.id)
    return agreed


# --- status, reviews, ending --------------------------------------------------------------------------

def set_status(db: Session, actor: User, plan: Plan, partner: Partner, status: str, note: str | None,
               now: datetime | None = None) -> None:
    _check_runs(actor, partner)
    if status not in ("on_track", "at_risk"):
        raise PlanError("Choose on track or at risk (use Wind down to end the partnership).", field="status")
    if plan.status == "ending":
        raise PlanError("This partnership is winding down.", field="status")
    old = plan.status
    plan.status, plan.status_note, plan.status_changed_at = status, (note or "").strip() or None, now or utcnow()
    db.flush()
    audit.record(db, actor, "plan.status", plan, f"Plan status: {PLAN_STATUSES[status]}", partner_id=partner.id,
                 changes={"status": [old, status]})


def wind_down(db: Session, actor: User, plan: Plan, partner: Partner, *, reason: str, ends_on: date,
              now: datetime | None = None) -> None:
    """End the partnership well: a reason and an end date; leads and payouts stay visible until settled."""
    _check_runs(actor, partner)
    reason = (reason or "").strip()
    if not reason:
        raise PlanError("Say why the partnership is ending.", field="reason")
    if plan.status == "ending":
        raise PlanError("This partnership is already winding down.", field="reason")
    plan.status, plan.wind_down_reason, plan.ends_on = "ending", reason, ends_on
    plan.status_changed_at = now or utcnow()
    db.flush()
    audit.record(db, actor, "plan.wind_down", plan, f"Winding down the partnership, ending {ends_on:%-d %b %Y}",
                 partner_id=partner.id, changes={"reason": reason, "ends_on": ends_on.isoformat()})


def schedule_review(db: Session, plan: Plan, partner: Partner) -> CheckIn | None:
    """Plan the review as a check-in on the review date (Platinum's QBRs are its reviews: nothing to add)."""
    if partner.tier.quarterly_business_review:
        return None
    exists = db.scalar(select(CheckIn.id).where(
        CheckIn.partner_id == partner.id, CheckIn.kind == "review", CheckIn.status == "planned"))
    if exists:
        return None
    review = CheckIn(partner_id=partner.id, manager_id=partner.manager_id, kind="review",
                     due_on=plan.next_review_on, status="planned")
    try:
        with db.begin_nested():
            db.add(review)
    except IntegrityError:
        return None
    return review


def review_recorded(db: Session, actor: User, checkin: CheckIn, now: datetime) -> Plan | None:
    """A held review (or QBR) updates the plan: status from the record (pulse 1-2: at risk), its notes,
    the next review date, and the next review check-in."""
    if checkin.kind not in ("review", "qbr"):
        return None
    plan = plan_of(db, checkin.partner_id)
    if plan is None:
        return None
    partner = db.get(Partner, checkin.partner_id)
    plan.last_review_on = checkin.held_on
    # Reviewing early keeps the rhythm; reviewing late restarts it from the day it was held.
    plan.next_review_on = _review_date(db, partner, max(checkin.held_on, checkin.due_on), plan.review_months)
    if plan.status != "ending":
        plan.status = "at_risk" if checkin.pulse is not None and checkin.pulse <= 2 else "on_track"
        plan.status_changed_at = now
    plan.status_note = checkin.notes or plan.status_note
    db.flush()
    schedule_review(db, plan, partner)
    audit.record(db, actor, "plan.reviewed", plan,
                 f"Plan reviewed on {checkin.held_on:%-d %b %Y}: {plan.status_label}; next review "
                 f"{plan.next_review_on:%-d %b %Y}", partner_id=partner.id)
    return plan


def missed_reviews(db: Session, user: User, today: date, limit: int = 50) -> list[tuple[Plan, Partner]]:
    """Plans whose review date has passed without a review, for the viewer's partners (one query)."""
    query = (
        select(Plan, Partner).join(Partner, Partner.id == Plan.partner_id)
        .where(Plan.next_review_on < today, Plan.status != "ending")
        .order_by(Plan.next_review_on, Partner.name).limit(limit)
    )
    if user.is_manager:
        query = query.where(Partner.manager_id == user.id)
    elif user.is_partner:
        query = query.where(Partner.id == user.partner_id)
    return [(plan, partner) for plan, partner in db.execute(query)]
