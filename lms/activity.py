"""What a partner organisation last did, and when: `last_activity(db, partner_ids)`.

Shared by the dashboard (partner health, "gathering dust", the CSV export) and the plans feature
(the quiet-partner nudge). The interface is stable:

    last_activity(db, partner_ids, *, kinds=None) -> dict[int, Activity]
        The latest activity of each partner across every source (partners with none are absent).
    activity_by_kind(db, partner_ids, *, kinds=None) -> dict[int, dict[str, Activity]]
        The latest activity of each partner per source kind ("sign_in", "lesson", "call", "checkin" ...).

`partner_ids` is a collection of ids or a SELECT of partner ids (pass a select for thousands of
partners, so the database gets one sub-query instead of thousands of parameters). `kinds` limits
the sources consulted (default: all of them).

Each SOURCE is one function that runs ONE aggregate query over all the given partners and returns
`(partner_id, at, label)` rows, the latest per partner. So the whole call costs one query per
source whatever the number of partners. A feature that adds a kind of activity (survey answers,
leads) appends one function to `SOURCES` (its own module may do `SOURCES["survey"] = fn` from its
`connect_signals()`); nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Callable, Collection, Iterable

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from lms.models import Booking, CheckIn, GroupSession, Lesson, LessonCompletion, SessionSeat, User

# Human words for each kind, for pages that name the source ("no sign-in for 41 days").
KIND_LABELS = {
    "sign_in": "sign-in",
    "lesson": "lesson completed",
    "call": "call",
    "checkin": "check-in held",
}


@dataclass(frozen=True)
class Activity:
    """One thing a partner did: its kind (a key of KIND_LABELS), when (UTC, aware) and what, in words."""

    kind: str
    at: datetime
    label: str

    def days_ago(self, now: datetime) -> int:
        return max(0, (now - self.at).days)


Row = tuple[int, datetime, str]
Source = Callable[[Session, Any], Iterable[Row]]


def _ids_filter(column, partner_ids: Any):
    """`column IN (...)` for a collection of ids or a SELECT of ids."""
    if isinstance(partner_ids, Select):
        return column.in_(partner_ids.scalar_subquery())
    return column.in_(list(partner_ids))


def _latest(db: Session, partner_col, at_col, label_cols: list, where: list, from_: Any) -> list[tuple]:
    """One query: per partner, the row with the greatest `at_col` (ties broken by the label columns)."""
    ranked = (
        select(
            partner_col.label("partner_id"),
            at_col.label("at"),
            *label_cols,
            func.row_number().over(partition_by=partner_col, order_by=at_col.desc()).label("rank"),
        )
        .select_from(from_)
        .where(*where)
        .subquery()
    )
    stmt = select(ranked).where(ranked.c.rank == 1)
    return list(db.execute(stmt))


def _as_utc(value: datetime | str | None) -> datetime | None:
    """Window-function results lose the column type on SQLite (a string comes back); make them aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# --- sources: one aggregate query each ----------------------------------------------------------------

def sign_ins(db: Session, partner_ids: Any) -> list[Row]:
    rows = _latest(
        db, User.partner_id, User.last_login_at, [User.name],
        [_ids_filter(User.partner_id, partner_ids), User.last_login_at.is_not(None)], User,
    )
    return [(r.partner_id, _as_utc(r.at), f"{r.name} signed in") for r in rows]


def lesson_completions(db: Session, partner_ids: Any) -> list[Row]:
    rows = _latest(
        db, User.partner_id, LessonCompletion.completed_at, [User.name, Lesson.title.label("lesson")],
        [_ids_filter(User.partner_id, partner_ids)],
        LessonCompletion.__table__.join(User, User.id == LessonCompletion.user_id)
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id),
    )
    return [(r.partner_id, _as_utc(r.at), f"{r.name} completed the lesson “{r.lesson}”") for r in rows]


def calls(db: Session, partner_ids: Any) -> list[Row]:
    """Kickoff and check-in calls held (when they took place) or booked (when they were booked)."""
    at = case((Booking.status == "held", Booking.starts_at), else_=Booking.created_at)
    rows = _latest(
        db, Booking.partner_id, at, [Booking.kind, Booking.status],
        [_ids_filter(Booking.partner_id, partner_ids), Booking.status.in_(("held", "booked"))],
        Booking,
    )
    out = []
    for r in rows:
        what = "Kickoff call" if r.kind == "kickoff" else "Check-in call"
        out.append((r.partner_id, _as_utc(r.at), f"{what} {'held' if r.status == 'held' else 'booked'}"))
    return out


def seats(db: Session, partner_ids: Any) -> list[Row]:
    """Seats in group onboarding sessions, held (session start) or booked (booking time)."""
    at = case((SessionSeat.status == "held", GroupSession.starts_at), else_=SessionSeat.created_at)
    rows = _latest(
        db, SessionSeat.partner_id, at, [SessionSeat.status, GroupSession.title],
        [_ids_filter(SessionSeat.partner_id, partner_ids), SessionSeat.status.in_(("held", "booked"))],
        SessionSeat.__table__.join(GroupSession, GroupSession.id == SessionSeat.session_id),
    )
    return [
        (r.partner_id, _as_utc(r.at),
         f"Group session “{r.title}” {'attended' if r.status == 'held' else 'booked'}")
        for r in rows
    ]


def checkins_held(db: Session, partner_ids: Any) -> list[Row]:
    rows = _latest(
        db, CheckIn.partner_id, CheckIn.held_on, [CheckIn.kind],
        [_ids_filter(CheckIn.partner_id, partner_ids), CheckIn.status == "held"],
        CheckIn,
    )
    return [(r.partner_id, _noon_utc(r.at), _checkin_label(r.kind)) for r in rows]


def _checkin_label(kind: str) -> str:
    return {"qbr": "Quarterly business review held", "adhoc": "Ad hoc check-in held"}.get(kind, "Check-in held")


def _noon_utc(day: date | str) -> datetime:
    """A held-on date as a moment: noon UTC keeps the same calendar day in every viewer's zone."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


# kind -> the sources of that kind. Surveys and leads add theirs: SOURCES["survey"] = [survey_answers].
SOURCES: dict[str, list[Source]] = {
    "sign_in": [sign_ins],
    "lesson": [lesson_completions],
    "call": [calls, seats],
    "checkin": [checkins_held],
}


def activity_by_kind(
    db: Session, partner_ids: Collection[int] | Select, *, kinds: Iterable[str] | None = None
) -> dict[int, dict[str, Activity]]:
    """Per partner, the latest activity of each kind: one query per source, whatever the partner count."""
    if not isinstance(partner_ids, Select) and not partner_ids:
        return {}
    found: dict[int, dict[str, Activity]] = {}
    for kind in (kinds if kinds is not None else list(SOURCES)):
        for source in SOURCES.get(kind, []):
            for partner_id, at, label in source(db, partner_ids):
                if at is None:
                    continue
                current = found.setdefault(partner_id, {}).get(kind)
                if current is None or at > current.at:
                    found[partner_id][kind] = Activity(kind=kind, at=at, label=label)
    return found


def last_activity(
    db: Session, partner_ids: Collection[int] | Select, *, kinds: Iterable[str] | None = None
) -> dict[int, Activity]:
    """Per partner, the single latest activity across the sources (partners with none are absent)."""
    return {
        partner_id: max(by_kind.values(), key=lambda activity: activity.at)
        for partner_id, by_kind in activity_by_kind(db, partner_ids, kinds=kinds).items()
    }


__all__ = ["Activity", "KIND_LABELS", "SOURCES", "activity_by_kind", "last_activity"]
