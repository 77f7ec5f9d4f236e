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

import re

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
    if op.get_bind().dialect.name == "sqlite":
        _set_sqlite_default(default)
    else:
        op.alter_column("plan", "state", existing_type=sa.Text(), server_default=default)


def _set_sqlite_default(default: str) -> None:
    """The column's DEFAULT in SQLite's stored schema, by the procedure SQLite documents for
    changing a default (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of
    Table Schema Changes"): the table's text is changed in place and the schema version bumped.

    Not Alembic's batch mode: it copies the table and drops the old one, and with the foreign
    keys on (every connection turns them on, and the migration runs in a transaction, where the
    pragma cannot be turned off) dropping `plan` deletes every measure and occurrence with it."""
    connection = op.get_bind()
    found = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'plan'"
    ).scalar_one()
    column = re.compile(r"(\bstate\s+TEXT\s+DEFAULT\s+)(?:'[^']*'|\('[^']*'\))")
    if len(column.findall(found)) != 1:
        raise RuntimeError("plan.state is not declared as migration 0008 made it")
    changed = column.sub(lambda match: f"{match[1]}'{default}'", found)
    version = int(connection.exec_driver_sql("PRAGMA schema_version").scalar_one())
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'plan'"),
        {"sql": changed},
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _rename_states(STATE_CODES, "draft")


def downgrade() -> None:
    _rename_states({code: word for word, code in STATE_CODES.items()}, "utkast")
