"""`scheduler db backup FILE`: a copy of a SQLite database taken while it is in use.

SQLite's online backup API (the standard library's `sqlite3.Connection.backup`) copies the
database page by page inside one read transaction: the copy is the database as one commit left
it, whatever the servers and cron passes write meanwhile (in WAL mode a reader never stops a
writer, so nothing waits for the copy). Copying the file with `cp` instead can catch a commit
half-way, and misses what is still in the `-wal` file.

The copy is written to a temporary file beside FILE and renamed over it only when whole, readable
by its owner only (it holds password hashes and session ids): an earlier backup of the same name
stays until the new one is complete.

PostgreSQL has its own tools for this (`pg_dump`, and the installation's base backups and WAL
archive), which also copy a live database consistently; this command names them instead of
running one (see docs/operations.md).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError, ResourceError, UsageError
from scheduler.base.files import write_atomically

POSTGRES_BACKUP = (
    "databasen är PostgreSQL: säkerhetskopiera den med PostgreSQL:s egna verktyg, t.ex. "
    "«pg_dump --format=custom --file=FIL DATABAS» (medan servrarna är igång går bra), eller med "
    "driftens basbackup och WAL-arkiv. Se «Säkerhetskopior» i docs/operations.md"
)


@dataclass(frozen=True)
class Backup:
    """What was written: the copy's path, and its size in pages and bytes."""

    path: Path
    pages: int
    size: int


def backup_database(engine: Engine, destination: Path) -> Backup:
    """Copy the store's SQLite database to `destination`, consistent as of one commit.

    UsageError for a PostgreSQL store (its own tools do this) or for a destination that is the
    database itself; NotFoundError when the database file does not exist; ResourceError when
    `destination` cannot be written (nothing is left behind then)."""
    if engine.dialect.name != "sqlite":
        raise UsageError(POSTGRES_BACKUP)
    source = _database_file(engine)
    if destination.resolve() == source.resolve():
        raise UsageError(f"«{destination}» är själva databasen; ange en annan fil för kopian.")
    pages = 0

    def copy(temporary: Path) -> None:
        nonlocal pages
        # A connection of the engine's: its busy timeout, WAL mode and the same file.
        raw = engine.raw_connection()
        try:
            database = raw.dbapi_connection
            assert isinstance(database, sqlite3.Connection)
            try:
                target = sqlite3.connect(temporary)
                try:
                    # pages=-1 (all at once): one read transaction, so one commit's state.
                    database.backup(target, pages=-1)
                    found = target.execute("PRAGMA page_count").fetchone()
                    pages = int(found[0]) if found else 0
                finally:
                    target.close()
            except sqlite3.Error as exc:  # the copy's disk full or gone: nothing is kept
                raise ResourceError(
                    f"säkerhetskopian {destination} kunde inte skrivas: {exc}"
                ) from None
        finally:
            raw.close()

    write_atomically(destination, copy, mode=0o600)
    return Backup(destination, pages, destination.stat().st_size)


def _database_file(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:":
        raise UsageError("databasen finns bara i minnet; det finns ingen fil att säkerhetskopiera.")
    path = Path(name)
    if not path.is_file():
        raise NotFoundError(
            f"Databasen {path} finns inte; det finns inget att säkerhetskopiera ännu."
        )
    return path
