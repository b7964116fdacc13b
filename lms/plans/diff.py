"""What changed between two revisions of a plan: a readable line diff (difflib), rendered escaped."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.models import Plan, PlanRevision, User
from lms.models.plan import CONFLICT_POLICIES, GOAL_KINDS, TERM_FIELDS
from lms.plans.service import Terms, latest_revision


@dataclass(frozen=True)
class FieldDiff:
    label: str
    lines: list[tuple[str, str]]  # (" ", "-", "+") with the line: rendered escaped by the template


def last_signed_by_side(db: Session, plan: Plan, side: str) -> PlanRevision | None:
    column = PlanRevision.partner_signed_at if side == "partner" else PlanRevision.manager_signed_at
    return db.scalar(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id, column.is_not(None))
        .order_by(PlanRevision.number.desc()).limit(1).options(selectinload(PlanRevision.goals))
    )


def diff_terms(before: Terms, after: Terms) -> list[FieldDiff]:
    """A readable line diff (difflib) of every field that changed between two revisions."""
    out = []
    for name, label in TERM_FIELDS.items():
        old, new = getattr(before, name), getattr(after, name)
        if name == "conflict_policy":
            old, new = CONFLICT_POLICIES.get(old, old), CONFLICT_POLICIES.get(new, new)
        if old == new:
            continue
        lines = [(line[0], line[2:]) for line in difflib.ndiff(old.splitlines(), new.splitlines())
                 if line[:1] in (" ", "-", "+")]
        out.append(FieldDiff(label, lines))
    if (before.period_starts_on, before.period_ends_on) != (after.period_starts_on, after.period_ends_on):
        out.append(FieldDiff("Period", [
            ("-", f"{before.period_starts_on:%-d %b %Y} to {before.period_ends_on:%-d %b %Y}"),
            ("+", f"{after.period_starts_on:%-d %b %Y} to {after.period_ends_on:%-d %b %Y}"),
        ]))
    lines = []
    for kind, label in GOAL_KINDS.items():
        old, new = before.goals.get(kind), after.goals.get(kind)
        if old == new:
            continue
        if old is not None:
            lines.append(("-", f"{label}: {old}"))
        if new is not None:
            lines.append(("+", f"{label}: {new}"))
    if lines:
        out.append(FieldDiff("Goals", lines))
    return out


def changes_since_signed(db: Session, plan: Plan, viewer: User) -> tuple[PlanRevision | None, list[FieldDiff]]:
    """What the latest revision changes since the one the viewer's side last signed."""
    side = "partner" if viewer.is_partner else "manager"
    base = last_signed_by_side(db, plan, side)
    latest = latest_revision(db, plan)
    if base is None or latest is None or base.id == latest.id:
        return base, []
    return base, diff_terms(Terms.of(base), Terms.of(latest))
