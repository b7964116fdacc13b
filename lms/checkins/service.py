"""Check-in rules: plan the rhythm from the tier, hand over, record and skip, next steps, support requests.

Functions take the session and the acting user explicitly, raise `CheckinError` with a message and
the form field it belongs to, write the audit log on the partner's timeline, and only flush: the
view (or the job) commits once. The database keeps the promises: one check-in per partner, kind and
due date; a check-in is recorded once (conditional UPDATE); a support form submitted twice is one request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from lms import audit, events
from lms.access import visible_partners
from lms.bookings import service as bookings
from lms.checkins.calendar import days_off_of, holidays_of, today_for, zone_of
from lms.checkins.planning import HORIZON_MONTHS, add_months, plan_dates, week_bounds
from lms.checkins.sla import business_hours_text, sla_deadline
from lms.db import utcnow
from lms.errors import DomainError
from lms.mail import absolute_url, queue_message
from lms.models import (
    Booking,
    CheckIn,
    CheckinPlan,
    GroupSession,
    NextStep,
    Partner,
    SessionSeat,
    SupportRequest,
    Tier,
    User,
)
from lms.models.booking import LIVE_STATUSES
from lms.models.checkin import CHECKIN_KINDS, STEP_OWNERS
from lms.pagination import Page, paginate

MAX_STEPS = 10


class CheckinError(DomainError):
    field = "held_on"


class AlreadyRecorded(CheckinError):
    """Someone recorded or skipped this check-in first (a double click, or two people at once)."""


@dataclass(frozen=True)
class StepInput:
    owner: str
    text: str
    due_on: date | None = None


# --- planning ---------------------------------------------------------------------------------------

def plan_of(db: Session, partner_id: int) -> CheckinPlan | None:
    return db.scalar(select(CheckinPlan).where(CheckinPlan.partner_id == partner_id))


def plan_checkins(
    db: Session, actor: User | None, partner: Partner, anchor_on: date, *,
    kickoff_booking_id: int | None = None, now: datetime | None = None,
) -> list[CheckIn]:
    """Start a partner's rhythm on `anchor_on` (the day its kickoff was held). Idempotent: twice plans once."""
    now = now or utcnow()
    plan = plan_of(db, partner.id)
    if plan is None:
        plan = CheckinPlan(partner_id=partner.id, anchor_on=anchor_on, kickoff_booking_id=kickoff_booking_id)
        try:
            with db.begin_nested():
                db.add(plan)
        except IntegrityError:  # another request or job planned it a moment ago
            plan = plan_of(db, partner.id)
    created = extend_plan(db, partner, plan, now)
    if created:
        audit.record(
            db, actor, "checkins.planned", plan,
            f"Planned {len(created)} check-in(s), {partner.tier.cadence_text.lower()}, counted from "
            f"{plan.anchor_on:%-d %b %Y}; first due {created[0].due_on:%-d %b %Y}",
            partner_id=partner.id,
        )
    return created


def plan_after_kickoff(db: Session, actor: User | None, partner: Partner, held_at: datetime) -> list[CheckIn]:
    """The bookings hook: a kickoff was recorded as held; its date (manager's zone) anchors the rhythm."""
    anchor = kickoff_anchor(db, partner)
    if anchor is None:
        anchor = (held_at.astimezone(zone_of(partner.manager)).date(), None)
    return plan_checkins(db, actor, partner, anchor[0], kickoff_booking_id=anchor[1], now=held_at)


