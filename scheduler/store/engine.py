"""Engines, transactions and migrations.

Only `scheduler db upgrade` changes the schema (`upgrade_store`), one process at a time, under the
same write lock as imports (SQLite's own, a PostgreSQL advisory lock). Every other command opens
the store with `open_store`, which only checks that the schema is the one this code expects and
says what to run when it is not: a read-only command or a cron pass never migrates, and several
web processes starting together never race on the schema.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from scheduler.base.errors import ConfigError, StoreBusyError, StoreError, StoreNotReadyError
from scheduler.settings.model import DEFAULT_BUSY_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Where the store functions run: on their own (an Engine: each opens and commits its own
# transaction) or inside a caller's transaction (a Connection: the caller commits once).
Bind = Engine | Connection


@contextmanager
def transaction_of(bind: Bind) -> Iterator[Connection]:
    """A connection to write with, in the transaction an ORM `Session(bind)` with
    `session.begin()` would use, for store functions written with Core statements.

    An Engine: a transaction of its own, committed at the end. A Connection in a transaction
    (the caller's `write_transaction`): that transaction, which the caller commits, and which an
    error rolls back (as the Session's did); in a savepoint, a savepoint of its own. A
    Connection not in a transaction: one of its own, committed at the end."""
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            yield connection
    elif bind.in_nested_transaction():
        with bind.begin_nested():
            yield bind
    elif bind.in_transaction():
        try:
            yield bind
        except BaseException:
            bind.rollback()
            raise
    else:
        with bind.begin():
            yield bind


@contextmanager
def connection_of(bind: Bind) -> Iterator[Connection]:
    """A connection to read with: the caller's, or one of the engine's for the reads."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            yield connection
    else:
        yield bind


# PostgreSQL advisory lock names, hashed with the schema so that schemas on one server (the tests)
# do not wait for each other.
MIGRATION_LOCK = "scheduler:migrate"
SCHEDULE_LOCK = "scheduler:schedule"

# Package data: a normal (not editable) install has the migrations too.
MIGRATIONS = str(files("scheduler.store") / "migrations")


def normalise_url(url: str) -> str:
    """Plain postgresql:// URLs use psycopg 3, the driver this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# How long a statement waits for a lock another process holds: `database.busy_timeout_seconds`;
# what opens a store without the settings (the tests, the benchmarks) waits its default.
BUSY_TIMEOUT_SECONDS: Final = DEFAULT_BUSY_TIMEOUT_SECONDS


def create_store_engine(url: str, *, busy_timeout_seconds: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine whose statements wait up to `busy_timeout_seconds` for a lock another process
    holds (SQLite's busy timeout, PostgreSQL's lock_timeout), then fail as `is_busy` tells: several
    processes (web, dispatcher, CLI) share one database, and one's long write must make the
    others wait a little, not fail at once, nor wait for as long as it runs."""
    url = normalise_url(url)
    milliseconds = max(1, round(busy_timeout_seconds * 1000))
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:" and url.startswith("sqlite:///"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": busy_timeout_seconds}
    try:
        engine = create_engine(url, **options)
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"Ogiltig databas-URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(milliseconds))
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_lock_timeout(milliseconds))
    return engine


def _sqlite_pragmas(busy_milliseconds: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_milliseconds}")
        cursor.close()

    return on_connect


def _postgres_lock_timeout(milliseconds: int) -> Callable[[Any, Any], None]:
    """Every connection's lock_timeout: a statement waiting longer for a lock (a row, a table,
    the schedule's advisory lock) fails with lock_not_available (`is_busy`)."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # psycopg opens a transaction for a SET: committed at once, so it holds for the session.
        _execute_alone(dbapi_connection, f"SET lock_timeout = {milliseconds}", commit=True)

    return on_connect


# SQLSTATEs of PostgreSQL that mean another transaction was in the way, and the same work may
# succeed when tried again: lock_not_available (lock_timeout ran out), serialization_failure,
# deadlock_detected.
_BUSY_SQLSTATES: Final = frozenset({"55P03", "40001", "40P01"})
# SQLite's primary result codes for the same: the database file, or a table, is locked.
_BUSY_SQLITE_CODES: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_busy(exc: BaseException) -> bool:
    """Whether an error says the database was busy with another process's work (a lock held
    longer than the busy timeout, a serialization failure, a deadlock): nothing was done, and the
    same request may succeed in a moment. The one place that reads the drivers' error codes, so
    the web and the CLI need not."""
    if isinstance(exc, StoreBusyError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    driver = exc.orig
    sqlite_code = getattr(driver, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return sqlite_code & 0xFF in _BUSY_SQLITE_CODES  # an extended code's low byte: its primary
    return getattr(driver, "sqlstate", None) in _BUSY_SQLSTATES


def busy_error(exc: BaseException) -> StoreBusyError | None:
    """The Swedish error for a busy database (`is_busy`), else None."""
    if isinstance(exc, StoreBusyError):
        return exc
    if not is_busy(exc):
        return None
    return StoreBusyError(BUSY_MESSAGE)


BUSY_MESSAGE: Final = (
    "databasen är upptagen just nu: en annan process håller den längre än "
    "database.busy_timeout_seconds. Inget ändrades; försök igen om en stund"
)


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _detail(exc: DBAPIError) -> str:
    text = str(exc.orig if exc.orig is not None else exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def store_problem(engine: Engine, exc: DBAPIError) -> StoreError | None:
    """A driver error that says the database cannot be used as configured, in Swedish; None for
    one that says something else (a programming error, which must not be dressed up)."""
    if is_busy(exc):
        return StoreBusyError(f"{BUSY_MESSAGE} ({_detail(exc)})")
    detail = _detail(exc)
    lowered = detail.lower()
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        what = "är skrivskyddad: ge programmet skrivrätt till filen och dess mapp"
    elif "not a database" in lowered or "malformed" in lowered:
        what = "är ingen databas (fel fil i database.url?)"
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
        with _usable(engine), locked_transaction(engine, lock) as connection:
            yield connection
    except IntegrityError as exc:
        raise StoreError(
            f"det som skulle sparas krockar med det som redan finns i databasen ({_detail(exc)}); "
            "inget ändrades"
        ) from None


@contextmanager
def durable_at_the_end(engine: Engine) -> Iterator[None]:
    """Many transactions in a row (one per file of `scheduler import`) whose commits do not each
    wait for the disk, made durable together when the block ends.

    Each commit is still atomic and isolated (what another process reads is whole); only a power
    cut or an OS crash during the block can lose the last commits, never leave one half done,
    and the block does not end (the command does not report success) before all are on disk.
    SQLite in WAL mode: `synchronous=NORMAL` and checkpoints ten times further apart on the
    connections taken during the block (as before when they go back to the pool), then the WAL
    file, which holds every commit not yet checkpointed, synced. PostgreSQL:
    `synchronous_commit = off` likewise, then one transaction that commits with an id and waits
    for the WAL to be flushed up to it, which includes every earlier commit. An fsync per plan
    was a fifth of importing 300 plans.

    On PostgreSQL each setting is a round trip and a commit of its own, and an import takes a
    connection three times per file (roles, secret, the write): setting it at every checkout and
    back at every checkin was twelve round trips per file, more than the file's own writes. So
    a connection is relaxed once, at its first checkout in the block (its pool entry remembers),
    and at the end the pool is emptied (`Engine.dispose`) instead of each connection set back:
    the next connection is a new one, strict as the server's default. A connection still
    checked out then is no longer the pool's and is closed, not reused, when given back."""
    dialect = engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        yield
        return
    relaxed, strict = (
        (("PRAGMA synchronous=NORMAL", f"PRAGMA wal_autocheckpoint={_WAL_PAGES_DURING_BLOCK}"),
         ("PRAGMA synchronous=FULL", f"PRAGMA wal_autocheckpoint={_WAL_PAGES}"))
        if dialect == "sqlite"
        else (("SET synchronous_commit = off",), ("SET synchronous_commit = on",))
    )  # fmt: skip

    # psycopg opens a transaction for a SET: it is committed at once (sqlite3 opens none).
    commit = dialect == "postgresql"

    # PostgreSQL: relaxed once per connection, the pool emptied at the end (see above).
    once = dialect == "postgresql"

    def relax(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if once:
            if record.info.get(_RELAXED) is block:
                return
            record.info[_RELAXED] = block
        for statement in relaxed:
            _execute_alone(dbapi_connection, statement, commit=commit)

    def restore(dbapi_connection: Any, _record: Any) -> None:
        for statement in strict:
            _execute_alone(dbapi_connection, statement, commit=commit)

    block = object()  # this block's mark on the connections it relaxed
    event.listen(engine, "checkout", relax)
    if not once:
        event.listen(engine, "checkin", restore)
    completed = False
    try:
        yield
        completed = True
    finally:
        event.remove(engine, "checkout", relax)
        if once:
            engine.dispose()  # the relaxed connections closed, not handed out again
        else:
            event.remove(engine, "checkin", restore)
        if completed:
            _make_durable(engine)
        else:
            # Stopped part-way (Ctrl-C, an unexpected error): what was committed is made durable
            # all the same, and the error in flight is what the user is told, not one from this.
            with suppress(Exception):
                _make_durable(engine)


# SQLite copies the WAL into the database (a checkpoint, which syncs both files) when a commit
# leaves more than this many pages in it: its default, and during `durable_at_the_end` ten times
# that (about 40 MB). 300 plans imported checkpointed every few files, and the commits spent
# half their time there (an index page rewritten by each file is copied each time); with none
# at all during the block the WAL grew to ten times the database (half a gigabyte), which every
# reader then searches.
_WAL_PAGES = 1000
_RELAXED: Final = "scheduler.relaxed_by"  # a pool entry's info: the block that relaxed it
_WAL_PAGES_DURING_BLOCK = 10_000


def _execute_alone(dbapi_connection: Any, statement: str, *, commit: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()
    if commit:
        dbapi_connection.commit()


def _make_durable(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        wal = Path(f"{database}-wal") if database and database != ":memory:" else None
        if wal is not None and wal.exists():
            descriptor = os.open(wal, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        return
    with engine.begin() as connection:  # synchronous_commit is on again for this one
        connection.execute(text("select pg_current_xact_id()"))


UPGRADE_HINT = "Kör «scheduler db upgrade»."
UPGRADE_ATTEMPTS = 3


# The newest migration in MIGRATIONS, written here so that opening the store (every command,
# every cron pass) needs no Alembic: importing it took a tenth of a second. A test holds it to
# what Alembic reads from the migration scripts.
HEAD_REVISION = "0016"
VERSION_TABLE = "alembic_version"  # Alembic's, where it records the revision


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    return HEAD_REVISION


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for an empty database."""
    with _usable(engine), engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    """What Alembic's MigrationContext.get_current_revision reads, read without Alembic."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(text(f"select version_num from {VERSION_TABLE}")).scalars().all()
    if len(found) > 1:
        raise StoreError(f"databasen {_where(connection.engine)} har flera schemaversioner: "
                         f"{', '.join(found)}")  # fmt: skip
    return found[0] if found else None


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration this code knows (for /healthz: a process
    started on an older database, or the other way round, is not)."""
    return current_revision(engine) == head_revision()


def upgrade_store(
    url: str, *, busy_timeout_seconds: float = BUSY_TIMEOUT_SECONDS
) -> tuple[Engine, str | None, str]:
    """Bring the schema to the newest revision, one process at a time.

    Returns the engine and the revisions before and after. Safe to run any number of times and
    from any number of processes at once: the others wait for the lock and find nothing to do.
    """
    from alembic import command

    engine = create_store_engine(url, busy_timeout_seconds=busy_timeout_seconds)
    config = _alembic_config()
    for attempt in range(1, UPGRADE_ATTEMPTS + 1):
        try:
            with _usable(engine), locked_transaction(engine, MIGRATION_LOCK) as connection:
                before = _revision(connection)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            break
        except StoreError as exc:
            # A new SQLite file opened by several processes at once answered one of them
            # "locked" once, on a busy CI machine (four processes upgrading together; the cause
            # is not known: the switch to WAL and WAL recovery can refuse without the busy
            # timeout). The upgrade is one transaction, so it is tried again; the others' work
            # is then found done.
            if (
                engine.dialect.name != "sqlite"
                or not isinstance(exc, StoreBusyError)
                or attempt == UPGRADE_ATTEMPTS
            ):
                raise
            engine.dispose()
            time.sleep(0.2 * attempt)
    return engine, before, head_revision()


def open_store(url: str, *, busy_timeout_seconds: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """The store, after checking that its schema is the one this code expects."""
    engine = create_store_engine(url, busy_timeout_seconds=busy_timeout_seconds)
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = _where(engine)
        engine.dispose()
        if current is None:
            raise StoreNotReadyError(f"Databasen {where} är tom. {UPGRADE_HINT}")
        raise StoreNotReadyError(
            f"Databasen {where} har schemaversion {current}, men programmet behöver {head}. "
            f"{UPGRADE_HINT}"
        )
    return engine


@contextmanager
def _usable(engine: Engine) -> Iterator[None]:
    """Driver errors that say the database cannot be used as configured, as one Swedish line."""
    try:
        yield
    except DBAPIError as exc:
        problem = store_problem(engine, exc)
        if problem is None:
            raise
        raise problem from None
