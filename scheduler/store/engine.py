"""Engines and migrations. Every command opens the store through `open_store`, which brings the
schema to the newest Alembic revision first, so a fresh database and an old one both just work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, OperationalError

from scheduler.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parents[2] / "db" / "migrations"


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


def migrate(engine: Engine) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise ConfigError(
            f"Databasen {engine.url.render_as_string(hide_password=True)} går inte att nå: "
            f"{exc.orig}"
        ) from None


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration this code knows (a process started on
    an older database, or the other way round, is not)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def open_store(url: str) -> Engine:
    engine = create_store_engine(url)
    migrate(engine)
    return engine