def extend_plan(db: Session, partner: Partner, plan: CheckinPlan, now: datetime) -> list[CheckIn]:
    """Create the missing check-ins of the next 12 months; dates already planned (or held) stay as they are."""
    manager, tier = partner.manager, partner.tier
    today = today_for(manager, now)
    start = max(today, plan.anchor_on + timedelta(days=1))
    until = add_months(max(today, plan.anchor_on), HORIZON_MONTHS)
    days_off = days_off_of(db, manager, start, until + timedelta(days=62))
    latest: dict[str, date] = dict(
        db.execute(
            select(CheckIn.kind, func.max(CheckIn.due_on))
            .where(CheckIn.partner_id == partner.id, CheckIn.kind != "adhoc")
            .group_by(CheckIn.kind)
        ).all()
    )
    created = []
    for item in plan_dates(
        plan.anchor_on, tier.checkin_cadence_months, tier.quarterly_business_review,
        start=start, until=until, days_off=days_off,
    ):
        # Only dates after the last one of that kind: a holiday added later must not plan a month twice.
        if item.due_on <= latest.get(item.kind, date.min):
            continue
        checkin = CheckIn(partner_id=partner.id, manager_id=partner.manager_id, kind=item.kind,
                          due_on=item.due_on, status="planned")
        try:
            with db.begin_nested():
                db.add(checkin)
        except IntegrityError:  # a concurrent run created it: the unique key makes it once
            continue
        created.append(checkin)
    return created


def replan_after_change(
    db: Session, actor: User, partner: Partner, *, tier_changed: bool, manager_changed: bool,
    now: datetime | None = None,
) -> None:
    """After a tier or manager change: re-plan future open check-ins, hand open work to the new manager.

    Held and skipped check-ins stay as they were; a future check-in with a call already booked is kept.
    """
    now = now or utcnow()
    notes = []
    if manager_changed:
        moved = db.execute(
            update(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.status == "planned")
            .values(manager_id=partner.manager_id).execution_options(synchronize_session="fetch")
        ).rowcount
        requests = db.execute(
            update(SupportRequest)
            .where(SupportRequest.partner_id == partner.id, SupportRequest.answered_at.is_(None))
            .values(manager_id=partner.manager_id).execution_options(synchronize_session="fetch")
        ).rowcount
        if moved or requests:
            notes.append(f"handed {moved} open check-in(s) and {requests} open support request(s) "
                         f"to {partner.manager.name}")
    plan = plan_of(db, partner.id)
    if tier_changed and plan is not None:
        today = today_for(partner.manager, now)
        booked = exists(
            select(Booking.id).where(Booking.id == CheckIn.booking_id, Booking.status.in_(LIVE_STATUSES))
        )
        removed = db.execute(
            delete(CheckIn).where(
                CheckIn.partner_id == partner.id, CheckIn.status == "planned", CheckIn.kind != "adhoc",
                CheckIn.due_on >= today, ~booked,
            ).execution_options(synchronize_session="fetch")
        ).rowcount
        plan.replanned_at = now
        created = extend_plan(db, partner, plan, now)
        notes.append(f"re-planned check-ins for {partner.tier.name} ({partner.tier.cadence_text.lower()}): "
                     f"{removed} removed, {len(created)} planned")
    if notes:
        audit.record(db, actor, "checkins.replanned", partner, "Check-ins " + "; ".join(notes), partner_id=partner.id)


def kickoff_anchor(db: Session, partner: Partner) -> tuple[date, int | None] | None:
    """The day the partner's kickoff (1:1 call or group seat) was held, in the manager's zone."""
    zone = zone_of(partner.manager)
    booking = db.execute(
        select(Booking.starts_at, Booking.id).where(
            Booking.partner_id == partner.id, Booking.kind == "kickoff", Booking.status == "held"
        ).order_by(Booking.starts_at.desc()).limit(1)
    ).first()
    if booking is not None:
        return booking[0].astimezone(zone).date(), booking[1]
    seat_start = db.scalar(
        select(GroupSession.starts_at).join(SessionSeat, SessionSeat.session_id == GroupSession.id)
        .where(SessionSeat.partner_id == partner.id, SessionSeat.status == "held")
        .order_by(GroupSession.starts_at.desc()).limit(1)
    )
    if seat_start is not None:
        return seat_start.astimezone(zone).date(), None
    return None


