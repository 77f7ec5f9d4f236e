"""plan schedule fingerprint: what the published schedule was last computed from

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(
            sa.Column("schedule_fingerprint", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("schedule_fingerprint")
