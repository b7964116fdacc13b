"""Journey (issue 15): attempts kept per knowledge check, a pass mark per lesson, next steps from any call.

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import lms.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["knowledge_checks.id"], name=op.f("fk_check_attempts_check_id_knowledge_checks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_check_attempts_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_attempts")),
    )
    op.create_index(op.f("ix_check_attempts_check_id"), "check_attempts", ["check_id"], unique=False)
    op.create_index(op.f("ix_check_attempts_user_id"), "check_attempts", ["user_id"], unique=False)
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("pass_mark", sa.Integer(), server_default="100", nullable=False))
        batch.create_check_constraint("pass_mark_range", "pass_mark BETWEEN 1 AND 100")
    with op.batch_alter_table("next_steps") as batch:
        batch.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch.alter_column("checkin_id", existing_type=sa.Integer(), nullable=True)
        batch.create_index(batch.f("ix_next_steps_booking_id"), ["booking_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_next_steps_booking_id_bookings"), "bookings", ["booking_id"], ["id"], ondelete="CASCADE")
        batch.create_check_constraint("step_has_source", "checkin_id IS NOT NULL OR booking_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM next_steps WHERE checkin_id IS NULL")
    with op.batch_alter_table("next_steps") as batch:
        batch.drop_constraint(batch.f("ck_next_steps_step_has_source"), type_="check")
        batch.drop_constraint(batch.f("fk_next_steps_booking_id_bookings"), type_="foreignkey")
        batch.drop_index(batch.f("ix_next_steps_booking_id"))
        batch.alter_column("checkin_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("booking_id")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_constraint(batch.f("ck_lessons_pass_mark_range"), type_="check")
        batch.drop_column("pass_mark")
    op.drop_index(op.f("ix_check_attempts_user_id"), table_name="check_attempts")
    op.drop_index(op.f("ix_check_attempts_check_id"), table_name="check_attempts")
    op.drop_table("check_attempts")