def plan_missing(db: Session, now: datetime) -> tuple[int, int]:
    """Nightly: plan partners with a held kickoff and no plan, and roll every plan's horizon forward.

    Returns (partners newly planned, check-ins created).
    """
    held_call = exists(select(Booking.id).where(
        Booking.partner_id == Partner.id, Booking.kind == "kickoff", Booking.status == "held"))
    held_seat = exists(select(SessionSeat.id).where(
        SessionSeat.partner_id == Partner.id, SessionSeat.status == "held"))
    has_plan = exists(select(CheckinPlan.id).where(CheckinPlan.partner_id == Partner.id))
    newly, created = 0, 0
    for partner in db.scalars(select(Partner).where(or_(held_call, held_seat), ~has_plan).order_by(Partner.id)):
        anchor = kickoff_anchor(db, partner)
        if anchor is not None:
            created += len(plan_checkins(db, None, partner, anchor[0], kickoff_booking_id=anchor[1], now=now))
            newly += 1
    for plan in db.scalars(select(CheckinPlan).order_by(CheckinPlan.id)):
        partner = db.get(Partner, plan.partner_id)
        created += len(extend_plan(db, partner, plan, now))
    return newly, created


# --- reading ----------------------------------------------------------------------------------------

@dataclass
class Agenda:
    today: date
    week_start: date
    week_end: date
    this_week: list[CheckIn]
    overdue: list[CheckIn]
    coming: list[CheckIn]
    last_contact: dict[int, date] = field(default_factory=dict)
    # Section name ("overdue", "this_week", "coming") -> its Page, for the pager and the totals.
    pages: dict[str, Page] = field(default_factory=dict)

    def days_overdue(self, checkin: CheckIn) -> int:
        return (self.today - checkin.due_on).days


def _open_checkins(user: User):
    query = (
        select(CheckIn).join(Partner, Partner.id == CheckIn.partner_id).where(CheckIn.status == "planned")
        .options(joinedload(CheckIn.booking),  # the "call" column, without a query per row
                 contains_eager(CheckIn.partner).joinedload(Partner.tier), joinedload(CheckIn.manager))
    )
    if user.is_manager:
        query = query.where(CheckIn.manager_id == user.id)
    return visible_partners(user, query)


AGENDA_SECTIONS = ("overdue", "this_week", "coming")
AGENDA_PER_PAGE = 20  # rows per section: three sections of 50 made a 120 KB page that took 75 ms to render


def agenda(db: Session, user: User, now: datetime | None = None, pages: dict[str, int] | None = None) -> Agenda:
    """The manager's week in their own zone, what is overdue (oldest first) and the next four weeks.

    Each section is one page (`pages`: section -> page number, 1 when missing) of AGENDA_PER_PAGE rows."""
    now = now or utcnow()
    today = today_for(user, now)
    monday, sunday = week_bounds(today)
    windows = {"overdue": (None, today - timedelta(days=1)), "this_week": (today, sunday),
               "coming": (sunday + timedelta(days=1), sunday + timedelta(days=28))}
    found: dict[str, Page] = {}
    for name, (first, last) in windows.items():
        stmt = _open_checkins(user).where(CheckIn.due_on <= last)
        if first is not None:
            stmt = stmt.where(CheckIn.due_on >= first)
        found[name] = paginate(db, stmt.order_by(CheckIn.due_on, Partner.name, CheckIn.id),
                               (pages or {}).get(name, 1), per_page=AGENDA_PER_PAGE, count=True)
    shown = [c for page in found.values() for c in page.items]
    partner_ids = sorted({c.partner_id for c in shown})
    return Agenda(today, monday, sunday, list(found["this_week"].items), list(found["overdue"].items),
                  list(found["coming"].items), last_contact(db, partner_ids, user), found)


