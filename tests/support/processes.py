"""Real `scheduler` processes on a shifted clock: each is `python -m scheduler …` started under
Debian's `faketime` at an absolute (Stockholm) time, so the product needs no test hook; `serving`
runs `scheduler serve` on a free port and stops it with Ctrl+C (SIGINT). The `faketime` fixture
(tests/conftest.py) gives the program's path, or skips (fails under CI) where it is missing."""

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
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.support.helpers import free_port, poll_until
from tests.support.seed import ROOT

FAKETIME = shutil.which("faketime")
# The library `faketime` preloads (Debian's libfaketime): a process started with it directly can
# read its clock's offset from a file, which the test changes while the process runs.
LIBFAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
FOLLOWUP_SUBJECT = "Uppföljning av åtgärdsplanen 2024"
STARTUP_TIMEOUT = 90.0  # a bound for a busy machine (CI shares its cores), not a speed test
EVENT = re.compile(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", re.S)
STOCKHOLM_START = "DTSTART;TZID=Europe/Stockholm:"


@dataclass(frozen=True)
class Install:
    """A config of the test's own: its database, a file outbox and an error log in tmp_path."""

    faketime: str
    config: Path
    outbox: Path
    log_file: Path

    def argv(self, when: str | None, *argv: str) -> list[str]:
        """The command under `faketime` at `when`, or as it is (None: its environment says)."""
        shifted = [self.faketime, when] if when is not None else []
        return [*shifted, sys.executable, "-m", "scheduler", "--config", str(self.config),
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
    timers measure with it). FAKETIME_FORCE_MONOTONIC_FIX=0: libfaketime otherwise wraps
    pthread_cond_timedwait, which the GIL waits on, and a process with several busy threads
    then spends several times the CPU in futex calls (a `serve` of the year-change test 16 s
    instead of 8, more the busier the machine); with the monotonic clock not faked, the plain
    call is the right one (bench/mixed_load.py found it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "FAKETIME"))}
    env |= {"TZ": "Europe/Stockholm", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "FAKETIME_FORCE_MONOTONIC_FIX": "0"}  # fmt: skip
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


@dataclass(frozen=True)
class MovableClock:
    """A clock the test moves forward while the processes that read it run: libfaketime reads the
    offset from real time in `path` (re-read at most once a second), so a server can start at
    leisure and then be put seconds before a due time, instead of the test waiting for the
    real clock to get there. The monotonic clock is left alone, as under `faketime`."""

    path: Path

    def set(self, when: datetime) -> None:
        """From now on (within a second, for a running process) the clock reads `when`."""
        seconds = round((when - datetime.now(UTC)).total_seconds())
        self.path.write_text(f"{seconds:+d}\n", encoding="ascii")

    def now(self) -> datetime:
        """What the clock reads now (the offset is whole seconds)."""
        seconds = int(self.path.read_text(encoding="ascii"))
        return datetime.now(UTC) + timedelta(seconds=seconds)

    def environment(self) -> dict[str, str]:
        assert LIBFAKETIME is not None, "libfaketime is not installed"
        return {"LD_PRELOAD": str(LIBFAKETIME), "FAKETIME_TIMESTAMP_FILE": str(self.path),
                "FAKETIME_CACHE_DURATION": "1"}  # fmt: skip


@contextmanager
def serving(install: Install, when: str | MovableClock, name: str) -> Iterator[Server]:
    """`scheduler serve` on a free port, its clock at `when` (or read from a movable clock);
    stopped at the end with Ctrl+C (SIGINT), which ends it as `scheduler` ends on Ctrl+C:
    «Avbrutet.», exit code 130."""
    port = free_port()
    log = install.config.parent / f"serve-{name}.log"
    serve = ["serve", "--port", str(port)]
    if isinstance(when, MovableClock):
        argv = install.argv(None, *serve)
        environment = _environment() | when.environment()
    else:
        argv, environment = install.argv(when, *serve), _environment()
    with log.open("wb") as output:
        wrapper = subprocess.Popen(argv, cwd=ROOT, env=environment, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        poll_until(lambda: wrapper.poll() is not None or _answers(base), timeout=STARTUP_TIMEOUT)
        assert wrapper.poll() is None, f"serve at {when} ended:\n{log.read_text()}"
        yield Server(base, log)
    except BaseException:
        os.killpg(wrapper.pid, signal.SIGKILL)  # the wrapper and the server, both started here
        wrapper.wait(timeout=30)
        raise
    pid = wrapper.pid if isinstance(when, MovableClock) else _server_pid(wrapper)
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
