"""Factory functions for tests: make.partner(tier="gold"), make.user(role="manager") ..."""

from __future__ import annotations

import itertools
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from lms.db import utcnow
from lms.models import Partner, Tier, User
from lms.partners.service import name_key

_counter = itertools.count(1)


@cache
def _password_hash(password: str) -> str:
    # scrypt is slow on purpose; hash the shared test password once per run.
    return generate_password_hash(password, method="scrypt")


class Factories:
    PASSWORD = "correct horse battery staple"

    def __init__(self, db: Session):
        self.db = db

    def tier(self, key: str = "gold") -> Tier:
        return self.db.scalar(select(Tier).where(Tier.key == key))

    def user(
        self, role: str = "partner", *, partner: Partner | None = None, email: str | None = None,
        name: str | None = None, timezone: str = "Europe/London", password: str | None = PASSWORD,
        active: bool = True, phone: str | None = None,
    ) -> User:
        n = next(_counter)
        if role == "partner" and partner is None:
            partner = self.partner()
        user = User(
            email=(email or f"{role}{n}@example.com").lower(), name=name or f"{role.capitalize()} {n}", role=role,
            partner_id=partner.id if partner else None, timezone=timezone, active=active, phone=phone,
            password_hash=_password_hash(password) if password else None,
            activated_at=utcnow() if password else None,
        )
        self.db.add(user)
        self.db.flush()
        return user

    def manager(self, **kwargs) -> User:
        return self.user("manager", **kwargs)

    def admin(self, **kwargs) -> User:
        return self.user("admin", **kwargs)

    def partner(self, tier: str = "gold", *, manager: User | None = None, name: str | None = None,
                web_domain: str | None = None) -> Partner:
        n = next(_counter)
        name = name or f"Partner Org {n}"
        partner = Partner(
            name=name, name_key=name_key(name), tier_id=self.tier(tier).id,
            manager_id=(manager or self.manager()).id, web_domain=web_domain,
        )
        self.db.add(partner)
        self.db.flush()
        return partner

    def partner_user(self, tier: str = "gold", **kwargs) -> User:
        return self.user("partner", partner=self.partner(tier), **kwargs)


def given_up_message(db, recipient: str = "gone@example.com", subject: str = "Undelivered"):
    """An outbox message delivery gave up on (the admin's Undelivered mail list)."""
    from lms.db import utcnow
    from lms.models import OutboxMessage

    message = OutboxMessage(recipient=recipient, subject=subject, body_text="x", body_html="<p>x</p>", attempts=18,
                            last_error="550 no such user", given_up_at=utcnow())
    db.add(message)
    db.flush()
    return message
