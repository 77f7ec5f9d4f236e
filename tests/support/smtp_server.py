"""A real SMTP server for the reminder tests, and a store with the embedded plan whose reminders
go to it.

The server is aiosmtpd's threaded `Controller` on 127.0.0.1 and a free port, in the test process;
dispatchers in other processes reach it over TCP like any mail server. Its handler records every
message and can be told to misbehave: refuse everything with 451 for a while (at RCPT or at DATA),
refuse one recipient (550, or 451), be slow to answer DATA, or hold the first messages until a
number of senders are talking to it at once (to make two dispatchers' passes overlap for sure).
It also counts connections (each client's address and port, as first said EHLO or HELO), can
drop a connection after a number of messages (closed without a word, or with 421), and can
refuse connections beyond a number (421 to EHLO and HELO).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from scheduler.mail.delivery import delivery_for
from scheduler.mail.settings import EmailSettings
from scheduler.model.mail import OutboxMail
from scheduler.model.occurrence import Occurrence
from scheduler.model.plan import Plan
from scheduler.plan.files import read_plan
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import PassResult, run_due
from scheduler.services.refresh import (
    import_and_schedule,
    refresh_occurrences,
    refresh_plans_in_time,
)
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.occurrences import SyncResult, list_occurrences
from scheduler.store.outbox import list_outbox
from tests.support.cli import Cli, write_config
from tests.support.databases import upgraded_engine
from tests.support.helpers import free_port
from tests.support.seed import SEED_PLAN

SENDER = "paminnelser@kungsholmen.example.org"
# Before the first reminder of the 2024 plan is due (the earliest is 28 days before 9 January).
BEFORE_EVERYTHING = datetime(2023, 12, 1, 7, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Received:
    """One message as the server got it: envelope, raw bytes, and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    message: EmailMessage
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one per connection

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def sent_at(self) -> datetime:
        """The dispatcher's `now` when it built the message (its Date header)."""
        return parsedate_to_datetime(str(self.message["Date"])).astimezone(UTC)

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


@dataclass
class RecordingHandler:
    """aiosmtpd handler. The test thread sets the knobs; the server thread reads them."""

    messages: list[Received] = field(default_factory=list)
    refuse_temporarily: str | None = None  # "rcpt" or "data": answer 451 to every message
    refuse_recipients: dict[str, str] = field(default_factory=dict)  # address → reply, e.g. 550 …
    delay: float = 0.0  # seconds to wait after recording a message before answering 250
    hold_until_concurrent: int = 0  # hold DATA answers until this many are in DATA at once
    hold_timeout: float = 20.0
    drop_after: int = 0  # messages per connection; the next MAIL on it finds it dropped
    drop_with: str = "close"  # "close": closed without an answer; "421": answered 421, closed
    max_connections: int = 0  # connections beyond this many are refused with 421 at EHLO/HELO
    refusals: int = 0
    peers: list[tuple[str, int]] = field(default_factory=list)  # connections, in order
    drops: int = 0
    _per_peer: Counter[tuple[str, int]] = field(default_factory=Counter)  # messages per connection
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _in_data: int = 0
    _released: bool = False

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        if not self._greeted(server, session):
            return ["421 4.7.0 Too many connections, try again later"]
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        if not self._greeted(server, session):
            return "421 4.7.0 Too many connections, try again later"
        session.host_name = hostname
        return "250 127.0.0.1"

    def _greeted(self, server: Any, session: Any) -> bool:
        """Counts a new connection (EHLO again after STARTTLS is the same one); False when it is
        one too many, and then it is closed after the answer."""
        peer = tuple(session.peer)
        with self._lock:
            if peer in self.peers:
                return True
            if self.max_connections and len(self.peers) >= self.max_connections:
                self.refusals += 1
                asyncio.get_running_loop().call_soon(server.transport.close)
                return False
            self.peers.append(peer)
            return True

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        with self._lock:
            drop = bool(self.drop_after) and self._per_peer[tuple(session.peer)] >= self.drop_after
            self.drops += drop
        if drop and self.drop_with == "close":
            server.transport.close()  # the client reads the end of the stream, not an answer
            return "250 OK"  # never reaches it
        if drop:
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.refuse_recipients.get(address.lower())
        if reply is None and self.refuse_temporarily == "rcpt":
            reply = "451 4.7.1 Greylisted, please try again later"
        if reply is not None:
            with self._lock:
                self.refusals += 1
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_temporarily == "data":
            with self._lock:
                self.refusals += 1
            return "451 4.3.0 Temporary local problem, please try again later"
        data = bytes(envelope.content)
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        peer = tuple(session.peer)
        received = Received(envelope.mail_from, tuple(envelope.rcpt_tos), data, parsed, peer)
        with self._lock:
            self.messages.append(received)
            self._per_peer[peer] += 1
            self._in_data += 1
        try:
            if self.hold_until_concurrent and not self._released:
                deadline = time.monotonic() + self.hold_timeout
                while self._in_data < self.hold_until_concurrent and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                self._released = True
            deadline = time.monotonic() + self.delay
            while time.monotonic() < deadline and self.delay:
                await asyncio.sleep(0.02)
        finally:
            with self._lock:
                self._in_data -= 1
        return "250 2.0.0 Accepted"

    # What the tests read.

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.messages)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self.peers)

    def message_ids(self) -> Counter[str]:
        return Counter(m.message_id for m in self.snapshot())

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Poll (bounded) until at least `count` messages arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.snapshot()
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(
            f"expected {count} messages within {timeout}s, got {len(self.snapshot())}"
        )

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


