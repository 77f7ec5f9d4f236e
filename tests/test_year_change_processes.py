"""The year change through real processes on a shifted clock: every step is
`python -m scheduler …` started under Debian's `faketime` at an absolute (Stockholm) time, on one
database, SQLite and PostgreSQL. Nothing sleeps for time to pass and the product has no test hook:
each process simply lives on the day it is started on.

January 2024: the 2024 plan is imported and two links are given out, one to all calendars and one
to SSP only. 5 November: `rollover 2025`. 20 November: `serve` has started the 2024 follow-up on
its own (from 15 November), and both links show the rest of 2024 and all of 2025. 15 January
2025: December 2024 is still there beside January. 15 March: 2024 has left the window (60 days
back), and the 2025 events are the ones seen in November, under the same UIDs.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import ROOT, SEED_PLAN, write_config
from tests.helpers import free_port, poll_until

FAKETIME = shutil.which("faketime")
STARTUP_TIMEOUT = 90.0  # a bound for a busy machine (CI shares its cores), not a speed test
FOLLOWUP_SUBJECT = "Uppföljning av åtgärdsplanen 2024"
LINK = re.compile(r"webcal://\S+/feeds/[^/\s]+/[a-z0-9-]+\.ics")
EVENT = re.compile(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", re.S)
STOCKHOLM_START = "DTSTART;TZID=Europe/Stockholm:"


@pytest.fixture(scope="module")
def faketime() -> str:
    if FAKETIME is None:
        message = "faketime is not installed (tests/clients/install.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return FAKETIME


@dataclass(frozen=True)
class Install:
    """A config of the test's own: its database, a file outbox and an error log in tmp_path."""

    faketime: str
    config: Path
    outbox: Path
    log_file: Path

    def argv(self, when: str, *argv: str) -> list[str]:
        return [self.faketime, when, sys.executable, "-m", "scheduler", "--config", str(self.config),
                "--log-file", str(self.log_file), *argv]  # fmt: skip

    def run(self, when: str, *argv: str) -> str:
        """One command as a process whose clock reads `when` (Stockholm time) at its start."""
        result = subprocess.run(self.argv(when, *argv), cwd=ROOT, env=_environment(),
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, f"{argv} at {when}: {result.returncode}\n{result.stderr}"
        return result.stdout

    def followup_mails(self) -> list[str]:
        """Recipients of the 2024 follow-up messages the dispatcher wrote to the outbox."""
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            if path.name.startswith("."):  # a message being written
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(message["Subject"]).startswith(FOLLOWUP_SUBJECT):
                found += [address for _, address in getaddresses([str(message["To"])])]
        return found


def _environment() -> dict[str, str]:
    """No SCHEDULER_* from the caller; the faked clock starts at the given Stockholm time and
    runs on from there, and the monotonic clock is left alone (asyncio's and APScheduler's
    timers measure with it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "FAKETIME"))}
    env |= {"TZ": "Europe/Stockholm", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    return env


@dataclass(frozen=True)
class Server:
    base: str
    log: Path

    def get(self, link: str) -> httpx.Response:
        """A link as `feeds create` printed it (webcal://, its configured host), asked of this
        server."""
        return httpx.get(self.base + urlsplit(link).path, timeout=30)

    def feed(self, link: str) -> dict[str, str]:
        response = self.get(link)
        assert response.status_code == 200, (link, response.status_code, response.text)
        assert response.headers["content-type"].startswith("text/calendar")
        return events(response.text)


def _answers(base: str) -> bool:
    try:
        return httpx.get(base + "/", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _server_pid(wrapper: subprocess.Popen[bytes]) -> int | None:
    """The scheduler process: `faketime` forks it and waits, and passes no signal on."""
    children = Path(f"/proc/{wrapper.pid}/task/{wrapper.pid}/children")
    try:
        pids = children.read_text().split()
    except OSError:
        return None
    return int(pids[0]) if pids else None


@contextmanager
def serving(install: Install, when: str, name: str) -> Iterator[Server]:
    """`scheduler serve` on a free port, its clock at `when`; stopped at the end with Ctrl+C
    (SIGINT), which ends it as `scheduler` ends on Ctrl+C: «Avbrutet.», exit code 130."""
    port = free_port()
    log = install.config.parent / f"serve-{name}.log"
    with log.open("wb") as output:
        wrapper = subprocess.Popen(install.argv(when, "serve", "--port", str(port)), cwd=ROOT,
                                   env=_environment(), stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        poll_until(lambda: wrapper.poll() is not None or _answers(base), timeout=STARTUP_TIMEOUT)
        assert wrapper.poll() is None, f"serve at {when} ended:\n{log.read_text()}"
        yield Server(base, log)
    except BaseException:
        os.killpg(wrapper.pid, signal.SIGKILL)  # the wrapper and the server, both started here
        wrapper.wait(timeout=30)
        raise
    pid = _server_pid(wrapper)
    assert pid is not None, f"serve at {when} is gone:\n{log.read_text()}"
    os.kill(pid, signal.SIGINT)
    try:
        code = wrapper.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(wrapper.pid, signal.SIGKILL)
        wrapper.wait(timeout=30)
        raise AssertionError(
            f"serve at {when} did not stop on SIGINT:\n{log.read_text()}"
        ) from None
    said = log.read_text()
    assert code == 130 and said.rstrip().endswith("Avbrutet."), f"serve at {when}: {code}\n{said}"


def events(body: str) -> dict[str, str]:
    """UID → the local start date (YYYYMMDD) of each VEVENT; a timed event must be written in
    Stockholm time."""
    found: dict[str, str] = {}
    for block in EVENT.findall(body.replace("\r\n ", "")):
        lines = block.split("\r\n")
        (uid,) = [line.removeprefix("UID:") for line in lines if line.startswith("UID:")]
        (start,) = [line for line in lines if line.startswith("DTSTART")]
        if not start.startswith("DTSTART;VALUE=DATE:"):  # all-day tasks are dates
            assert start.startswith(STOCKHOLM_START), start
        found[uid] = start.rsplit(":", 1)[1][:8]
    return found


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def links(output: str) -> list[str]:
    return LINK.findall(output)


def test_links_and_follow_up_through_the_year_change(
    tmp_path: Path, store_url: str, faketime: str
) -> None:
    outbox = tmp_path / "outbox"
    config = write_config(tmp_path / "config.toml", store_url,
                          extra=f'[email]\nbackend = "file"\noutbox_dir = "{outbox}"\n')  # fmt: skip
    install = Install(faketime, config, outbox, tmp_path / "scheduler.log")

    # January 2024: the plan, and two links given out.
    january = "2024-01-10 09:00:00"
    install.run(january, "db", "upgrade")
    assert "2024" in install.run(january, "import", str(SEED_PLAN))
    created = install.run(january, "feeds", "create", "Alla")
    every = links(created)
    (page,) = re.findall(r"Sida med instruktioner: (\S+/feeds/[^/\s]+/)$", created, re.M)
    (plan_link,) = [link for link in every if link.endswith("/plan.ics")]
    assert len(every) > 2 and all(link.startswith(webcal(page)) for link in every)
    (ssp_link,) = links(install.run(january, "feeds", "create", "SSP-gruppen", "--scope", "atgard-ssp"))  # fmt: skip
    assert ssp_link.endswith("/atgard-ssp.ics")
    assert ssp_link.replace("/atgard-ssp.ics", "") != plan_link.replace("/plan.ics", "")

    # 5 November: next year planned; the 2024 follow-up is not due yet (15 November).
    rolled = install.run("2024-11-05 10:00:00", "rollover", "2025")
    assert "planen för 2025" in rolled, rolled
    waiting = install.run("2024-11-05 10:00:00", "followup", "status", "--year", "2024")
    assert "har inte startat" in waiting, waiting
    assert install.followup_mails() == []

    # 20 November: the server's dispatcher starts the closing year's follow-up at its first pass,
    # and the links show the rest of 2024 with all of 2025.
    with serving(install, "2024-11-20 08:00:00", "november") as server:
        november = server.feed(plan_link)
        ssp = server.feed(ssp_link)
        assert server.get(page).status_code == 200  # the page with the instructions
        wrong = server.get(ssp_link.replace("/atgard-ssp.ics", "/plan.ics"))
        assert wrong.status_code == 404, wrong.text
        poll_until(lambda: bool(install.followup_mails()), timeout=STARTUP_TIMEOUT)
    starts = sorted(november.values())
    assert [d for d in starts if "20241120" <= d <= "20241231"], starts
    assert [d for d in starts if d.startswith("2025")], starts
    assert [d for d in starts if d.startswith("202512")], starts  # to the end of the new plan
    assert min(starts) >= "20240921", starts  # 60 days back from 20 November
    ssp_starts = sorted(ssp.values())
    assert [d for d in ssp_starts if d.startswith("2024")], ssp_starts
    assert [d for d in ssp_starts if d.startswith("2025")], ssp_starts
    assert set(ssp) < set(november)  # SSP's meetings, under the same UIDs as in the whole plan

    status = install.run("2024-11-20 09:00:00", "followup", "status", "--year", "2024")
    assert "Uppföljning 2024:" in status and "har inte startat" not in status, status
    recipients = install.followup_mails()
    assert "trygghetssamordnare@kungsholmen.example.org" in recipients, recipients
    listed = install.run("2024-11-20 09:00:00", "remind", "list")
    assert len([line for line in listed.splitlines() if FOLLOWUP_SUBJECT in line]) == len(
        recipients
    ), listed

    # 15 January 2025: December 2024 is still there, beside January.
    with serving(install, "2025-01-15 10:00:00", "january") as server:
        january_feed = server.feed(plan_link)
        assert server.feed(ssp_link)
    starts = sorted(january_feed.values())
    assert [d for d in starts if d.startswith("202412")], starts
    assert [d for d in starts if d.startswith("202501")], starts
    december = {uid: d for uid, d in november.items() if d.startswith("202412")}
    assert december and december.items() <= january_feed.items()  # same UIDs, same days

    # 15 March 2025: 2024 has left the window; the 2025 events are November's, same UIDs.
    with serving(install, "2025-03-15 10:00:00", "march") as server:
        march = server.feed(plan_link)
        ssp_march = server.feed(ssp_link)
    starts = sorted(march.values())
    assert starts and not [d for d in starts if d.startswith("2024")], starts
    assert min(starts) >= "20250114", starts  # 60 days back from 15 March
    assert ssp_march and all(d.startswith("2025") for d in ssp_march.values()), ssp_march
    still_shown = {uid: d for uid, d in november.items() if d >= "20250114"}
    assert still_shown and march == still_shown
