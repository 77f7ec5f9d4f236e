"""plan state and the plan's own tasks: utkast → inlämnad → uppföljd, and the hand-in task

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 01:00:00

A plan's own task (handing the plan in) is a measure row without an area, marked `plan_task`, so
its occurrence, UID, SEQUENCE and reminders work as a measure's do; it is never shown, exported
or followed up as a measure. Plans stored before get theirs here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

HAND_IN_KEY = "plan:hand-in"


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("state", sa.Text(), nullable=False, server_default="utkast"))
        batch.add_column(sa.Column("handed_in_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("measure") as batch:
        batch.alter_column("area_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("plan_task", sa.Text(), nullable=True))
    op.execute(
        sa.text(
            "INSERT INTO measure (plan_id, area_id, key, position, title, cause, action, when_text,"
            " responsible_text, followup_text, operational_goal, convener_override, schedule_json,"
            " retired, updated_at, plan_task)"
            " SELECT id, NULL, :key, -1, 'Lämna in åtgärdsplanen', '', '', '', '', '', '', NULL,"
            " '{}', :retired, updated_at, 'hand-in' FROM plan"
        ).bindparams(key=HAND_IN_KEY, retired=False)
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM measure WHERE plan_task IS NOT NULL"))
    with op.batch_alter_table("measure") as batch:
        batch.drop_column("plan_task")
        batch.alter_column("area_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("followed_up_at")
        batch.drop_column("handed_in_at")
        batch.drop_column("state")
