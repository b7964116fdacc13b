"""Hardening: mail retries with backoff and a give-up time; one row per signed-in session.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from lms.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("given_up_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_outbox_next_attempt_at", ["next_attempt_at"])
        batch.create_index("ix_outbox_given_up_at", ["given_up_at"])
    # Messages that used up the old five tries count as given up.
    op.execute("UPDATE outbox SET given_up_at = created_at WHERE sent_at IS NULL AND attempts >= 5")
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=43), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_sessions_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
        sa.UniqueConstraint("key", name="uq_user_sessions_key"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_given_up_at")
        batch.drop_index("ix_outbox_next_attempt_at")
        batch.drop_column("given_up_at")
        batch.drop_column("next_attempt_at")
