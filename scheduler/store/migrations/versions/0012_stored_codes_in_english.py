"""stored codes in English: a plan's state as a code; a reminder's days ahead in a column

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:30:00

A plan's state was stored as the Swedish word users read ("utkast", "inlämnad", "uppföljd");
it is now a stable English code ("draft", "handed_in", "followed_up": `PlanState` in
scheduler/model/stored.py), and the words come from scheduler/model/display_words.py.

A reminder ahead of a meeting or a task had its days ahead inside its kind ("meeting-14d",
"task-0d"), read back with a regular expression; the kind is now a code ("meeting-reminder",
"task-reminder": `MailKind` in scheduler/model/mail.py) and the days are in `outbox.lead_days`.
The rows' keys keep the old form, so a reminder stored before is never planned twice.

The values are written here as they were then, not imported: a migration stays as it was run.
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
# A reminder ahead's kind before this revision: what it reminds of and the days ahead.
OLD_LEAD_KIND = re.compile(r"^(meeting|task)-(\d+)d$")
LEAD_KIND_CODES = {"meeting": "meeting-reminder", "task": "task-reminder"}


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


def _kinds() -> list[str]:
    return list(op.get_bind().exec_driver_sql("SELECT DISTINCT kind FROM outbox").scalars())


def _split_lead_kinds() -> None:
    op.add_column("outbox", sa.Column("lead_days", sa.Integer(), nullable=True))
    for kind in _kinds():  # a few distinct kinds, however many rows
        old = OLD_LEAD_KIND.match(kind)
        if old:
            op.execute(
                sa.text(
                    "UPDATE outbox SET kind = :code, lead_days = :days WHERE kind = :kind"
                ).bindparams(code=LEAD_KIND_CODES[old[1]], days=int(old[2]), kind=kind)
            )


def _join_lead_kinds() -> None:
    found = op.get_bind().exec_driver_sql(
        "SELECT DISTINCT kind, lead_days FROM outbox WHERE lead_days IS NOT NULL"
    )
    what_of = {code: what for what, code in LEAD_KIND_CODES.items()}
    for code, days in list(found):
        op.execute(
            sa.text(
                "UPDATE outbox SET kind = :kind WHERE kind = :code AND lead_days = :days"
            ).bindparams(kind=f"{what_of[code]}-{days}d", code=code, days=days)
        )
    op.drop_column("outbox", "lead_days")


def upgrade() -> None:
    _rename_states(STATE_CODES, "draft")
    _split_lead_kinds()


def downgrade() -> None:
    _join_lead_kinds()
    _rename_states({code: word for word, code in STATE_CODES.items()}, "utkast")
