"""Shared fixtures: a store on SQLite and (when reachable) PostgreSQL, the seed plan, the CLI."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, text

from scheduler.cli import main
from scheduler.store.engine import normalise_url, upgrade_store

if TYPE_CHECKING:
    from tests.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parents[1]
SEED_PLAN = ROOT / "db" / "seed" / "kungsholmen-2024.toml"
SEED_ORGANISATION = "Kungsholmens stadsdelsförvaltning"  # the seed plan's, and the test config's
# The real plan the project is built from, as text (a copy of shared/seed/atgardsplan-2024.txt):
# the tests carry their own fixtures and need nothing outside the repository.
SEED_TEXT = ROOT / "tests" / "data" / "atgardsplan-2024.txt"
PG_ENV = "SCHEDULER_TEST_DATABASE_URL"


def _postgres_problem(url: str | None) -> str | None:
    """Why PostgreSQL cannot be used for the tests, or None when it can."""
    if not url:
        return f"PostgreSQL skipped: {PG_ENV} is not set (.ci/run sets it)"
    try:
        with create_engine(normalise_url(url)).connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # any failure to connect means: not reachable
        return f"PostgreSQL skipped: {url} is not reachable ({exc.__class__.__name__})"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    problem = _postgres_problem(url)
    if problem:
        if os.environ.get("CI") and url:
            pytest.fail(problem)
        pytest.skip(problem)
    assert url is not None
    return url


@contextmanager
def _postgres_schema(base: str) -> Iterator[str]:
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


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    with _postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def postgres_store_url(postgres_url: str) -> Iterator[str]:
    """A fresh schema on PostgreSQL only, for what only PostgreSQL can show (row locks)."""
    with _postgres_schema(postgres_url) as url:
        yield url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = upgrade_store(store_url)[0]
    yield engine
    engine.dispose()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """Runs `scheduler …` in-process against a config file of the test's own."""

    config: Path

    def __call__(self, *argv: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--config", str(self.config), *argv])
        return CliResult(code, out.getvalue(), err.getvalue())


# Config text that plans the plan's whole year of reminders at once (the planning horizon at its
# longest, two years), for tests that look at reminders months ahead without a refresh between.
YEAR_OF_REMINDERS = "[reminders]\nhorizon_weeks = 104\n"


# When the tests' CLI imports of the 2024 plans happen (`import --now`, Swedish local time): at the
# start of the plan's year, so its reminders are ahead of the import.
IMPORT_NOW = "2024-01-08T08:00"


def upcoming_seed(folder: Path) -> tuple[Path, int]:
    """The seed plan rolled over to next year, written as a plan file in `folder`: all of its
    meetings ahead of the real now, whenever the tests run. Returns the file and its year."""
    from datetime import date

    from scheduler.plan.files import read_plan, write_plan
    from scheduler.services.refresh import rolled_over

    year = date.today().year + 1
    path = folder / f"kungsholmen-{year}.toml"
    write_plan(rolled_over(read_plan(SEED_PLAN).plan, year), path)
    return path, year


def write_config(path: Path, database_url: str, extra: str = "") -> Path:
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    base = base.replace('url = "sqlite:///db/scheduler.sqlite3"', f'url = "{database_url}"')
    path.write_text(base + "\n" + extra, encoding="utf-8")
    return path


def upgraded_cli(config: Path) -> Cli:
    """The CLI on a database brought to the newest schema, as `make run` does first."""
    cli = Cli(config)
    result = cli("db", "upgrade")
    assert result.code == 0, result.err
    return cli


@pytest.fixture
def cli(tmp_path: Path, store_url: str) -> Cli:
    return upgraded_cli(write_config(tmp_path / "config.toml", store_url))


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    """The CLI on SQLite only, for tests about the command line rather than the store."""
    return upgraded_cli(
        write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port that records what it gets."""
    from tests.smtp_server import smtp_server  # it imports this module: imported when used

    with smtp_server() as server:
        yield server


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's chromium through Playwright (tests/browser.py); skipped where it is missing."""
    from tests.browser import chromium

    with chromium() as instance:
        yield instance