def last_contact(db: Session, partner_ids: list[int], viewer: User) -> dict[int, date]:
    """The last held check-in or call per partner, as a date in the viewer's zone (three queries in all)."""
    if not partner_ids:
        return {}
    zone = zone_of(viewer)
    found: dict[int, date] = {}

    def keep(partner_id: int, day: date | None) -> None:
        if day is not None and (partner_id not in found or day > found[partner_id]):
            found[partner_id] = day

    for partner_id, held_on in db.execute(
        select(CheckIn.partner_id, func.max(CheckIn.held_on))
        .where(CheckIn.partner_id.in_(partner_ids), CheckIn.status == "held").group_by(CheckIn.partner_id)
    ):
        keep(partner_id, held_on)
    for partner_id, starts_at in db.execute(
        select(Booking.partner_id, func.max(Booking.starts_at))
        .where(Booking.partner_id.in_(partner_ids), Booking.status == "held").group_by(Booking.partner_id)
    ):
        keep(partner_id, starts_at.astimezone(zone).date() if starts_at else None)
    for partner_id, starts_at in db.execute(
        select(SessionSeat.partner_id, func.max(GroupSession.starts_at))
        .join(GroupSession, GroupSession.id == SessionSeat.session_id)
        .where(SessionSeat.partner_id.in_(partner_ids), SessionSeat.status == "held").group_by(SessionSeat.partner_id)
    ):
        keep(partner_id, starts_at.astimezone(zone).date() if starts_at else None)
    return found


def partner_checkins(db: Session, partner_id: int) -> list[CheckIn]:
    return list(db.scalars(
        select(CheckIn).where(CheckIn.partner_id == partner_id).order_by(CheckIn.due_on)
        .options(selectinload(CheckIn.booking))
    ))


def upcoming_checkins(db: Session, partner_id: int, limit: int) -> list[CheckIn]:
    """The first `limit` planned check-ins of a partner, the earliest (an overdue one) first."""
    return list(db.scalars(
        select(CheckIn).where(CheckIn.partner_id == partner_id, CheckIn.status == "planned")
        .order_by(CheckIn.due_on, CheckIn.id).limit(limit).options(selectinload(CheckIn.booking))
    ))


def recent_checkins(db: Session, partner_id: int, limit: int) -> list[CheckIn]:
    """The last `limit` held or skipped check-ins of a partner, the latest first."""
    return list(db.scalars(
        select(CheckIn).where(CheckIn.partner_id == partner_id, CheckIn.status != "planned")
        .order_by(CheckIn.due_on.desc(), CheckIn.id.desc()).limit(limit)
    ))


def partner_checkins_query(partner_id: int):
    """Every check-in of a partner, latest due date first (paginate it; nothing is lazy-loaded per row)."""
    return select(CheckIn).where(CheckIn.partner_id == partner_id).order_by(CheckIn.due_on.desc(), CheckIn.id.desc())


def next_checkin(db: Session, partner_id: int) -> CheckIn | None:
    """The earliest open check-in (an overdue one comes first: it is still to be held)."""
    return db.scalar(
        select(CheckIn).where(CheckIn.partner_id == partner_id, CheckIn.status == "planned")
        .options(joinedload(CheckIn.manager)).order_by(CheckIn.due_on).limit(1)
    )


def open_steps_query(partner_id: int):
    """A partner's open next steps, the nearest due date first, undated ones last (paginate it)."""
    return (select(NextStep).where(NextStep.partner_id == partner_id, NextStep.done_at.is_(None))
            .order_by(NextStep.due_on.is_(None), NextStep.due_on, NextStep.id))


def open_steps(db: Session, partner_id: int) -> list[NextStep]:
    return list(db.scalars(open_steps_query(partner_id)))


# --- recording --------------------------------------------------------------------------------------

def _check_runs_it(actor: User, partner: Partner) -> None:
    if not (actor.is_admin or (actor.is_manager and partner.manager_id == actor.id)):
        raise CheckinError("Only the partner's manager can record its check-ins.")


def _check_steps(steps: list[StepInput], held_on: date) -> list[StepInput]:
    clean = []
    for step in steps:
        text = (step.text or "").strip()
        if not text:
            continue
        if step.owner not in STEP_OWNERS:
            raise CheckinError("Say who owns each next step: us or the partner.", field="steps")
        if len(text) > 500:
            raise CheckinError("Keep each next step under 500 characters.", field="steps")
        if step.due_on is not None and step.due_on < held_on:
            raise CheckinError("A next step cannot be due before the check-in was held.", field="steps")
        clean.append(StepInput(step.owner, text, step.due_on))
    if len(clean) > MAX_STEPS:
        raise CheckinError(f"Agree at most {MAX_STEPS} next steps per check-in.", field="steps")
    return clean


