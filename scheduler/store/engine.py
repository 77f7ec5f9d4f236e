"""Engines and migrations.

Only `scheduler db upgrade` changes the schema (`upgrade_store`), one process at a time: under a
PostgreSQL advisory lock, or a lock file beside a SQLite database. Every other command opens the
store with `open_store`, which only checks that the schema is the one this code expects and says
what to run when it is not: a read-only command or a cron pass never migrates, and several web
processes starting together never race on the schema.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from scheduler.base.errors import ConfigError, StoreNotReadyError

MIGRATIONS = str(files("scheduler.store") / "migrations")


def normalise_url(url: str) -> str:
    """Plain postgresql:// URLs use psycopg 3, the driver this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_store_engine(url: str) -> Engine:
    url = normalise_url(url)
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:" and url.startswith("sqlite:///"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Several processes (web, dispatcher, CLI) share one file: wait for a lock, do not fail.
        options["connect_args"] = {"timeout": 30}
    try:
        engine = create_engine(url, **options)
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"Ogiltig databas-URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Any fixed 64-bit number: the key of the advisory lock every upgrading process takes.
_UPGRADE_LOCK_KEY = 0x5343484544554C45  # "SCHEDULE"
UPGRADE_HINT = "Kör «scheduler db upgrade»."


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for an empty database."""
    with _reachable(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_store(url: str) -> tuple[Engine, str | None, str]:
    """Bring the schema to the newest revision, one process at a time.

    Returns the engine and the revisions before and after. Safe to run any number of times and
    from any number of processes at once: the second waits for the first and finds nothing to do.
    """
    engine = create_store_engine(url)
    config = _alembic_config()
    with _reachable(engine), _upgrade_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held to the end of this transaction: a concurrent upgrade waits here.
            connection.execute(text("select pg_advisory_xact_lock(:key)"),
                               {"key": _UPGRADE_LOCK_KEY})  # fmt: skip
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine, before, head_revision()


def open_store(url: str) -> Engine:
    """The store, after checking that its schema is the one this code expects."""
    engine = create_store_engine(url)
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        if current is None:
            raise StoreNotReadyError(f"Databasen {where} är tom. {UPGRADE_HINT}")
        raise StoreNotReadyError(
            f"Databasen {where} har schemaversion {current}, men programmet behöver {head}. "
            f"{UPGRADE_HINT}"
        )
    return engine


@contextmanager
def _reachable(engine: Engine) -> Iterator[None]:
    try:
        yield
    except (OperationalError, DatabaseError) as exc:
        raise ConfigError(
            f"Databasen {engine.url.render_as_string(hide_password=True)} går inte att nå: "
            f"{exc.orig}"
        ) from None


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory locks: an exclusive lock on a file beside the database serialises
    upgrades between processes on this machine (the only ones that can share the file)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.upgrade-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration this code knows (for /healthz: a process
    started on an older database, or the other way round, is not)."""
    return current_revision(engine) == head_revision()
