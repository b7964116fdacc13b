"""Partner health, 0-100, from parts that are shown: each part says what it saw and what it cost.

The weights are a setting (`DASHBOARD_HEALTH_WEIGHTS`, see README). A part that cannot be measured
for a partner (no required learning for its tier, no satisfaction answer yet, no leads feature) is
left out and the other parts share its weight, so a missing feature never drags a score down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lms.dashboard.facts import PartnerFacts

PARTS = ("activity", "learning", "rhythm", "pipeline", "satisfaction")
PART_LABELS = {
    "activity": "Recent activity",
    "learning": "Required learning",
    "rhythm": "Check-in rhythm",
    "pipeline": "Pipeline",
    "satisfaction": "Satisfaction",
}
DEFAULT_WEIGHTS = {"activity": 30, "learning": 25, "rhythm": 20, "pipeline": 15, "satisfaction": 10}
FRESH_DAYS = 7  # activity this recent counts in full
STALE_DAYS = 60  # activity this old (or none) counts nothing; linear in between
ACTIVITY_WORDS = "sign-in, lesson, lead, survey answer or call"
HEALTH_BANDS = {"low": (0, 49), "fair": (50, 74), "good": (75, 100)}


@dataclass(frozen=True)
class Part:
    key: str
    fraction: float | None  # 0..1, None when not measured
    reason: str
    points: int = 0  # what the part cost, after scaling to 100 (negative or 0)
    weight: int = 0  # its share of 100 after scaling

    @property
    def label(self) -> str:
        return PART_LABELS[self.key]

    @property
    def measured(self) -> bool:
        return self.fraction is not None


@dataclass(frozen=True)
class Health:
    score: int
    parts: tuple[Part, ...]

    @property
    def band(self) -> str:
        return next(name for name, (low, high) in HEALTH_BANDS.items() if low <= self.score <= high)


def _days(now: datetime, then: datetime) -> int:
    return max(0, (now - then).days)


def activity_part(f: PartnerFacts, now: datetime) -> Part:
    recent = [a for kind, a in f.activity.items() if kind != "checkin"]  # what the partner did, not the manager
    if not recent:
        return Part("activity", 0.0, f"no {ACTIVITY_WORDS} yet")
    last = max(recent, key=lambda a: a.at)
    days = _days(now, last.at)
    fraction = 1.0 if days <= FRESH_DAYS else max(0.0, 1 - (days - FRESH_DAYS) / (STALE_DAYS - FRESH_DAYS))
    what = {"sign_in": "sign-in", "lesson": "lesson", "call": "call", "lead": "lead registered",
            "survey": "survey answer"}.get(last.kind, last.kind.replace("_", " "))
    if days <= FRESH_DAYS:
        when = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")
        return Part("activity", fraction, f"last {what} {when}")
    return Part("activity", fraction, f"no {ACTIVITY_WORDS} for {days} days (last: {what})")


def learning_part(f: PartnerFacts, now: datetime) -> Part:
    if not f.required_courses:
        return Part("learning", None, "the tier requires no courses")
    if f.people_path_done:
        people = "person has" if f.people_path_done == 1 else "people have"
        return Part("learning", 1.0, f"{f.people_path_done} {people} completed the required path")
    fraction = min(1.0, f.best_courses_done / f.required_courses)
    return Part("learning", fraction, f"{f.best_courses_done} of {f.required_courses} required courses done")


def rhythm_part(f: PartnerFacts, now: datetime) -> Part:
    if f.kickoff_held_at is None:
        days = _days(now, f.created_at)
        if days <= 30:
            return Part("rhythm", 0.5, f"kickoff not held yet ({days} days since joining)")
        return Part("rhythm", 0.0, f"kickoff not held {days} days after joining")
    if not f.overdue_checkins:
        return Part("rhythm", 1.0, "check-ins on time")
    late = (now.date() - f.oldest_overdue_on).days if f.oldest_overdue_on else 0
    count = f"{f.overdue_checkins} check-in{'s' if f.overdue_checkins != 1 else ''} overdue"
    return Part("rhythm", 0.5 if late <= 30 and f.overdue_checkins == 1 else 0.0, f"{count}, the oldest by {late} days")


def pipeline_part(f: PartnerFacts, now: datetime) -> Part:
    if f.leads_registered is None:
        return Part("pipeline", None, "leads are not tracked yet")
    if f.leads_won:
        return Part("pipeline", 1.0, f"{f.leads_won} lead{'s' if f.leads_won != 1 else ''} won")
    if f.leads_registered:
        return Part("pipeline", 0.6, f"{f.leads_registered} lead{'s' if f.leads_registered != 1 else ''} registered, none won yet")
    return Part("pipeline", 0.0, "no lead registered")


def satisfaction_part(f: PartnerFacts, now: datetime) -> Part:
    if f.nps is not None:
        return Part("satisfaction", (f.nps + 100) / 200, f"NPS {f.nps:+d}")
    if f.last_pulse is not None:
        return Part("satisfaction", (f.last_pulse - 1) / 4, f"pulse {f.last_pulse} of 5 at the last check-in")
    return Part("satisfaction", None, "no satisfaction answer yet")


PART_FUNCTIONS = {
    "activity": activity_part,
    "learning": learning_part,
    "rhythm": rhythm_part,
    "pipeline": pipeline_part,
    "satisfaction": satisfaction_part,
}


def score(f: PartnerFacts, now: datetime, weights: dict[str, int] | None = None) -> Health:
    """The 0-100 score and, for each part, its reason and what it cost (scaled so measured parts sum to 100)."""
    weights = weights or DEFAULT_WEIGHTS
    raw = [PART_FUNCTIONS[key](f, now) for key in PARTS if weights.get(key, 0) > 0]
    total = sum(weights[p.key] for p in raw if p.measured)
    if not total:
        return Health(100, tuple(raw))
    parts, earned = [], 0.0
    for p in raw:
        if not p.measured:
            parts.append(p)
            continue
        share = 100 * weights[p.key] / total
        earned += share * p.fraction
        parts.append(Part(p.key, p.fraction, p.reason, points=-round(share * (1 - p.fraction)), weight=round(share)))
    return Health(round(earned), tuple(parts))


def parse_weights(text: str) -> dict[str, int]:
    """'activity=30,learning=25,...' -> weights; ValueError on unknown parts or bad numbers (at start-up)."""
    weights = {key: 0 for key in PARTS}
    for item in text.split(","):
        if not item.strip():
            continue
        key, _, value = item.partition("=")
        key = key.strip()
        if key not in PARTS or not value.strip().isdigit() or int(value) > 1000:
            raise ValueError(f"DASHBOARD_HEALTH_WEIGHTS: {item.strip()!r} is not part=number with a part of {PARTS}")
        weights[key] = int(value)
    if not any(weights.values()):
        raise ValueError("DASHBOARD_HEALTH_WEIGHTS: give at least one part a weight above 0")
    return weights