@dataclass
class SmtpServer:
    handler: RecordingHandler
    host: str
    port: int

    def config_toml(self) -> str:
        """The [email] table that sends through this server."""
        return (
            "[email]\n"
            'backend = "smtp"\n'
            f'smtp_host = "{self.host}"\n'
            f"smtp_port = {self.port}\n"
            'smtp_security = "none"\n'
            f'from = "{SENDER}"\n'
            "timeout_seconds = 20\n"
        )


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    for attempt in range(5):  # the free port may be taken between probing and binding
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
        try:
            controller.start()
        except Exception:
            if attempt == 4:
                raise
            continue
        break
    try:
        yield SmtpServer(handler, "127.0.0.1", port)
    finally:
        controller.stop()


@dataclass
class World:
    """The embedded 2024 plan imported into a store, its reminders going to `smtp`."""

    engine: Engine
    config: Settings
    config_path: Path
    plan_id: int
    smtp: SmtpServer

    @property
    def cli(self) -> Cli:
        return Cli(self.config_path)

    @property
    def email(self) -> EmailSettings:
        return EmailSettings.from_settings(self.config)

    @property
    def settings(self) -> ReminderSettings:
        return ReminderSettings.from_section(self.config.reminders)

    def run(self, now: datetime, *, settings: ReminderSettings | None = None,
            refresh: bool = True) -> PassResult:  # fmt: skip
        """One dispatcher pass at `now`, as `scheduler remind run-due` does it: the plans in time
        refreshed first (their reminders topped up to the planning horizon), unless `refresh` is
        False (a dispatcher that only sends what is in the outbox)."""
        if refresh:
            refresh_plans_in_time(self.engine, self.config, now=now)
        email_settings = self.email
        return run_due(self.engine, config=self.config, delivery=delivery_for(email_settings), email=email_settings,
                       settings=settings or self.settings, now=now)  # fmt: skip

    def refresh(self, now: datetime) -> None:
        refresh_occurrences(self.engine, self.config, plan_id=self.plan_id, now=now)

    def refresh_result(self, now: datetime) -> SyncResult:
        """The plan refreshed at `now`: what it added, moved or cancelled, reminders included."""
        return refresh_occurrences(self.engine, self.config, plan_id=self.plan_id, now=now)

    def outbox(self, status: str | None = None) -> list[OutboxMail]:
        return list_outbox(self.engine, status=status)

    def occurrences(self) -> list[Occurrence]:
        return list_occurrences(self.engine, plan_id=self.plan_id)

    def rows_for(self, occurrence: Occurrence) -> list[OutboxMail]:
        return [r for r in self.outbox() if r.occurrence_id == occurrence.id]


def make_world(tmp_path: Path, url: str, smtp: SmtpServer, *, extra: str = "",
               now: datetime = BEFORE_EVERYTHING, edit: Callable[[str], str] | None = None,
               plan: Plan | None = None) -> World:  # fmt: skip
    """Config (the repo's, with the test's database, this SMTP server and `extra`; `edit` may
    change its text), then the embedded plan (or `plan`) imported and scheduled at `now`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_config(tmp_path / "config.toml", url, extra=smtp.config_toml() + extra)
    if edit is not None:
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    config = load_settings(str(path), environ={})
    engine = upgraded_engine(config.database_url)
    plan = plan or read_plan(SEED_PLAN).plan
    result, _ = import_and_schedule(engine, config, plan, source="test", now=now)
    return World(engine, config, path, result.plan_id, smtp)
