"""Three `scheduler serve` processes on one PostgreSQL database, as behind a load balancer
(docs/operations.md, "Several server processes"): a coordinator signed in through one is signed in
on all; a move made through one, and a plan imported again from the command line, show in the
others' feeds within `feeds.recheck_seconds`; a link revoked through one is refused by all. Real processes over HTTP; nothing sleeps for time to pass:
each check polls until a deadline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import icalendar

from scheduler.base.time import STOCKHOLM
from scheduler.services.accounts import create_account
from scheduler.settings.config import load_settings
from scheduler.store.engine import open_store
from tests.support.cli import upgraded_cli, write_config
from tests.support.helpers import free_port, poll_until
from tests.support.seed import ROOT, SEED_ORGANISATION, upcoming_seed
from tests.support.workspace_fixture import PASSWORD, USERNAME, log_in, page_token

RECHECK_SECONDS = 2.0
# What a busy machine (two cores, the other tests) may add to the documented time.
SLACK_SECONDS = 20.0
STARTUP_SECONDS = 90.0
SESSION_COOKIE = "arbetsyta"
RENAMED = "Trygghetsvandring i kvarteren"


@dataclass(frozen=True)
class Server:
    base: str
    log: Path


@contextmanager
def serving(config: Path, folder: Path, name: str) -> Iterator[Server]:
    """`scheduler serve` as a process of its own on a free port; stopped with Ctrl+C (SIGINT)."""
    port = free_port()
    log = folder / f"serve-{name}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "--config", str(config), "--log-file",
             str(folder / "scheduler.log"), "serve", "--port", str(port)],
            cwd=folder, env=env | {"PYTHONPATH": str(ROOT)}, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        poll_until(lambda: process.poll() is not None or _answers(base), timeout=STARTUP_SECONDS)
        assert process.poll() is None, f"serve {name} ended:\n{log.read_text()}"
        yield Server(base, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def starts(base: str, path: str, uid: str) -> datetime | None:
    """The DTSTART of event `uid` in the feed at `path` as `base` serves it now (None: absent)."""
    response = httpx.get(f"{base}{path}", timeout=10)
    assert response.status_code == 200, (base, response.status_code)
    calendar = icalendar.Calendar.from_ical(response.content)
    found = [e.DTSTART for e in calendar.events if e.uid == uid]
    return found[0] if found else None


def shows(base: str, path: str, uid: str, start: datetime) -> bool:
    return starts(base, path, uid) == start


def titled(base: str, path: str, title: str) -> bool:
    response = httpx.get(f"{base}{path}", timeout=10)
    assert response.status_code == 200, (base, response.status_code)
    calendar = icalendar.Calendar.from_ical(response.content)
    return any(title in str(event.get("SUMMARY", "")) for event in calendar.events)


def refused(base: str, path: str) -> bool:
    return httpx.get(f"{base}{path}", timeout=10).status_code == 404


def test_three_servers_share_sessions_moves_and_revocations(
    postgres_store_url: str, tmp_path: Path
) -> None:
    config_path = write_config(tmp_path / "config.toml", postgres_store_url,
                               f"[feeds]\nrecheck_seconds = {RECHECK_SECONDS}\n")  # fmt: skip
    cli = upgraded_cli(config_path)
    plan, _ = upcoming_seed(tmp_path)
    assert cli("import", str(plan)).code == 0
    created = cli("feeds", "create", "SSP-gruppen")
    assert created.code == 0, created.err
    token = created.out.split("/feeds/")[1].split("/")[0]
    feed = f"/feeds/{token}/plan.ics"
    config = load_settings(str(config_path), environ={})
    engine = open_store(config.database_url)
    try:
        create_account(engine, config, username=USERNAME, organisation=SEED_ORGANISATION,
                       password=PASSWORD, now=datetime.now(UTC))  # fmt: skip
    finally:
        engine.dispose()
    agenda = cli("agenda", "--json")
    assert agenda.code == 0, agenda.err
    now = datetime.now(UTC)
    meeting = next(e for e in json.loads(agenda.out)
                   if e["kind"] == "meeting" and datetime.fromisoformat(e["start"]) > now + timedelta(days=30))  # fmt: skip
    uid = str(meeting["uid"])
    before = datetime.fromisoformat(str(meeting["start"])).astimezone(STOCKHOLM)
    target = before + timedelta(days=1)

    with ExitStack() as stack:
        servers = [stack.enter_context(serving(config_path, tmp_path, f"{n}")) for n in range(3)]
        first, second, third = servers
        # Every server has the feed cached, with the meeting where it was.
        for server in servers:
            assert starts(server.base, feed, uid) == before

        # Signed in through the first: the others know the session, and its CSRF token.
        with httpx.Client(base_url=first.base) as browser:
            assert log_in(browser).status_code == 303
            session = browser.cookies[SESSION_COOKIE]
        clients = [stack.enter_context(httpx.Client(base_url=s.base, cookies={SESSION_COOKIE: session}))
                   for s in servers]  # fmt: skip
        for client in clients:
            page = client.get("/agenda")
            assert page.status_code == 200, (client.base_url, page.status_code)
            assert uid in page.text
        assert httpx.get(f"{second.base}/agenda").status_code == 303  # without it: to sign in

        # Moved through the second server.
        moved = clients[1].post("/agenda/flytta", data={
            "csrf": page_token(clients[1].get("/agenda")), "uid": uid,
            "datum": target.strftime("%Y-%m-%d"), "tid": target.strftime("%H:%M"), "slut": "",
            "note": ""})  # fmt: skip
        assert moved.status_code == 200 and "Flyttat:" in moved.text, moved.text[-2000:]
        moved_at = time.monotonic()
        assert starts(second.base, feed, uid) == target  # its own feeds at once
        for server in (first, third):
            poll_until(partial(shows, server.base, feed, uid, target),
                       timeout=RECHECK_SECONDS + SLACK_SECONDS)  # fmt: skip
        assert time.monotonic() - moved_at < RECHECK_SECONDS + SLACK_SECONDS

        # The plan edited and imported again by another process (the command line): every
        # server's feeds show it within the same time.
        plan.write_text(plan.read_text(encoding="utf-8").replace(
            'title = "Trygghetsvandring"', f'title = "{RENAMED}"'), encoding="utf-8")  # fmt: skip
        assert RENAMED in plan.read_text(encoding="utf-8")
        reimported = cli("import", str(plan))
        assert reimported.code == 0, reimported.err
        imported_at = time.monotonic()
        for server in servers:
            poll_until(partial(titled, server.base, feed, RENAMED),
                       timeout=RECHECK_SECONDS + SLACK_SECONDS)  # fmt: skip
        assert time.monotonic() - imported_at < RECHECK_SECONDS + SLACK_SECONDS

        # Revoked through the third, with the session from the first.
        links = clients[2].get("/lankar")
        link_id = links.text.split('name="id" value="')[1].split('"')[0]
        revoked = clients[2].post("/lankar/aterkalla", data={
            "csrf": page_token(links), "id": link_id, "bekrafta": "ja"})  # fmt: skip
        assert revoked.status_code == 200, revoked.text[-2000:]
        for server in servers:
            poll_until(partial(refused, server.base, feed), timeout=SLACK_SECONDS)

        # Signed out through the third: the session ends on every server.
        logged_out = clients[2].post(
            "/logga-ut", data={"csrf": page_token(clients[2].get("/agenda"))}
        )
        assert logged_out.status_code in (200, 303)
        for server in servers:
            again = httpx.get(f"{server.base}/agenda", cookies={SESSION_COOKIE: session})
            assert again.status_code == 303, server.base
