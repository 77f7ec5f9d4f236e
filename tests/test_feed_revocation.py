"""A link revoked from the command line is refused by every running server at its very next
request: no waiting, no clock moved, however long `feeds.recheck_seconds` is.

Two real `scheduler serve` processes on one database (SQLite file, PostgreSQL schema), with
`recheck_seconds = 3600`, serve a link's feed (200, then 304 from the answer each has prepared);
`scheduler feeds revoke` runs as a process of its own; the next request to each server is a 404,
a conditional one too (never a 304 from what was prepared), and the subscribe page with it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from scheduler.store.engine import normalise_url
from scheduler.store.feed_token_changes import LISTEN
from tests.support.cli import Cli, upgraded_cli, write_config
from tests.support.helpers import free_port, poll_until
from tests.support.seed import ROOT, SEED_PLAN

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

SETTINGS = '[feeds]\nrecheck_seconds = 3600\n\n[email]\noutbox_dir = "{outbox}"\n'


@pytest.fixture
def cli(tmp_path: Path, store_url: str) -> Cli:
    extra = SETTINGS.format(outbox=tmp_path / "outbox")
    cli = upgraded_cli(write_config(tmp_path / "config.toml", store_url, extra=extra))
    imported = cli("import", str(SEED_PLAN))
    assert imported.code == 0, imported.err
    return cli


def scheduler(config: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real command line, as a process of its own."""
    return subprocess.run([sys.executable, "-m", "scheduler", "--config", str(config), *argv],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)  # fmt: skip


@contextmanager
def serve(config: Path) -> Iterator[str]:
    """`scheduler serve` as a process of its own, until the block ends."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def listening() -> bool:
        assert server.poll() is None, "the server ended"
        try:
            return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    try:
        poll_until(listening, timeout=60)  # the one wait a test cannot avoid: a process starting
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def new_link(config: Path) -> tuple[int, str]:
    made = scheduler(config, "feeds", "create", "SSP-gruppen")
    assert made.returncode == 0, made.stderr
    number = re.search(r"Kalenderlänk (\d+) för", made.stdout)
    token = re.search(r"/feeds/([A-Za-z0-9_-]+)/", made.stdout)
    assert number and token, made.stdout
    return int(number[1]), token[1]


def served_and_prepared(base: str, token: str) -> str:
    """The feed fetched until each answer comes from what the server prepared: its ETag."""
    url = f"{base}/feeds/{token}/plan.ics"
    first = httpx.get(url)
    assert first.status_code == 200 and first.text.startswith("BEGIN:VCALENDAR")
    again = httpx.get(url)
    assert again.status_code == 200 and again.content == first.content
    etag = again.headers["etag"]
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    return etag


def refused_everywhere(bases: list[str], token: str, etag: str) -> None:
    for base in bases:
        url = f"{base}/feeds/{token}/plan.ics"
        assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 404
        assert httpx.get(url).status_code == 404
        assert httpx.head(url).status_code == 404
        assert httpx.get(f"{base}/feeds/{token}/atgard-ssp.ics").status_code == 404
        assert httpx.get(f"{base}/feeds/{token}/").status_code == 404


def test_a_link_revoked_from_the_command_line_is_refused_by_every_server_at_once(
    cli: Cli, store_url: str
) -> None:
    """On PostgreSQL the same servers go on to lose their LISTEN connection, ended by the
    database (a restart, a proxy): a revocation while it is gone is not missed either (one pair
    of servers for both, rather than starting another)."""
    number, token = new_link(cli.config)
    kept_number, kept = new_link(cli.config)
    with ExitStack() as servers:
        bases = [servers.enter_context(serve(cli.config)) for _ in range(2)]
        etags = {base: served_and_prepared(base, token) for base in bases}
        kept_etags = {base: served_and_prepared(base, kept) for base in bases}
        revoked = scheduler(cli.config, "feeds", "revoke", str(number))
        assert revoked.returncode == 0, revoked.stderr
        for base in bases:
            refused_everywhere([base], token, etags[base])
        for base in bases:  # the other link is served as before
            assert httpx.get(f"{base}/feeds/{kept}/plan.ics").status_code == 200
        # A link made now is served at once too (the links are read again when they change).
        other = new_link(cli.config)[1]
        for base in bases:
            assert httpx.get(f"{base}/feeds/{other}/plan.ics").status_code == 200
        if store_url.startswith("postgresql"):
            assert _end_the_listening_connections(store_url) == len(bases)
            revoked = scheduler(cli.config, "feeds", "revoke", str(kept_number))
            assert revoked.returncode == 0, revoked.stderr
            for base in bases:
                refused_everywhere([base], kept, kept_etags[base])
                assert httpx.get(f"{base}/feeds/{other}/plan.ics").status_code == 200


def _end_the_listening_connections(store_url: str) -> int:
    """Ends the servers' LISTEN connections from the database's side; how many it ended."""
    schema = re.search(r"application_name=(\w+)", store_url)
    assert schema
    admin = create_engine(normalise_url(store_url))
    try:
        with admin.begin() as connection:
            ended = connection.execute(
                text("select pg_terminate_backend(pid) from pg_stat_activity "
                     "where application_name = :name and query = :listen"),
                {"name": schema[1], "listen": LISTEN},
            ).scalars().all()  # fmt: skip
    finally:
        admin.dispose()
    assert all(ended), ended
    return len(ended)


def test_writers_of_links_never_wait_for_each_other_on_postgresql(postgres_store_url: str) -> None:
    """The trigger that tells the servers locks no row: a link made while another process's
    link is not yet committed is made at once (not after a lock wait), and both are told."""
    from scheduler.store.engine import upgrade_store

    engine = upgrade_store(postgres_store_url)[0]
    insert = text("insert into feed_token (token_hash, audience, scope, organisation, created_at) "
                  "values (:hash, :audience, '', 'X', now())")  # fmt: skip
    try:
        with engine.connect() as first, engine.connect() as second:
            first.execute(insert, {"hash": "a" * 8, "audience": "a"})
            second.execute(text("set lock_timeout = '1s'"))
            second.execute(insert, {"hash": "b" * 8, "audience": "b"})  # no wait for `first`
            second.commit()
            first.commit()
        with engine.connect() as connection:
            count = connection.execute(text("select count(*) from feed_token")).scalar_one()
        assert count == 2
    finally:
        engine.dispose()
