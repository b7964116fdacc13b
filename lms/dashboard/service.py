"""The dashboard's rules: which partners a viewer sees (with filters), the funnel, health, gathering dust.

Everything is computed from `facts.partner_facts` (a constant number of aggregate queries over the
filtered partners) plus one query per short list, so the page costs the same at 3 or 5,000 partners.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lms.access import visible_partners
from lms.dashboard import health as health_rules
from lms.dashboard.facts import PartnerFacts, partner_facts
from lms.models import CheckIn, Partner, SupportRequest, Tier, User

DEFAULT_DUST_DAYS = 30
SHORT_LIST = 5


@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the partners to; every field comes from (and goes back to) the URL."""

    tier: str = ""
    manager_id: int | None = None
    month: date | None = None  # the first day of the month the partner joined
    stage: str = ""
    health: str = ""  # a key of health.HEALTH_BANDS
    dust: bool = False
    sort: str = "health"

    def url_args(self, **override: str) -> dict[str, str]:
        """The filters as query-string arguments (empty ones left out), with `override` applied."""
        args = {"tier": self.tier, "manager": str(self.manager_id or ""),
                "month": self.month.strftime("%Y-%m") if self.month else "", "stage": self.stage,
                "health": self.health, "dust": "1" if self.dust else "", "sort": self.sort if self.sort != "health" else ""}
        args.update(override)
        return {k: v for k, v in args.items() if v}


def partner_ids(user: User, filters: Filters) -> Select:
    """A SELECT of the ids of the partners `user` may see, narrowed by tier, manager and month joined."""
    query = visible_partners(user, select(Partner.id))
    if filters.tier:
        query = query.where(Partner.tier_id.in_(select(Tier.id).where(Tier.key == filters.tier).scalar_subquery()))
    if filters.manager_id is not None and user.is_admin:
        query = query.where(Partner.manager_id == filters.manager_id)
    if filters.month is not None:
        start = datetime(filters.month.year, filters.month.month, 1, tzinfo=timezone.utc)
        end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=timezone.utc)
        query = query.where(Partner.created_at >= start, Partner.created_at < end)
    return query


def settings() -> tuple[dict[str, int], int]:
    """(health weights, gathering-dust days) from the app's settings."""
    weights = current_app.config.get("DASHBOARD_HEALTH_WEIGHTS") or health_rules.DEFAULT_WEIGHTS
    if isinstance(weights, str):
        weights = health_rules.parse_weights(weights)
    return weights, int(current_app.config.get("DASHBOARD_DUST_DAYS") or DEFAULT_DUST_DAYS)


# --- the funnel: one function per stage ---------------------------------------------------------------

def invited(f: PartnerFacts, today: date) -> datetime | bool | None:
    return f.invited_at


def kickoff_booked(f: PartnerFacts, today: date) -> datetime | bool | None:
    return f.kickoff_booked_at


def kickoff_held(f: PartnerFacts, today: date) -> datetime | bool | None:
    return f.kickoff_held_at


def path_complete(f: PartnerFacts, today: date) -> datetime | bool | None:
    if not f.required_courses:
        return f.kickoff_held_at or True  # nothing required: complete as soon as it is onboarded
    return f.path_done_at


def first_lead(f: PartnerFacts, today: date) -> datetime | bool | None:
    return f.first_lead_at


def active(f: PartnerFacts, today: date) -> datetime | bool | None:
    return f.is_active(today)


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    reached: Callable[[PartnerFacts, date], datetime | bool | None]


STAGES: list[Stage] = [
    Stage("invited", "Invited", invited),
    Stage("kickoff_booked", "Kickoff booked", kickoff_booked),
    Stage("kickoff_held", "Kickoff held", kickoff_held),
    Stage("path_complete", "Required path complete", path_complete),
    Stage("first_lead", "First lead registered", first_lead),
    Stage("active", "Active", active),
]
STAGE_LABELS = {"": "Not invited yet", **{s.key: s.label for s in STAGES}}
NOT_INVITED = "not_invited"  # the API's and webhooks' name for "" (before the invite)


def stage_of(f: PartnerFacts, today: date) -> str:
    """The furthest stage reached in order (each stage needs the one before it); "" before the invite."""
    reached = ""
    for stage in STAGES:
        if not stage.reached(f, today):
            break
        reached = stage.key
    return reached


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: int
    percent_of_previous: int | None  # None for the first step
    percent_of_first: int


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStep]
    medians: list[tuple[str, float | None, int]]  # (what, median days or None, how many partners it is from)

    @property
    def total(self) -> int:
        return self.steps[0].count if self.steps else 0


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _median_days(pairs: list[tuple[datetime | None, datetime | None]]) -> tuple[float | None, int]:
    days = [(b - a).total_seconds() / 86400 for a, b in pairs
            if isinstance(a, datetime) and isinstance(b, datetime) and b >= a]
    return (round(statistics.median(days), 1) if days else None), len(days)


def funnel(facts: list[PartnerFacts], today: date) -> Funnel:
    index = {s.key: i for i, s in enumerate(STAGES)}
    furthest = [index.get(stage_of(f, today), -1) for f in facts]
    steps, previous, first = [], None, None
    for i, stage in enumerate(STAGES):
        count = sum(1 for n in furthest if n >= i)
        first = count if first is None else first
        steps.append(FunnelStep(stage.key, stage.label, count,
                                None if previous is None else _percent(count, previous), _percent(count, first)))
        previous = count
    medians = [
        ("Invite to kickoff held", *_median_days([(f.invited_at, f.kickoff_held_at) for f in facts])),
        ("Kickoff held to required path complete",
         *_median_days([(f.kickoff_held_at, f.path_done_at) for f in facts])),
        ("Kickoff held to first lead", *_median_days([(f.kickoff_held_at, f.first_lead_at) for f in facts])),
    ]
    return Funnel(steps, medians)


