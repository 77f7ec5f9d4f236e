"""The fixtures pytest injects: a store on SQLite and (when reachable) PostgreSQL, the CLI, an
SMTP server, the browser. What they are built from is in tests/support/ (the seed plan and shared
moments: tests/support/seed.py; the CLI: tests/support/cli.py; PostgreSQL:
tests/support/databases.py); import it from there. The names tests imported from here before
tests/support/ existed (`X as X` below) still work, for tests written against the old place."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine

from tests.support.cli import Cli, upgraded_cli, write_config
from tests.support.cli import CliResult as CliResult
from tests.support.databases import (
    PG_ENV,
    postgres_problem,
    postgres_schema,
    upgraded_engine,
)
from tests.support.ordering import longest_first
from tests.support.processes import FAKETIME
from tests.support.pure import OPTION, PROCESSES, impure_part, refuse_processes
from tests.support.seed import IMPORT_NOW as IMPORT_NOW
from tests.support.seed import ROOT as ROOT
from tests.support.seed import SEED_ORGANISATION as SEED_ORGANISATION
from tests.support.seed import SEED_PLAN as SEED_PLAN
from tests.support.seed import SEED_TEXT as SEED_TEXT
from tests.support.seed import YEAR_OF_REMINDERS as YEAR_OF_REMINDERS
from tests.support.seed import upcoming_seed as upcoming_seed

if TYPE_CHECKING:
    from tests.support.smtp_server import SmtpServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, action="store_true", help="only the pure tests (make quick)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{PROCESSES}: the module's tests start processes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption(OPTION):
        longest_first(items)
        return
    impure = [item for item in items if impure_part(item) is not None]
    if impure:
        config.hook.pytest_deselected(items=impure)
        items[:] = [item for item in items if impure_part(item) is None]


@pytest.fixture(autouse=True)
def _pure_runs_no_process(request: pytest.FixtureRequest) -> None:
    if request.config.getoption(OPTION):
        refuse_processes(request.getfixturevalue("monkeypatch"))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    problem = postgres_problem(url)
    if problem:
        if os.environ.get("CI") and url:
            pytest.fail(problem)
        pytest.skip(problem)
    assert url is not None
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def postgres_store_url(postgres_url: str) -> Iterator[str]:
    """A fresh schema on PostgreSQL only, for what only PostgreSQL can show (row locks)."""
    with postgres_schema(postgres_url) as url:
        yield url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = upgraded_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def cli(tmp_path: Path, store_url: str) -> Cli:
    return upgraded_cli(write_config(tmp_path / "config.toml", store_url))


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    """The CLI on SQLite only, for tests about the command line rather than the store."""
    return upgraded_cli(
        write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    )


@pytest.fixture(scope="session")
def faketime() -> str:
    """The path of Debian's `faketime` (tests/support/processes.py starts processes under it)."""
    if FAKETIME is None:
        message = "faketime is not installed (tests/clients/install.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return FAKETIME


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port that records what it gets."""
    from tests.support.smtp_server import smtp_server  # imported when used: it starts threads

    with smtp_server() as server:
        yield server


@pytest.fixture(scope="session")
def _chromium() -> Iterator[object]:
    """One chromium per test worker: starting it costs most of a second of CPU, and each test
    works in contexts of its own (cookies, storage and pages apart), closed after it."""
    from tests.support.browser import chromium

    with chromium() as instance:
        yield instance


@pytest.fixture
def browser(_chromium: Any) -> Iterator[object]:
    """Debian's chromium through Playwright (tests/support/browser.py); skipped where it is
    missing. What a test leaves open (a context, a page made with `new_page`) is closed after it,
    so the next test starts with nothing of this one's."""
    yield _chromium
    for context in list(_chromium.contexts):
        context.close()
