"""What /readyz checks: the database answers, its schema is at the migrations' head, Redis answers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.orm import Session

from lms.migrate import alembic_config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The revisions the code expects (read once from migrations/)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check_database(db: Session) -> list[Check]:
    try:
        db.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not ready", never a 500
        log.warning("readyz: database check failed: %s", error.__class__.__name__)
        db.rollback()
        return [Check("database", False, "unreachable"), Check("migrations", False, "unknown")]
    try:
        with db.begin_nested():
            current = frozenset(db.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:
        current = frozenset()  # no alembic_version table: never migrated
    heads = migration_heads()
    if current == heads:
        return [Check("database", True, "reachable"), Check("migrations", True, "at head")]
    return [Check("database", True, "reachable"),
            Check("migrations", False, f"at {', '.join(sorted(current)) or 'nothing'}; head is {', '.join(sorted(heads))}")]


def check_redis(url: str | None) -> list[Check]:
    if not url:
        return []
    try:
        import redis  # the production extra's client (limits[redis])

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as error:
        log.warning("readyz: redis check failed: %s", error.__class__.__name__)
        return [Check("redis", False, "unreachable")]
    return [Check("redis", True, "reachable")]
