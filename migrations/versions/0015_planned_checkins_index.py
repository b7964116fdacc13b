"""Partial index on planned check-ins by due date (the dashboard's overdue list); see lms/models/indexes.py.

EXPLAIN ANALYZE at scale (bench/README.md): 54 ms -> 0.3 ms for a manager's five oldest overdue check-ins.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checkins_planned_due", "checkins", ["due_on", "partner_id"],
                    sqlite_where=sa.text("status = 'planned'"), postgresql_where=sa.text("status = 'planned'"))


def downgrade() -> None:
    op.drop_index("ix_checkins_planned_due", table_name="checkins")
