"""The sign-in under abuse, against the real server over HTTP (uvicorn in a thread) on SQLite and
PostgreSQL: absurd usernames do not fill the database, a burst of parallel guesses gets only the
free attempts checked (and the right password after them is refused too), and many usernames
from one address are throttled by the address.

How many passwords were checked is read from what the store counted and from the answers (401
is a checked wrong password, 429 an attempt refused unchecked), not from a mocked argon2."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from scheduler.services.signin import SignInPolicy, address_subject
from scheduler.services.usernames import username_subject
from scheduler.settings.model import Server
from scheduler.store.login_attempts import Keeping, Subject, count_attempt, count_rows
from scheduler.store.tables import LoginAttemptRow
from scheduler.web.app import create_app
from scheduler.web.session import LOGIN_COOKIE, SESSION_COOKIE
from tests.support.helpers import free_port
from tests.support.live_server import running
from tests.support.workspace_fixture import (
    PASSWORD,
    START,
    USERNAME,
    Workspace,
    log_in,
    login_token,
    seeded_workspace,
)

FREE = 5  # server.signin_free_attempts, the default
ADDRESS_FREE = 6  # server.signin_address_attempts, as these tests set it
ACCOUNT_THROTTLED = "För många felaktiga försök med det här användarnamnet. Vänta 30 sekunder"
ADDRESS_THROTTLED = "För många felaktiga försök från din adress. Vänta 30 sekunder"
WRONG = "Fel användarnamn eller lösenord."


@dataclass
class Site:
    workspace: Workspace
    base: str

    def browser(self, *, forwarded_for: str | None = None) -> httpx.Client:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=120,
                            headers=headers)  # fmt: skip

    def attempts(self) -> list[LoginAttemptRow]:
        with Session(self.workspace.engine) as session:
            return list(session.exec(select(LoginAttemptRow)))

    def counted(self, kind: str, key_hash: str) -> int:
        rows = [r for r in self.attempts() if (r.kind, r.key_hash) == (kind, key_hash)]
        return rows[0].attempts if rows else 0


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Iterator[Site]:
    workspace = seeded_workspace(
        tmp_path, store_url, extra=f"[server]\nsignin_address_attempts = {ADDRESS_FREE}\n"
    )
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    # As `scheduler serve` runs it: X-Forwarded-For is believed from the trusted proxy only.
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                            lifespan="off", forwarded_allow_ips=["127.0.0.1"])  # fmt: skip
    with running(config):
        yield Site(workspace, f"http://127.0.0.1:{config.port}")
    workspace.engine.dispose()


def database_bytes(engine: Engine) -> int:
    """What the database takes on disk: the SQLite file (its log checkpointed into it), or every
    table of the test's PostgreSQL schema with its indexes and TOAST."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
            size = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
            return int(pages) * int(size)
        return int(
            connection.execute(
                text("select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c "
                     "join pg_namespace n on n.oid = c.relnamespace "
                     "where n.nspname = current_schema() and c.relkind = 'r'")
            ).scalar_one()
        )  # fmt: skip


def test_absurd_usernames_are_refused_and_do_not_fill_the_database(site: Site) -> None:
    engine = site.workspace.engine
    with site.browser() as http:
        assert log_in(http, password="fel-lösenord-123").status_code == 401  # tables in use
        before = database_bytes(engine)
        token = login_token(http)
        for n in range(20):
            username = secrets.token_hex(750_000)  # 1.5 MB, a new one each time
            # From as many addresses (through the trusted proxy), so no address throttle stops
            # them before the username is looked at.
            http.headers["X-Forwarded-For"] = f"198.51.100.{n}"
            refused = http.post("/logga-in", data={"csrf": token, "username": username,
                                                   "password": "vad-som-helst-1"})  # fmt: skip
            assert refused.status_code == 400
            assert "Användarnamnet är för långt: ett användarnamn har högst 64 tecken." in (
                refused.text
            )
            assert len(refused.content) < 50_000  # the page gives back at most 64 characters
            assert username[:65] not in refused.text
    grown = database_bytes(engine) - before
    assert grown < 256 * 1024, f"the database grew by {grown} bytes"
    rows = site.attempts()
    assert len(rows) == 42  # one per username tried, one per address
    assert all(len(row.key_hash) == 64 for row in rows)  # a SHA-256, whatever was typed