def add_call_steps(db: Session, actor: User, booking: Booking, steps: list[StepInput], held_on: date) -> list[NextStep]:
    """Next steps agreed at a call with no check-in behind it (the kickoff): the same open list."""
    clean = _check_steps(list(steps), held_on)
    rows = [NextStep(booking_id=booking.id, partner_id=booking.partner_id, owner=s.owner, text=s.text, due_on=s.due_on)
            for s in clean]
    db.add_all(rows)
    db.flush()
    return rows


EARLY_GRACE_DAYS = 7  # held this close to its due date, a check-in counts as that one even across a month end


def held_early(checkin: CheckIn, held_on: date) -> bool:
    """A planned check-in held in an earlier month than its due date (and more than a week before it),
    without its booked call: an extra check-in, so the month it is due keeps one. Only the regular rhythm
    works so; a plan review or QBR held early is that review (the plan then sets the next one)."""
    return (checkin.kind == "checkin" and checkin.booking_id is None
            and (held_on.year, held_on.month) < (checkin.due_on.year, checkin.due_on.month)
            and (checkin.due_on - held_on).days > EARLY_GRACE_DAYS)


def record_checkin(
    db: Session, actor: User, checkin: CheckIn, *, held_on: date, notes: str | None = None,
    steps: list[StepInput] = (), pulse: int | None = None, done_step_ids: list[int] = (),
    now: datetime | None = None, agenda_covered: list[int] = (),
) -> CheckIn:
    """Mark a planned check-in held, with notes, agreed next steps, optional pulse; tick off open steps.

    Held early (`held_early`: an earlier month, more than a week ahead, not through its booked call), it
    is an extra, ad hoc check-in: the planned one stays due when it was due, so the rhythm keeps its month."""
    now = now or utcnow()
    partner = checkin.partner
    _check_runs_it(actor, partner)
    if held_on > today_for(actor, now):
        raise CheckinError("The held date cannot be in the future.")
    if held_early(checkin, held_on):
        return record_adhoc(db, actor, partner, held_on=held_on, notes=notes, steps=steps, pulse=pulse,
                            done_step_ids=done_step_ids, now=now)
    if pulse is not None and not 1 <= pulse <= 5:
        raise CheckinError("The pulse is a score from 1 to 5.", field="pulse")
    clean_steps = _check_steps(list(steps), held_on)
    recorded = db.execute(
        update(CheckIn).where(CheckIn.id == checkin.id, CheckIn.status == "planned").values(
            status="held", held_on=held_on, notes=(notes or "").strip() or None, pulse=pulse,
            recorded_by_id=actor.id, recorded_at=now,
            manager_id=actor.id if actor.is_manager else checkin.manager_id,
        ).execution_options(synchronize_session=False)
    ).rowcount
    if recorded != 1:
        db.refresh(checkin)
        raise AlreadyRecorded(f"This check-in was already {checkin.status} by someone else; nothing was changed.")
    db.refresh(checkin)
    if checkin.booking is not None:
        _cancel_later_call(db, actor, checkin.booking, held_on, now)
    for step in clean_steps:
        db.add(NextStep(checkin_id=checkin.id, partner_id=partner.id, owner=step.owner, text=step.text,
                        due_on=step.due_on))
    db.flush()
    done = complete_steps(db, actor, partner, list(done_step_ids), now=now, record=False)
    summary = f"{checkin.kind_label} held on {held_on:%-d %b %Y}"
    if pulse is not None:
        summary += f", pulse {pulse}/5"
    if clean_steps:
        summary += f", {len(clean_steps)} next step(s) agreed"
    if done:
        summary += f", {done} earlier step(s) done"
    audit.record(db, actor, "checkin.held", checkin, summary, partner_id=partner.id,
                 changes={"held_on": held_on.isoformat(), "pulse": pulse})
    # Bookings marks the call booked for it held (a no-op when it already is, or was cancelled above);
    # plans and the workspace's agenda react too.
    events.checkin_recorded.send("checkins", db=db, actor=actor, checkin=checkin, now=now,
                                 agenda_covered=list(agenda_covered))
    return checkin


