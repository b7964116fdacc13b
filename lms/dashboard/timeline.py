"""A partner's timeline: every event in time order, newest first, from domain records and the audit log.

Domain records say when a thing happened (the kickoff's start, the day a check-in was held, when a
lesson was completed); the audit log says who changed what and adds everything else (tier and manager
changes, cancellations, reschedules, support, planning, revoked certificates). Audit actions that a
domain record already tells are left out, so nothing shows twice. Leads and surveys add a source each.
One UNION query per page, plus its total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, case, cast, literal, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased

from lms.activity import _as_utc
from lms.models import AuditEvent, Booking, Certificate, CheckIn, Course, GroupSession, Lesson, LessonCompletion
from lms.models import SessionSeat, User
from lms.pagination import Page, paginate

# Audit actions whose story the domain sources below already tell (with the time it happened).
TOLD_BY_RECORDS = (
    "user.created", "user.invited", "user.activated", "booking.kickoff_booked", "booking.kickoff_held",
    "booking.kickoff_no_show", "booking.checkin_booked", "booking.checkin_held", "booking.checkin_no_show",
    "booking.seat_booked", "booking.seat_held", "booking.seat_no_show", "lesson.completed", "certificate.issued",
    "checkin.held",
)
GROUPS = {
    "user": "People", "sign_in": "Sign-in", "booking": "Calls", "group_session": "Calls", "checkin": "Check-ins",
    "checkins": "Check-ins", "next_step": "Check-ins", "support": "Support", "lesson": "Learning",
    "certificate": "Learning", "partner": "Partner", "leads": "Leads", "survey": "Surveys",
}


@dataclass(frozen=True)
class Event:
    at: datetime
    action: str
    text: str
    actor: str | None

    @property
    def group(self) -> str:
        return GROUPS.get(self.action.split(".", 1)[0], "Other")

    @property
    def by(self) -> str | None:
        """Who did it, when the text does not already start with their name."""
        if not self.actor or self.text.startswith(self.actor):
            return None
        return self.actor


def _row(at, action, text, actor, source: int, row_id):
    return (at.label("at"), action.label("action"), text.label("text"), actor.label("actor"),
            literal(source).label("source"), row_id.label("row_id"))


def _none():
    return type_coerce(literal(None), User.name.type)


def _audit(partner_id: int, dialect: str):
    actor = aliased(User)
    return (
        select(*_row(AuditEvent.occurred_at, AuditEvent.action, AuditEvent.summary, actor.name, 1, AuditEvent.id))
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(AuditEvent.partner_id == partner_id, AuditEvent.action.not_in(TOLD_BY_RECORDS))
    )


def _people(partner_id: int, dialect: str):
    ours = User.partner_id == partner_id
    return [
        select(*_row(User.created_at, literal("user.invited"), User.name + literal(" was invited"), _none(), 2,
                     User.id)).where(ours),
        select(*_row(User.activated_at, literal("sign_in.first"), User.name + literal(" signed in for the first time"),
                     _none(), 3, User.id)).where(ours, User.activated_at.is_not(None)),
        select(*_row(User.last_login_at, literal("sign_in.latest"), User.name + literal(" signed in (latest sign-in)"),
                     _none(), 4, User.id)).where(ours, User.last_login_at.is_not(None)),
    ]


def _calls(partner_id: int, dialect: str):
    what = case((Booking.kind == "kickoff", literal("Kickoff call")), else_=literal("Check-in call"))
    outcome = case((Booking.status == "held", literal(" held")), else_=literal(" no-show"))
    seat_outcome = case((SessionSeat.status == "held", literal(" attended")), else_=literal(": no-show"))
    manager = aliased(User)
    session = SessionSeat.__table__.join(GroupSession, GroupSession.id == SessionSeat.session_id)
    return [
        select(*_row(Booking.created_at, literal("booking.booked"), what + literal(" booked"), _none(), 5, Booking.id))
        .where(Booking.partner_id == partner_id),
        select(*_row(Booking.starts_at, literal("booking.outcome"), what + outcome, manager.name, 6, Booking.id))
        .join(manager, manager.id == Booking.manager_id)
        .where(Booking.partner_id == partner_id, Booking.status.in_(("held", "no_show"))),
        select(*_row(SessionSeat.created_at, literal("booking.seat"),
                     literal("Seat booked in the group session “") + GroupSession.title + literal("”"), _none(), 7,
                     SessionSeat.id)).select_from(session).where(SessionSeat.partner_id == partner_id),
        select(*_row(GroupSession.starts_at, literal("booking.seat_outcome"),
                     literal("Group session “") + GroupSession.title + literal("”") + seat_outcome, _none(), 8,
                     SessionSeat.id)).select_from(session)
        .where(SessionSeat.partner_id == partner_id, SessionSeat.status.in_(("held", "no_show"))),
    ]


def _learning(partner_id: int, dialect: str):
    return [
        select(*_row(LessonCompletion.completed_at, literal("lesson.completed"),
                     User.name + literal(" completed “") + Lesson.title + literal("” (") + Course.title + literal(")"),
                     User.name, 9, LessonCompletion.id))
        .join(User, User.id == LessonCompletion.user_id).join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .join(Course, Course.id == Lesson.course_id).where(User.partner_id == partner_id),
        select(*_row(Certificate.issued_at, literal("certificate.issued"),
                     Certificate.holder_name + literal(" earned the certificate for “") + Certificate.course_title
                     + literal("”"), User.name, 10, Certificate.id))
        .join(User, User.id == Certificate.user_id).where(User.partner_id == partner_id),
    ]


def _checkins(partner_id: int, dialect: str):
    # A held-on date sorts among times: a timestamp on PostgreSQL; on SQLite the ISO text already sorts.
    held = cast(CheckIn.held_on, DateTime(timezone=True)) if dialect == "postgresql" else CheckIn.held_on
    what = case((CheckIn.kind == "qbr", literal("Quarterly business review held")),
                (CheckIn.kind == "adhoc", literal("Ad hoc check-in held")), else_=literal("Check-in held"))
    recorder = aliased(User)
    return [
        select(*_row(held, literal("checkin.held"), what, recorder.name, 11, CheckIn.id))
        .outerjoin(recorder, recorder.id == CheckIn.recorded_by_id)
        .where(CheckIn.partner_id == partner_id, CheckIn.status == "held"),
    ]


SOURCES = [_people, _calls, _learning, _checkins]


def partner_timeline(db: Session, partner_id: int, page: int, per_page: int = 30) -> Page[Event]:
    dialect = db.get_bind().dialect.name
    selects = [_audit(partner_id, dialect)]
    for source in SOURCES:
        selects.extend(source(partner_id, dialect))
    events = union_all(*selects).subquery()
    stmt = select(events).order_by(events.c.at.desc(), events.c.source.desc(), events.c.row_id.desc())
    found = paginate(db, stmt, page, per_page=per_page, count=True, scalars=False)
    items = [Event(_as_utc(r.at), r.action, r.text, r.actor) for r in found.items]
    return Page(items=items, page=found.page, per_page=found.per_page, has_next=found.has_next, total=found.total)
