"""stored codes in English: a plan's state as a code, its Swedish word only for display

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:30:00

A plan's state was stored as the Swedish word users read ("utkast", "inlämnad", "uppföljd");
it is now a stable English code ("draft", "handed_in", "followed_up": `PlanState` in
scheduler/model/stored.py), and the words come from scheduler/model/display_words.py. The
values are written here as they were then, not imported: a migration stays as it was run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Each state's stored word before this revision → its code from this revision on.
STATE_CODES = {"utkast": "draft", "inlämnad": "handed_in", "uppföljd": "followed_up"}


def _rename_states(renames: dict[str, str], default: str) -> None:
    for before, after in renames.items():
        op.execute(
            sa.text("UPDATE plan SET state = :after WHERE state = :before").bindparams(
                before=before, after=after
            )
        )
    with op.batch_alter_table("plan") as batch:
        batch.alter_column(
            "state", existing_type=sa.Text(), existing_nullable=False, server_default=default
        )


def upgrade() -> None:
    _rename_states(STATE_CODES, "draft")


def downgrade() -> None:
    _rename_states({code: word for word, code in STATE_CODES.items()}, "utkast")
