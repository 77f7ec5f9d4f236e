"""feed token organisation: a calendar link belongs to one organisation

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 00:00:00

Links made before hold "": they belong to the installation's only organisation (the configured
one, else the one whose plans there are), as they did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_token") as batch:
        batch.add_column(sa.Column("organisation", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("feed_token") as batch:
        batch.drop_column("organisation")
