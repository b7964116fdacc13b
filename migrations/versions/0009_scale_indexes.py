"""Indexes the list pages and agendas need at scale (issue 12); see lms/models/indexes.py and bench/README.md.

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_checkins_manager_status_due", "checkins", ["manager_id", "status", "due_on"], None),
    ("ix_support_requests_manager_answered", "support_requests", ["manager_id", "answered_at"], None),
    ("ix_users_role_name", "users", ["role", "name", "id"], None),
    ("ix_audit_events_partner_time", "audit_events", ["partner_id", "occurred_at"], None),
    ("ix_certificates_course_issued", "certificates", ["course_id", "issued_at"], None),
]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        extra = {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)} if where else {}
        op.create_index(name, table, columns, **extra)


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
