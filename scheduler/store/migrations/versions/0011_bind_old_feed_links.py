"""bind old feed links to their organisation, and count every change of the feed links

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 00:00:00

A link made before there could be several organisations holds organisation "". Until now it was
served as "the installation's first organisation", which is whichever district config.toml lists
first: reorder the file and its subscribers get another district's calendar. Here each such link
is bound for good to the one organisation the database itself names:
- the organisation of every plan stored when the link was made (a link is made for a plan, so
  those are the plans it was made to show), when they are of one organisation;
- else, when no plan was stored then, the organisation of every plan stored now, when there is one.
A link the database cannot place (plans of several organisations already stored when it was made)
stays "": the server refuses it with a page saying that it is from before the districts and that
a new link must be made. Nothing resolves "" through config.toml any more.

Triggers on `feed_token` tell every server of a change to the links, whoever writes it (this
program, an older one, SQL typed by hand), so a link revoked by any process is refused by every
server at once (scheduler/store/feed_token_changes.py). On SQLite they count the changes in the
one row of `feed_token_change`, which a server reads only when the database says something was
committed (`PRAGMA data_version`); SQLite lets one writer in at a time anyway. On PostgreSQL the
trigger only notifies (channel `feed_token_changed`, payload the schema) and locks no row, so two
processes writing links never wait for each other; the row stays at 0 there. SQLite drops a
table's triggers when a batch migration copies the table: a later migration that alters
`feed_token` that way must create them again (`create_triggers`).
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHANNEL = "feed_token_changed"


def upgrade() -> None:
    op.create_table(
        "feed_token_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("insert into feed_token_change (id, changes) values (1, 0)")
    bind_old_links(op.get_bind())
    create_triggers(op.get_bind().dialect.name)


def bind_old_links(connection: sa.Connection) -> None:
    """Each link with organisation "" bound to the one organisation the stored plans name."""
    unbound = connection.execute(
        sa.text("select id from feed_token where organisation = ''")
    ).scalars().all()  # fmt: skip
    if not unbound:
        return
    then: dict[int, set[str]] = defaultdict(set)
    for token_id, organisation in connection.execute(sa.text(
        "select t.id, p.organisation from feed_token t join plan p on p.created_at <= t.created_at "
        "where t.organisation = '' group by t.id, p.organisation"
    )):  # fmt: skip
        then[token_id].add(organisation)
    now = set(connection.execute(sa.text("select distinct organisation from plan")).scalars())
    for token_id in unbound:
        candidates = then.get(token_id) or now
        if len(candidates) == 1:
            connection.execute(
                sa.text("update feed_token set organisation = :organisation where id = :id"),
                {"organisation": next(iter(candidates)), "id": token_id},
            )


def create_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        # The payload is the trigger's own schema, so that listeners on other schemas of the
        # server (the tests) can tell theirs. Delivered at commit, and only then.
        op.execute(f"""
            create function feed_token_changed() returns trigger language plpgsql as $$
            begin
                perform pg_notify('{CHANNEL}', tg_table_schema);
                return null;
            end $$
        """)  # fmt: skip
        op.execute(
            "create trigger feed_token_changed after insert or update or delete on feed_token "
            "for each statement execute function feed_token_changed()"
        )
        return
    for event in ("insert", "update", "delete"):
        op.execute(
            f"create trigger feed_token_changed_{event} after {event} on feed_token begin "
            "update feed_token_change set changes = changes + 1 where id = 1; end"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("drop trigger feed_token_changed on feed_token")
        op.execute("drop function feed_token_changed()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"drop trigger feed_token_changed_{event}")
    op.drop_table("feed_token_change")
