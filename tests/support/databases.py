"""PostgreSQL for the tests: whether it can be used, and a schema of its own per test."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from scheduler.store.engine import normalise_url, upgrade_store

PG_ENV = "SCHEDULER_TEST_DATABASE_URL"


def postgres_problem(url: str | None) -> str | None:
    """Why PostgreSQL cannot be used for the tests, or None when it can."""
    if not url:
        return f"PostgreSQL skipped: {PG_ENV} is not set (.ci/run sets it)"
    try:
        with create_engine(normalise_url(url)).connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # any failure to connect means: not reachable
        return f"PostgreSQL skipped: {url} is not reachable ({exc.__class__.__name__})"
    return None


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL whose connections use a schema of their own on the PostgreSQL server."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(base))
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        # Named after the schema, so the connections a test leaves in its engines' pools can be
        # closed when it ends: the server's max_connections is shared by every test worker.
        yield f"{base}{separator}options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(
                text("select pg_terminate_backend(pid) from pg_stat_activity "
                     "where application_name = :name and pid <> pg_backend_pid()"),
                {"name": schema},
            )  # fmt: skip
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


# A database at the newest schema, made once per test process and copied for each test that
# needs one: running the sixteen migrations is a tenth of a second of CPU, a copy a millisecond.
# The migrations themselves are tested from an empty database (tests/test_startup.py,
# tests/test_old_links.py, tests/test_stored_codes.py), and the copy is what they made.
_migrated_sqlite: list[Path] = []


def migrated_sqlite_file(url: str) -> None:
    """For a SQLite file URL whose file does not exist yet: put a database at the newest schema
    there (so the upgrade that follows finds nothing to do). Any other URL is left alone."""
    if not url.startswith("sqlite:///"):
        return
    target = Path(url.removeprefix("sqlite:///"))
    if not str(target) or str(target) == ":memory:" or target.exists():
        return
    if not _migrated_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="migrated-sqlite-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # with the test process
        template = folder / "template.sqlite3"
        engine = upgrade_store(f"sqlite:///{template}")[0]
        engine.dispose()
        _migrated_sqlite.append(template)
    source = sqlite3.connect(_migrated_sqlite[0])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the pages as they are, WAL mode and schema version included
    finally:
        copy.close()
        source.close()


def upgraded_engine(url: str) -> Engine:
    """The store at `url` brought to the newest schema (a SQLite file by copying the migrated
    template, then the upgrade that finds it done), as an engine."""
    migrated_sqlite_file(url)
    return upgrade_store(url)[0]
