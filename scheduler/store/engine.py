"""Engines and migrations. Every command opens the store through `open_store`, which brings the
schema to the newest Alembic revision first, so a fresh database and an old one both just work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from scheduler.errors import ConfigError, StoreError

# Where the store functions run: on their own (an Engine: each opens and commits its own
# transaction) or inside a caller's transaction (a Connection: the caller commits once).
Bind = Engine | Connection

# PostgreSQL advisory lock names, hashed with the schema so that schemas on one server (the tests)
# do not wait for each other.
MIGRATION_LOCK = "scheduler:migrate"
SCHEDULE_LOCK = "scheduler:schedule"

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


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _detail(exc: DBAPIError) -> str:
    text = str(exc.orig if exc.orig is not None else exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def store_problem(engine: Engine, exc: DBAPIError) -> StoreError | None:
    """A driver error that says the database cannot be used as configured, in Swedish; None for
    one that says something else (a programming error, which must not be dressed up)."""
    detail = _detail(exc)
    lowered = detail.lower()
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        what = "är skrivskyddad: ge programmet skrivrätt till filen och dess mapp"
    elif "not a database" in lowered or "malformed" in lowered:
        what = "är ingen databas (fel fil i database.url?)"
    elif "database is locked" in lowered:
        what = "är låst av en annan process som skriver; försök igen om en stund"
    elif "unable to open" in lowered:
        what = "går inte att öppna: finns mappen, och får programmet skriva där?"
    elif isinstance(exc, OperationalError):
        what = "går inte att nå"
    else:
        return None
    return StoreError(f"databasen {_where(engine)} {what} ({detail})")


@contextmanager
def locked_transaction(engine: Engine, lock: str) -> Iterator[Connection]:
    """One transaction that holds a write lock from its first statement to its commit, so two
    processes doing the same work run one after the other, the second seeing the first's result.

    SQLite: BEGIN IMMEDIATE takes the database's write lock at once (the busy timeout waits for
    it). PostgreSQL: a transaction-level advisory lock named `lock`, released by commit or
    rollback. Anything raised inside rolls the whole transaction back."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # pysqlite begins lazily and never before DDL; an explicit BEGIN makes the whole
            # block, DDL included, one transaction holding the write lock.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            connection.execute(
                text("select pg_advisory_xact_lock(hashtext(current_schema() || :name))"),
                {"name": lock},
            )
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


@contextmanager
def write_transaction(engine: Engine, *, lock: str = SCHEDULE_LOCK) -> Iterator[Connection]:
    """`locked_transaction`, with the driver errors a user can cause (a read-only or foreign
    file, a conflict the readers did not catch) as one Swedish message; nothing is stored."""
    try:
        with locked_transaction(engine, lock) as connection:
            yield connection
    except IntegrityError as exc:
        raise StoreError(
            f"det som skulle sparas krockar med det som redan finns i databasen ({_detail(exc)}); "
            "inget ändrades"
        ) from None
    except DBAPIError as exc:
        problem = store_problem(engine, exc)
        if problem is None:
            raise
        raise problem from None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision. Under a lock: processes starting together on a
    new database would otherwise all see no tables and all create them."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        if _is_current(engine, config):
            return  # the usual case: no write lock, so a long import does not hold up a reader
        with locked_transaction(engine, MIGRATION_LOCK) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except DBAPIError as exc:
        problem = store_problem(engine, exc)
        if problem is None:
            raise
        raise problem from None


def _is_current(engine: Engine, config: AlembicConfig) -> bool:
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


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
