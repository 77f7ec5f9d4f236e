"""PostgreSQL for the tests: whether it can be used, and a schema of its own per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from scheduler.store.engine import normalise_url

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
