"""`scheduler db upgrade`: the one command that changes the database schema; `scheduler db
backup FILE`: a consistent copy of a SQLite database while it is in use."""

from __future__ import annotations

import argparse
from pathlib import Path
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


def cmd_backup(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.base.swedish import grouped, noun
    from scheduler.services.database import backup_database
    from scheduler.store.engine import create_store_engine

    database = ctx.settings.database
    # Not open_store: a backup is most wanted just before `db upgrade`, of an older schema.
    engine = create_store_engine(database.url, busy_timeout_seconds=database.busy_timeout_seconds)
    try:
        backup = backup_database(engine, Path(args.file))
    finally:
        engine.dispose()
    size = f"{backup.size / 1_000_000:.1f} MB".replace(".", ",")
    ctx.print(f"Säkerhetskopian {backup.path} är skriven: {size}, "
              f"{grouped(backup.pages)} {noun(backup.pages, 'sida', 'sidor')}.")  # fmt: skip
    return 0


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="databasen: upgrade, backup")
    actions = db.add_subparsers(dest="action", metavar="ÅTGÄRD", required=True)
    sub = actions.add_parser(
        "upgrade", help="uppgradera databasens schema till den senaste versionen"
    )
    sub.set_defaults(run=cmd_upgrade)
    sub = actions.add_parser(
        "backup", help="skriv en säkerhetskopia av SQLite-databasen medan den används"
    )
    sub.add_argument(
        "file", metavar="FIL", help="filen som kopian skrivs till (ersätts när den är klar)"
    )
    sub.set_defaults(run=cmd_backup)
