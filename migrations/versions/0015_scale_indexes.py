"""Two more indexes the pages need at scale (bench/README.md, EXPLAIN ANALYZE); see lms/models/indexes.py.

- planned check-ins by due date (the dashboard's overdue list): 37-54 ms -> 0.14 ms for a manager's oldest five;
- leads by registration time (the leads list, newest first): 130 ms -> 1.2 ms for an admin's first page.

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
    op.create_index("ix_leads_registered", "leads", ["registered_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_leads_registered", table_name="leads")
    op.drop_index("ix_checkins_planned_due", table_name="checkins")
