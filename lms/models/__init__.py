"""All models, one module per aggregate, re-exported here so Alembic and callers see one namespace."""

from lms.db import Base
from lms.models.audit import AuditEvent
from lms.models.outbox import OutboxMessage
from lms.models.partner import Partner
from lms.models.tier import Tier
from lms.models.user import AccountToken, User

__all__ = ["Base", "AccountToken", "AuditEvent", "OutboxMessage", "Partner", "Tier", "User"]