def _cancel_later_call(db: Session, actor: User, call: Booking, held_on: date, now: datetime) -> None:
    """Held another way before its booked call: free the slot and send the partner the CANCEL invite."""
    if call.status != "booked" or call.starts_at <= now:
        return
    try:
        bookings.cancel_booking(db, actor, call, reason=f"The check-in was already held on {held_on:%-d %b %Y}.",
                                now=now)
    except bookings.BookingError as error:
        raise CheckinError(error.message) from None


def record_adhoc(
    db: Session, actor: User, partner: Partner, *, held_on: date, notes: str | None = None,
    steps: list[StepInput] = (), pulse: int | None = None, done_step_ids: list[int] = (),
    now: datetime | None = None, agenda_covered: list[int] = (),
) -> CheckIn:
    """A check-in held outside the plan (a quick call, a visit): recorded like a planned one."""
    _check_runs_it(actor, partner)
    checkin = CheckIn(partner_id=partner.id, manager_id=partner.manager_id, kind="adhoc", due_on=held_on,
                      status="planned")
    try:
        with db.begin_nested():
            db.add(checkin)
    except IntegrityError:
        raise CheckinError("An ad hoc check-in is already recorded for that day.") from None
    return record_checkin(db, actor, checkin, held_on=held_on, notes=notes, steps=steps, pulse=pulse,
                          done_step_ids=done_step_ids, now=now, agenda_covered=agenda_covered)


ADHOC_LEAD_DAYS = 7  # a check-in scheduled from the dashboard is due about a week later


def schedule_adhoc(db: Session, actor: User, partner: Partner, now: datetime | None = None) -> tuple[CheckIn, bool]:
    """Put an ad hoc check-in on the manager's agenda (due in about a week, on a working day), unless one is
    already planned within two weeks. Returns (the check-in, whether it is new); a double click makes one."""
    now = now or utcnow()
    _check_runs_it(actor, partner)
    manager = partner.manager
    today = today_for(manager, now)
    soon = db.scalar(
        select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.status == "planned",
                              CheckIn.due_on <= today + timedelta(days=14)).order_by(CheckIn.due_on).limit(1)
    )
    if soon is not None:
        return soon, False
    first = today + timedelta(days=ADHOC_LEAD_DAYS)
    off = days_off_of(db, manager, first, first + timedelta(days=14))
    due_on = next((d for d in (first + timedelta(days=n) for n in range(15)) if d.weekday() < 5 and d not in off), first)
    checkin = CheckIn(partner_id=partner.id, manager_id=partner.manager_id, kind="adhoc", due_on=due_on,
                      status="planned")
    try:
        with db.begin_nested():
            db.add(checkin)
    except IntegrityError:  # the same click a moment ago
        existing = db.scalar(select(CheckIn).where(CheckIn.partner_id == partner.id, CheckIn.kind == "adhoc",
                                                   CheckIn.due_on == due_on))
        return existing, False
    audit.record(db, actor, "checkin.scheduled", checkin, f"Ad hoc check-in scheduled for {due_on:%-d %b %Y}",
                 partner_id=partner.id)
    return checkin, True


def skip_checkin(db: Session, actor: User, checkin: CheckIn, reason: str, now: datetime | None = None) -> CheckIn:
    now = now or utcnow()
    _check_runs_it(actor, checkin.partner)
    reason = (reason or "").strip()
    if not reason:
        raise CheckinError("Say why this check-in is skipped.", field="reason")
    skipped = db.execute(
        update(CheckIn).where(CheckIn.id == checkin.id, CheckIn.status == "planned").values(
            status="skipped", skip_reason=reason[:500], recorded_by_id=actor.id, recorded_at=now,
        ).execution_options(synchronize_session=False)
    ).rowcount
    if skipped != 1:
        db.refresh(checkin)
        raise AlreadyRecorded(f"This check-in was already {checkin.status}; nothing was changed.", field="reason")
    db.refresh(checkin)
    audit.record(db, actor, "checkin.skipped", checkin,
                 f"{checkin.kind_label} due {checkin.due_on:%-d %b %Y} skipped (reason: {reason})",
                 partner_id=checkin.partner_id)
    return checkin


