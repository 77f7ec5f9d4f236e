"""`scheduler db upgrade`: the one command that changes the database schema."""

from __future__ import annotations

import argparse
from typing import Any

from scheduler.commands.context import Context


def cmd_upgrade(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.store.engine import upgrade_store

    database = ctx.settings.database
    engine, before, after = upgrade_store(database.url,
                                          busy_timeout_seconds=database.busy_timeout_seconds)  # fmt: skip
    engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        ctx.print(f"Databasen {where} är redan uppgraderad (schemaversion {after}).")
    else:
        ctx.print(f"Databasen {where} uppgraderad: schemaversion {before or 'tom'} → {after}.")
    return 0


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="databasen: upgrade")
    actions = db.add_subparsers(dest="action", metavar="ÅTGÄRD", required=True)
    sub = actions.add_parser(
        "upgrade", help="uppgradera databasens schema till den senaste versionen"
    )
    sub.set_defaults(run=cmd_upgrade)
