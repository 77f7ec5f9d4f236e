"""the outbox keeps each email as it was sent

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:00:00

A reminder's bodies and .ics are rendered when it is claimed for sending and were kept nowhere,
so nobody could say what a convener was sent. `sent_message` holds the whole message as it went
to the mail server (its headers, text and HTML parts, attachment), written with the mark "sent";
it is cleared again after `[reminders] keep_sent_days`. Rows sent before this have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("sent_message", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("sent_message")