def complete_steps(
    db: Session, actor: User, partner: Partner, step_ids: list[int], *, now: datetime | None = None,
    record: bool = True,
) -> int:
    """Mark open next steps of `partner` done; partner users may tick off only their own side's steps.

    Every id comes from a form: one that is not a step of this partner is refused (CheckinError),
    so nothing of another organisation is touched or quoted in this partner's audit trail.
    """
    if not step_ids:
        return 0
    now = now or utcnow()
    step_ids = sorted(set(step_ids))
    own = set(db.scalars(select(NextStep.id).where(NextStep.id.in_(step_ids), NextStep.partner_id == partner.id)))
    if own != set(step_ids):
        raise CheckinError("Tick only this partner's open next steps.", field="done_steps")
    query = update(NextStep).where(
        NextStep.id.in_(step_ids), NextStep.partner_id == partner.id, NextStep.done_at.is_(None)
    )
    if actor.is_partner:
        query = query.where(NextStep.owner == "partner")
    done = db.execute(
        query.values(done_at=now, done_by_id=actor.id).execution_options(synchronize_session=False)
    ).rowcount
    if done and record:
        texts = db.scalars(select(NextStep.text).where(
            NextStep.id.in_(step_ids), NextStep.partner_id == partner.id, NextStep.done_by_id == actor.id,
            NextStep.done_at == now,
        ).order_by(NextStep.id))
        audit.record(db, actor, "next_step.done", partner, "Next step done: " + "; ".join(texts),
                     partner_id=partner.id)
    return done


def book_checkin_call(db: Session, actor: User, checkin: CheckIn, starts_at: datetime,
                      now: datetime | None = None) -> Booking:
    """Book the check-in as a call through the bookings capability: same slots, invites and guarantees."""
    now = now or utcnow()
    # Lock the check-in so two people booking it at once make one call (SQLite writers are serial already).
    db.scalar(select(CheckIn.id).where(CheckIn.id == checkin.id).with_for_update())
    db.refresh(checkin)
    if checkin.status != "planned":
        raise CheckinError("This check-in is already recorded.", field="starts_at")
    if checkin.booking is not None and checkin.booking.status in LIVE_STATUSES:
        raise CheckinError("A call is already booked for this check-in.", field="starts_at")
    try:
        booking = bookings.book_call(db, actor, checkin.partner, starts_at, kind="checkin", now=now)
    except bookings.BookingError as error:
        raise CheckinError(error.message, field="starts_at") from None
    checkin.booking_id = booking.id
    db.flush()
    return booking


# --- support ----------------------------------------------------------------------------------------

def support_promise(tier: Tier, manager: User) -> str:
    """The tier's support channel and response time, in plain words with the manager's details."""
    contact = manager.name + (f", {manager.phone}" if manager.phone else "") + f" ({manager.email})"
    hours = tier.sla_hours or 0
    unit = "hour" if hours == 1 else "hours"
    if tier.sla_coverage == "business" and hours:
        return (f"Email or call {contact}; we answer within {hours} business {unit}, "
                f"{business_hours_text(manager.timezone)}.")
    if tier.sla_coverage == "always" and hours:
        return f"{tier.support_channel}: {contact}; we answer within {hours} {unit}, day and night, every day (24/7)."
    return f"{tier.support_channel}. {tier.name} requests have no guaranteed response time."