# --- partners with their health -----------------------------------------------------------------------

@dataclass
class PartnerRow:
    facts: PartnerFacts
    stage: str
    health: health_rules.Health
    dusty_days: int | None = None  # days since the last activity, when past the dust limit

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass
class Overview:
    """The figures of one dashboard view; kept and shared between requests by `snapshot` (read-only)."""

    rows: list[PartnerRow]
    funnel: Funnel
    dust_days: int
    today: date
    dusty: list[PartnerRow] = field(default_factory=list)
    computed_at: datetime | None = None
    selections: dict[tuple, list[PartnerRow]] = field(default_factory=dict, repr=False)  # see select_rows

    @cached_property
    def band_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(health_rules.HEALTH_BANDS, 0)
        for row in self.rows:
            counts[row.health.band] = counts.get(row.health.band, 0) + 1
        return counts

    @cached_property
    def satisfaction(self) -> list[TierSatisfaction]:
        return satisfaction_by_tier(self.rows)


def overview(db: Session, user: User, filters: Filters, now: datetime) -> Overview:
    """Every visible, filtered partner with stage and health; the funnel; who is gathering dust."""
    weights, dust_days = settings()
    facts = partner_facts(db, partner_ids(user, filters), now)
    today = now.date()
    rows = []
    for f in facts.values():
        row = PartnerRow(f, stage_of(f, today), health_rules.score(f, now, weights))
        last = f.last_activity
        since = last.at if last is not None else f.created_at
        if (now - since).days >= dust_days:
            row.dusty_days = (now - since).days
        rows.append(row)
    dusty = sorted((r for r in rows if r.dusty_days is not None), key=lambda r: (-r.dusty_days, r.facts.name))
    return Overview(rows, funnel(list(facts.values()), today), dust_days, today, dusty, computed_at=now)


SORTS: dict[str, tuple[str, Callable[[PartnerRow], tuple]]] = {
    "health": ("Health, lowest first", lambda r: (r.health.score, r.facts.name.casefold(), r.facts.id)),
    "-health": ("Health, highest first", lambda r: (-r.health.score, r.facts.name.casefold(), r.facts.id)),
    "name": ("Name", lambda r: (r.facts.name.casefold(), r.facts.id)),
    "quiet": ("Longest quiet first", lambda r: (_last_at_key(r), r.facts.name.casefold(), r.facts.id)),
}


def _last_at_key(row: PartnerRow) -> float:
    last = row.facts.last_activity
    return last.at.timestamp() if last else float("-inf")


def select_rows(overview_: Overview, filters: Filters) -> list[PartnerRow]:
    """The rows that pass the stage, health and dust filters, in the chosen order (kept with the overview)."""
    key = (filters.stage, filters.health, filters.dust, filters.sort)
    found = overview_.selections.get(key)
    if found is not None:
        return found
    rows = overview_.rows
    if filters.stage:
        rows = [r for r in rows if r.stage == filters.stage]
    if filters.health in health_rules.HEALTH_BANDS:
        rows = [r for r in rows if r.health.band == filters.health]
    if filters.dust:
        rows = [r for r in rows if r.dusty_days is not None]
    found = overview_.selections[key] = sorted(rows, key=SORTS.get(filters.sort, SORTS["health"])[1])
    return found


@dataclass(frozen=True)
class TierSatisfaction:
    tier_name: str
    partners: int
    with_pulse: int
    average_pulse: float | None
    nps: int | None = None  # promoters minus detractors, in percent, over the tier's answers of the last year
    nps_answers: int = 0


def satisfaction_by_tier(rows: list[PartnerRow]) -> list[TierSatisfaction]:
    """Per tier: NPS over the partners' survey answers, and the average pulse of their last check-in (no extra query)."""
    by_tier: dict[str, list[PartnerRow]] = {}
    for row in rows:
        by_tier.setdefault(row.facts.tier_name, []).append(row)
    result = []
    for name, members in sorted(by_tier.items(), key=lambda item: item[1][0].facts.tier_id):
        pulses = [r.facts.last_pulse for r in members if r.facts.last_pulse is not None]
        promoters = sum(r.facts.nps_counts[0] for r in members)
        detractors = sum(r.facts.nps_counts[2] for r in members)
        answers = sum(sum(r.facts.nps_counts) for r in members)
        result.append(TierSatisfaction(name, len(members), len(pulses),
                                       round(sum(pulses) / len(pulses), 1) if pulses else None,
                                       round(100 * (promoters - detractors) / answers) if answers else None, answers))
    return result


def managers(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.role == "manager").order_by(User.name, User.id)))


def tiers(db: Session) -> list[Tier]:
    return list(db.scalars(select(Tier).order_by(Tier.rank)))


def stages_and_health(db: Session, partner_ids: Select, now: datetime) -> dict[int, tuple[str, health_rules.Health]]:
    """{partner id: (stage key, health)} for the partners in `partner_ids`, in a constant number of queries
    (the API and the webhooks use it; "" is the stage before the invite)."""
    weights, _dust_days = settings()
    today = now.date()
    return {pid: (stage_of(f, today), health_rules.score(f, now, weights))
            for pid, f in partner_facts(db, partner_ids, now).items()}