def test_parallel_guesses_get_only_the_free_attempts_checked(site: Site) -> None:
    with site.browser() as http:
        token = login_token(http)
        nonce = http.cookies[LOGIN_COOKIE]
    wrong_guesses = 39
    start = threading.Barrier(wrong_guesses)
    answered: list[httpx.Response] = []
    some_answered = threading.Event()
    lock = threading.Lock()

    def guess(password: str, *, at_once: bool) -> httpx.Response:
        with site.browser() as client:
            client.cookies.set(LOGIN_COOKIE, nonce, domain="127.0.0.1", path="/")
            if at_once:
                start.wait(timeout=60)
            else:  # the right password comes while the burst is being answered
                assert some_answered.wait(timeout=120)
            response = client.post("/logga-in", data={"csrf": token, "username": USERNAME,
                                                      "password": password})  # fmt: skip
        with lock:
            answered.append(response)
            if len(answered) >= FREE:
                some_answered.set()
        return response

    with ThreadPoolExecutor(max_workers=wrong_guesses + 1) as pool:
        wrong = [pool.submit(guess, f"gissning-{n:02d}-fel", at_once=True)
                 for n in range(wrong_guesses)]  # fmt: skip
        right = pool.submit(guess, PASSWORD, at_once=False)
        statuses = sorted(future.result().status_code for future in wrong)
        late = right.result()

    # Exactly the free attempts were checked; every other guess was refused unchecked.
    assert statuses.count(401) == FREE, statuses
    assert statuses.count(429) == wrong_guesses - FREE, statuses
    assert site.counted("account", username_subject(USERNAME).key_hash) == FREE
    assert site.counted("address", address_subject("127.0.0.1").key_hash) == FREE
    # The right password, after them, is refused too, and opens nothing.
    assert late.status_code == 429
    assert ACCOUNT_THROTTLED in late.text and late.headers["retry-after"] == "30"
    assert SESSION_COOKIE not in late.headers.get("set-cookie", "")

    site.workspace.clock.now += timedelta(seconds=30)  # the delay has passed
    with site.browser() as http:
        assert log_in(http).status_code == 303
    assert site.counted("account", username_subject(USERNAME).key_hash) == 0


def test_many_usernames_from_one_address_are_throttled_by_the_address(site: Site) -> None:
    with site.browser() as http:
        for n in range(ADDRESS_FREE):
            wrong = log_in(http, username=f"gissat-namn-{n}", password="fel-lösenord-123")
            assert wrong.status_code == 401 and WRONG in wrong.text
        refused = log_in(http, username="ytterligare-ett", password="fel-lösenord-123")
        assert refused.status_code == 429
        assert ADDRESS_THROTTLED in refused.text and refused.headers["retry-after"] == "30"
        # Not even the right password of a real account is checked from this address now.
        assert log_in(http).status_code == 429
    # Another client (through the trusted proxy) is not throttled by this one's guesses.
    with site.browser(forwarded_for="203.0.113.9") as other:
        assert log_in(other).status_code == 303
    counted = {(r.kind, r.key_hash): r.attempts for r in site.attempts()}
    assert counted[("address", address_subject("127.0.0.1").key_hash)] == ADDRESS_FREE
    # The right password's own attempt was taken back.
    assert counted[("address", address_subject("203.0.113.9").key_hash)] == 0
    stored = " ".join(str(value) for row in site.attempts() for value in row.model_dump().values())
    assert "127.0.0.1" not in stored and "gissat-namn" not in stored  # only hashes are kept

    site.workspace.clock.now += timedelta(seconds=30)
    with site.browser() as http:
        assert log_in(http).status_code == 303


def test_counts_are_forgotten_after_the_keeping(tmp_path: Path, store_url: str) -> None:
    """A username's count older than server.signin_record_hours starts over."""
    workspace = seeded_workspace(tmp_path, store_url, extra="[server]\nsignin_record_hours = 1\n")
    http = workspace.client()
    for _ in range(FREE):
        assert log_in(http, password="fel-lösenord-123").status_code == 401
    assert log_in(http).status_code == 429
    workspace.clock.now += timedelta(hours=1, seconds=1)  # an hour without an attempt
    for _ in range(FREE - 1):  # counted from one again: four wrong ones lock nothing
        assert log_in(http, password="fel-lösenord-123").status_code == 401
    assert log_in(http).status_code == 303
    workspace.engine.dispose()


def test_the_rows_are_capped_keeping_locked_ones_longest(engine: Engine) -> None:
    """Past the row cap the oldest rows go, those not locked first: a flood of new usernames
    cannot push a locked one out while others can go."""
    now = START
    policy = SignInPolicy.from_section(Server(signin_record_rows=100))
    keeping = Keeping(forget_before=now - policy.keep_for, rows=policy.max_rows)
    locked = Subject("account", "f" * 64)
    for _ in range(FREE):
        assert count_attempt(engine, [locked], rules=policy.rules, now=now, keeping=keeping) is None
    for n in range(150):  # within the 30 seconds the first one is locked
        now += timedelta(milliseconds=100)
        subject = Subject("account", f"{n:064x}")
        assert (
            count_attempt(engine, [subject], rules=policy.rules, now=now, keeping=keeping) is None
        )
    assert count_rows(engine) == 100
    refused = count_attempt(engine, [locked], rules=policy.rules, now=now, keeping=keeping)
    assert refused is not None and refused.subject == locked  # still there, still locked


def test_the_docs_name_every_server_key() -> None:
    """Each [server] key is named in the docs for users (docs/security.md, docs/workspace.md,
    docs/operations.md), the sign-in's with their defaults (every key's reference is the
    generated docs/configuration.md)."""
    from scheduler.settings.model import Server
    from tests.support.seed import ROOT

    docs = ("security.md", "workspace.md", "operations.md")
    text = " ".join(
        (ROOT / "docs" / name).read_text(encoding="utf-8").replace("\n", " ") for name in docs
    )
    for name in Server.model_fields:
        assert f"`server.{name}`" in text, name
    defaults = Server()
    assert f"`server.password_checks_at_once` ({defaults.password_checks_at_once})" in text
    assert f"`server.password_check_queue` ({defaults.password_check_queue})" in text
    assert f"`server.session_idle_minutes` ({defaults.session_idle_minutes})" in text
    assert f"`server.signin_threads` ({defaults.signin_threads})" in text
