"""One district's long write never makes another district's request fail: while a lock is held
(SQLite's write lock by `BEGIN IMMEDIATE` on the same file; on PostgreSQL a table lock and the
schedule's advisory lock, as an import holds), Norrmalm's workspace posts wait the configured
`database.busy_timeout_seconds` and are answered 503 with Retry-After and a Swedish page, never
a 500, with nothing stored; once the lock is gone the same posts succeed. The CLI says "upptagen"
with exit code 75. Real uvicorn over HTTP, real SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from scheduler.commands.context import Context
from scheduler.plan.files import write_plan
from scheduler.store.engine import SCHEDULE_LOCK, normalise_url
from scheduler.web.app import create_app
from tests.support.cli import Cli
from tests.support.districts import KUNGSHOLMEN, NORRMALM, norrmalm_plan, write_two_district_config
from tests.support.helpers import Clock, free_port
from tests.support.live_server import serving
from tests.support.seed import IMPORT_NOW, SEED_PLAN
from tests.support.workspace_fixture import START, page_token, workspace_of
from tests.test_plan_budget import contents, sign_in

# Short, so that the test's requests give up soon; a deployment waits longer (the default).
BUSY_SECONDS = 0.5
BUSY_PAGE = "Databasen är upptagen just nu"


def _installation(tmp_path: Path, store_url: str) -> tuple[Path, Cli]:
    """Kungsholmen and Norrmalm, both plans imported, an account for Norrmalm's coordinator;
    the config waits BUSY_SECONDS for a lock."""
    config = write_two_district_config(tmp_path, store_url)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            f'url = "{store_url}"\n',
            f'url = "{store_url}"\nbusy_timeout_seconds = {BUSY_SECONDS}\n',
        ),
        encoding="utf-8",
    )
    workspace = workspace_of(config)
    assert workspace.config.database.busy_timeout_seconds == BUSY_SECONDS
    write_plan(norrmalm_plan(), tmp_path / "norrmalm-2024.toml")
    for plan_file in (SEED_PLAN, tmp_path / "norrmalm-2024.toml"):
        imported = workspace.cli("import", str(plan_file), "--now", IMPORT_NOW)
        assert imported.code == 0, imported.err
    workspace.add_account("nora", "norrmalm")
    workspace.engine.dispose()
    return config, workspace.cli


@contextmanager
def held(store_url: str) -> Iterator[None]:
    """Another process's long write, held while the block runs: SQLite's write lock; on
    PostgreSQL a lock on the links' table that lets reads through (as SQLite's does) and the
    schedule's advisory lock that an import holds."""
    if store_url.startswith("sqlite"):
        locker = sqlite3.connect(store_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        return
    engine = create_engine(normalise_url(store_url))
    try:
        with engine.connect() as connection:
            connection.execute(text("LOCK TABLE feed_token IN EXCLUSIVE MODE"))
            connection.execute(
                text("select pg_advisory_xact_lock(hashtext(current_schema() || :name))"),
                {"name": SCHEDULE_LOCK},
            )
            try:
                yield
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def _busy(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:500])
    assert response.headers["retry-after"] == "1"  # the busy timeout, in whole seconds
    page = re.sub(r"\s+", " ", response.text)
    assert BUSY_PAGE in page and "Försök igen om en stund" in page
    assert "OperationalError" not in page and "locked" not in page


def test_another_districts_posts_get_503_while_the_database_is_busy_and_succeed_after(
    tmp_path: Path, store_url: str
) -> None:
    config, _cli = _installation(tmp_path, store_url)
    # The engine as `scheduler serve` opens it: the config's busy timeout.
    context = Context(str(config))
    engine, settings = context.engine, context.settings
    port = free_port()
    app = create_app(engine, settings, clock=Clock(START))
    norrmalm_plan_file = (tmp_path / "norrmalm-2024.toml").read_bytes()
    try:
        with serving(app, port) as base, httpx.Client(base_url=base, timeout=60) as http:
            assert sign_in(http, "nora").status_code == 303
            link = {"csrf": page_token(http.get("/lankar")), "mottagare": "Polisen Norrmalm"}
            upload = {"csrf": page_token(http.get("/plan"))}
            files = {"fil": ("norrmalm.toml", norrmalm_plan_file, "application/octet-stream")}
            before = contents(store_url)
            with held(store_url):
                # A link (a plain insert) and a plan upload (the schedule's write transaction).
                _busy(http.post("/lankar", data=link))
                _busy(http.post("/plan", data=upload, files=files))
                # Reading is not held up on either database.
                assert http.get("/plan").status_code == 200
            assert contents(store_url) == before
            created = http.post("/lankar", data=link)
            assert created.status_code == 200 and "Ny länk för Polisen Norrmalm" in created.text
            uploaded = http.post("/plan", data=upload, files=files)
            assert uploaded.status_code == 200
            assert f"Planen {NORRMALM} 2024 är redan importerad" in uploaded.text
    finally:
        engine.dispose()


def test_the_cli_says_busy_with_its_own_exit_code(tmp_path: Path, store_url: str) -> None:
    _config, cli = _installation(tmp_path, store_url)
    before = contents(store_url)
    with held(store_url):
        link = cli("--organisation", "norrmalm", "feeds", "create", "Polisen")
        imported = cli("import", str(SEED_PLAN), "--now", "2024-03-13T08:00", "--force")
    for result in (link, imported):
        assert result.code == 75, (result.code, result.err)
        assert result.err.startswith("Fel: databasen är upptagen just nu"), result.err
        assert "försök igen om en stund" in result.err
        assert "Traceback" not in result.err
    assert contents(store_url) == before
    assert cli("--organisation", "norrmalm", "feeds", "create", "Polisen").code == 0
    assert KUNGSHOLMEN  # the other district, whose import the lock stands for


def test_a_postgresql_serialization_failure_is_busy_too(postgres_store_url: str) -> None:
    """Two serializable transactions that each count the links and add one (write skew): the
    second to commit fails with serialization_failure, which the store calls busy."""
    from sqlalchemy import Connection
    from sqlalchemy.exc import OperationalError

    from scheduler.base.errors import StoreBusyError
    from scheduler.store.engine import busy_error, is_busy, upgrade_store

    engine = upgrade_store(postgres_store_url)[0]
    serializable = engine.execution_options(isolation_level="SERIALIZABLE")

    def add_link(connection: Connection, audience: str) -> None:
        connection.execute(text("select count(*) from feed_token where organisation = 'X'"))
        connection.execute(
            text("insert into feed_token (token_hash, audience, scope, organisation, created_at) "
                 "values (:hash, :audience, '', 'X', :at)"),
            {"hash": audience * 8, "audience": audience, "at": START},
        )  # fmt: skip

    try:
        with serializable.connect() as first, serializable.connect() as second:
            add_link(first, "a")
            add_link(second, "b")
            first.commit()
            try:
                second.commit()
            except OperationalError as exc:
                failure: OperationalError | None = exc
            else:
                failure = None
        assert failure is not None, "the second commit should have failed"
        assert is_busy(failure)
        told = busy_error(failure)
        assert isinstance(told, StoreBusyError) and told.exit_code == 75
    finally:
        engine.dispose()