def request_support(
    db: Session, actor: User, partner: Partner, *, subject: str, body: str, request_key: str,
    now: datetime | None = None,
) -> SupportRequest:
    """Record a request with the deadline the tier promises; the same form sent twice is one request."""
    now = now or utcnow()
    if not actor.is_partner or actor.partner_id != partner.id:
        raise CheckinError("Only the partner's own people can ask for support here.", field="subject")
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise CheckinError("Give the request a short subject.", field="subject")
    if not body:
        raise CheckinError("Describe what you need.", field="body")
    existing = select(SupportRequest).where(SupportRequest.partner_id == partner.id,
                                            SupportRequest.request_key == request_key)
    found = db.scalar(existing)
    if found is not None:
        return found
    tier, manager = partner.tier, partner.manager
    local_today = today_for(manager, now)
    holidays = holidays_of(db, manager, local_today - timedelta(days=1), local_today + timedelta(days=90))
    due_at = sla_deadline(tier.sla_coverage, tier.sla_hours, now, zone_of(manager), holidays)
    request = SupportRequest(
        partner_id=partner.id, requested_by_id=actor.id, manager_id=manager.id, request_key=request_key,
        subject=subject[:200], body=body, created_at=now, sla_text=support_promise(tier, manager)[:200], due_at=due_at,
    )
    try:
        with db.begin_nested():
            db.add(request)
    except IntegrityError:  # the other click won
        return db.scalar(existing)
    audit.record(db, actor, "support.requested", request, f"Support requested: {request.subject}",
                 partner_id=partner.id)
    if manager.active:
        queue_message(
            db, manager.email, f"Support request from {partner.name}: {request.subject}", "support_request",
            request=request, partner=partner, zone=manager.timezone, link=absolute_url("checkins.support"),
        )
    return request


def mark_answered(db: Session, actor: User, request: SupportRequest, note: str | None = None,
                  now: datetime | None = None) -> SupportRequest:
    now = now or utcnow()
    _check_runs_it(actor, request.partner)
    answered = db.execute(
        update(SupportRequest).where(SupportRequest.id == request.id, SupportRequest.answered_at.is_(None))
        .values(answered_at=now, answered_by_id=actor.id, answer_note=(note or "").strip() or None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(request)
    if answered != 1:
        raise CheckinError("This request was already marked answered.", field="note")
    late = " (after the deadline)" if request.is_breached(now) else ""
    audit.record(db, actor, "support.answered", request, f"Support request answered{late}: {request.subject}",
                 partner_id=request.partner_id)
    return request


def _visible_requests(user: User):
    query = select(SupportRequest).join(Partner, Partner.id == SupportRequest.partner_id).options(
        contains_eager(SupportRequest.partner).joinedload(Partner.tier),
        joinedload(SupportRequest.requested_by), joinedload(SupportRequest.answered_by),
    )
    if user.is_manager:
        query = query.where(SupportRequest.manager_id == user.id)
    return visible_partners(user, query)


def open_requests_query(user: User):
    """Unanswered requests, the nearest deadline first; requests without a deadline last, oldest first."""
    return (
        _visible_requests(user).where(SupportRequest.answered_at.is_(None))
        .order_by(SupportRequest.due_at.is_(None), SupportRequest.due_at, SupportRequest.created_at,
                  SupportRequest.id)
    )


def open_requests(db: Session, user: User) -> list[SupportRequest]:
    return list(db.scalars(open_requests_query(user)))


def answered_requests(db: Session, user: User, limit: int = 20) -> list[SupportRequest]:
    return list(db.scalars(
        _visible_requests(user).where(SupportRequest.answered_at.is_not(None))
        .order_by(SupportRequest.answered_at.desc()).limit(limit)
    ))


def partner_requests_query(partner_id: int):
    """A partner's support requests, the latest first (paginate it)."""
    return (select(SupportRequest).where(SupportRequest.partner_id == partner_id)
            .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc()))


def partner_requests(db: Session, partner_id: int, limit: int = 20) -> list[SupportRequest]:
    return list(db.scalars(
        select(SupportRequest).where(SupportRequest.partner_id == partner_id)
        .order_by(SupportRequest.created_at.desc()).limit(limit)
    ))


def kind_label(kind: str) -> str:
    return CHECKIN_KINDS.get(kind, kind)
