"""Partner organisations: create, edit, move between tiers and managers."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit
from lms.checkins import service as checkins
from lms.errors import DomainError
from lms.models import Partner, Tier, User

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class PartnerError(DomainError):
    field = "name"


class PartnerNameTaken(PartnerError):
    pass


def name_key(name: str) -> str:
    """Fold a company name for uniqueness: case, spacing and punctuation do not make a new partner."""
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())


def normalize_domain(text: str | None) -> str | None:
    """'https://www.Example.com/about' -> 'example.com'; None for blank; ValueError when not a domain."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if value.startswith("www."):
        value = value[4:]
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("Enter a web domain such as example.com.") from None
    if not _DOMAIN_RE.match(value):
        raise ValueError("Enter a web domain such as example.com.")
    return value


def managers(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.name)))


def tiers(db: Session) -> list[Tier]:
    return list(db.scalars(select(Tier).order_by(Tier.rank)))


def _check_name_free(db: Session, name: str, partner_id: int | None = None) -> str:
    key = name_key(name)
    if not key:
        raise PartnerError("Enter the organisation's name.")
    query = select(Partner.id).where(Partner.name_key == key)
    if partner_id is not None:
        query = query.where(Partner.id != partner_id)
    if db.scalar(query) is not None:
        raise PartnerNameTaken("A partner with this name already exists.")
    return key


def _check_manager(manager: User) -> None:
    if manager.role != "manager" or not manager.active:
        raise PartnerError("Choose an active partner manager.", field="manager_id")


def create_partner(
    db: Session, actor: User, *, name: str, tier: Tier, manager: User, web_domain: str | None = None
) -> Partner:
    name = name.strip()
    _check_manager(manager)
    partner = Partner(
        name=name, name_key=_check_name_free(db, name), tier_id=tier.id, manager_id=manager.id,
        web_domain=normalize_domain(web_domain),
    )
    try:
        with db.begin_nested():
            db.add(partner)
    except IntegrityError:
        raise PartnerNameTaken("A partner with this name already exists.") from None
    audit.record(
        db, actor, "partner.created", partner,
        f"Created partner {name} ({tier.name}, managed by {manager.name})", partner_id=partner.id,
    )
    return partner


def update_partner(
    db: Session, actor: User, partner: Partner, *, name: str, web_domain: str | None, tier: Tier,
    manager: User, reason: str | None = None,
) -> dict:
    """Apply edits; a change of tier or manager needs a reason. Returns the recorded changes."""
    name = name.strip()
    if manager.id != partner.manager_id:
        _check_manager(manager)
    values = {
        "name": name, "name_key": _check_name_free(db, name, partner.id),
        "web_domain": normalize_domain(web_domain), "tier_id": tier.id, "manager_id": manager.id,
    }
    changes = audit.diff(partner, values)
    changes.pop("name_key", None)
    if not changes:
        return {}
    if ("tier_id" in changes or "manager_id" in changes) and not (reason or "").strip():
        raise PartnerError("Say why the tier or manager changes; it goes into the audit log.", field="reason")
    old_tier, old_manager = partner.tier, partner.manager
    for field, value in values.items():
        setattr(partner, field, value)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise PartnerNameTaken("A partner with this name already exists.") from None
    db.refresh(partner)
    parts = []
    if "tier_id" in changes:
        parts.append(f"tier {old_tier.name} -> {tier.name}")
    if "manager_id" in changes:
        parts.append(f"manager {old_manager.name} -> {manager.name}")
    if set(changes) - {"tier_id", "manager_id"}:
        parts.append("details")
    summary = f"Updated {partner.name}: " + ", ".join(parts)
    if reason and reason.strip():
        summary += f" (reason: {reason.strip()})"
        changes["reason"] = reason.strip()
    audit.record(db, actor, "partner.updated", partner, summary, partner_id=partner.id, changes=changes)
    # Issue 6: a new tier re-plans future open check-ins; a new manager takes over the open ones.
    checkins.replan_after_change(
        db, actor, partner, tier_changed="tier_id" in changes, manager_changed="manager_id" in changes
    )
    return changes


def partner_counts(db: Session, partner_ids: list[int]) -> dict[int, int]:
    """Active user count per partner, in one query."""
    if not partner_ids:
        return {}
    rows = db.execute(
        select(User.partner_id, func.count(User.id))
        .where(User.partner_id.in_(partner_ids), User.active.is_(True))
        .group_by(User.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}
