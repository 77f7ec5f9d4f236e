"""Dispatch speed: N due reminders sent by the dispatcher to a local aiosmtpd, against a bare loop
that builds the same messages with the stdlib `email` package (`EmailMessage`) and sends them over
one smtplib connection (the issue's goal: at least 0.9× the bare loop). A context row compares
with a bare loop that builds them with `email.mime` (compat32), as the dispatcher now does: the
dispatcher's own overhead (claims, rendering, marks) without the cheaper build.

The reminders are the seed plan's, all made due at one moment and rendered when claimed (body,
answer links, .ics), as a real pass does; the ones a pass would skip as overtaken are left out.
The plan has about 150 such rows, so N is reached in passes of those rows: they are put back to
pending between passes (not timed). The dispatcher and the bare loop take turns in rounds of N/5
each, so a busy machine (2 cores) slows both alike; each figure is its total over the rounds.

`python -m bench.dispatch [N]` (N = 10,000; `BENCH_QUICK=1`: 300); `make bench` runs it with the
others.
"""

from __future__ import annotations

import email
import email.policy
import os
import smtplib
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, bindparam, text

from bench.report import Row
from bench.table import print_rows
from scheduler.mail.delivery import Delivery, delivery_for
from scheduler.mail.settings import EmailSettings
from scheduler.plan.files import read_plan
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import run_due
from scheduler.services.refresh import import_and_schedule
from scheduler.settings.config import load_settings
from scheduler.settings.model import Reminders, Settings
from scheduler.store.engine import upgrade_store
from scheduler.store.outbox import superseded_ids

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2023, 12, 1, 7, 0, tzinfo=UTC)  # before the seed plan's first meeting
GOAL = 0.9
SENDER = "paminnelser@kungsholmen.example.org"
ROUNDS = 5
QUICK = os.environ.get("BENCH_QUICK") == "1"


@dataclass
class Counting:
    """An aiosmtpd handler that accepts everything, counts, and keeps the first `keep` messages."""

    keep: int = 0
    count: int = 0
    connections: int = 0
    kept: list[bytes] = field(default_factory=list)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        if len(self.kept) < self.keep:
            self.kept.append(bytes(envelope.content))
        return "250 OK"


@dataclass(frozen=True)
class Content:
    sender: str
    recipient: str
    subject: str
    plain: str
    html: str
    calendar: bytes | None
    filename: str | None


def content_of(data: bytes) -> Content:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    plain, html = (
        parsed.get_body(preferencelist=("plain",)),
        parsed.get_body(preferencelist=("html",)),
    )
    attachment = next(parsed.iter_attachments(), None)
    calendar = attachment.get_payload(decode=True) if attachment else None
    assert calendar is None or isinstance(calendar, bytes)
    return Content(
        str(parsed["From"]), str(parsed["To"]), str(parsed["Subject"]),
        str(plain.get_content()) if plain else "", str(html.get_content()) if html else "",
        calendar,
        attachment.get_filename() if attachment else None,
    )  # fmt: skip


def bare_loop(contents: list[Content], count: int, host: str, port: int) -> float:
    """Seconds to build `count` messages with the stdlib and send them over one connection."""
    start = time.perf_counter()
    with smtplib.SMTP(host, port, timeout=30) as client:
        for n in range(count):
            c = contents[n % len(contents)]
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = c.sender, c.recipient, c.subject
            message["Date"] = formatdate(localtime=False)
            message["Message-ID"] = f"<bare-{n}@kungsholmen.example.org>"
            message.set_content(c.plain)
            message.add_alternative(c.html, subtype="html")
            if c.calendar is not None:
                message.add_attachment(c.calendar, maintype="text", subtype="calendar",
                                       filename=c.filename, params={"method": "PUBLISH"})  # fmt: skip
            client.send_message(message)
    return time.perf_counter() - start


def due_reminders(engine: Engine) -> list[int]:
    """Every pending row of the plan made due at NOW; the overtaken ones (a 14-day reminder whose
    2-day one is due too) put aside, as a pass would skip them."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE outbox SET due_at = :now, useful_until = NULL WHERE status = 'pending'"),
            {"now": NOW.replace(tzinfo=None)},
        )
    overtaken = superseded_ids(engine, now=NOW)
    with engine.begin() as connection:
        if overtaken:
            connection.execute(
                text("UPDATE outbox SET status = 'skipped' WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": overtaken},
            )
        rows = connection.execute(text("SELECT id FROM outbox WHERE status = 'pending'"))
        return [int(row_id) for (row_id,) in rows]


def put_back(engine: Engine, ids: list[int]) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE outbox SET status = 'pending', attempts = 0, sent_at = NULL, claimed_by = NULL, "
                 "claimed_until = NULL, next_attempt_at = NULL WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )  # fmt: skip


def rows() -> list[Row]:
    count = int(os.environ.get("BENCH_DISPATCH_COUNT", "300" if QUICK else "10000"))
    handler = Counting()
    with seeded(handler) as world:
        return _measure(handler, world.port, world.config, world.engine, count)


@dataclass(frozen=True)
class Seeded:
    config: Settings
    config_path: Path
    engine: Engine
    port: int  # the SMTP server's


@contextmanager
def seeded(handler: object) -> Iterator[Seeded]:
    """An aiosmtpd with `handler` on a free port, and a store in a temporary folder with the seed
    plan imported at NOW, its config's [email] sending to that server."""
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            config_path = folder / "config.toml"
            base = (ROOT / "config.toml").read_text(encoding="utf-8")
            config_path.write_text(
                base.replace("sqlite:///db/scheduler.sqlite3", f"sqlite:///{folder}/bench.sqlite3")
                + f'\n[email]\nbackend = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
                f'smtp_security = "none"\nfrom = "{SENDER}"\n'
                # The plan's whole year of reminders planned at once: what is dispatched here.
                "[reminders]\nhorizon_weeks = 104\n",
                encoding="utf-8",
            )
            config = load_settings(str(config_path), environ={})
            engine = upgrade_store(config.database_url)[0]
            plan = read_plan(ROOT / "db" / "seed" / "kungsholmen-2024.toml").plan
            import_and_schedule(engine, config, plan, source="bench", now=NOW)
            try:
                yield Seeded(config, config_path, engine, port)
            finally:
                engine.dispose()
    finally:
        controller.stop()


def _measure(
    handler: Counting, port: int, config: Settings, engine: Engine, count: int
) -> list[Row]:
    ids = due_reminders(engine)
    email_settings = EmailSettings.from_settings(config)
    handler.keep = len(ids)
    delivery = delivery_for(email_settings)
    dispatch(
        engine, config, email_settings, ids, len(ids), delivery
    )  # warm up; the bare loop's messages
    contents = [content_of(data) for data in handler.kept]
    rounds = min(ROUNDS, count)
    share = [count // rounds + (1 if n < count % rounds else 0) for n in range(rounds)]
    ours = bare = compat = 0.0
    passes = connections = 0
    for size in share:
        handler.connections = 0
        seconds, made = dispatch(engine, config, email_settings, ids, size, delivery)
        ours, passes, connections = ours + seconds, passes + made, connections + handler.connections
        bare += bare_loop(contents, size, "127.0.0.1", port)
        compat += mime_loop(contents, size, "127.0.0.1", port)
    ratio, ratio_mime = bare / ours, compat / ours
    return [
        Row(f"dispatching {count:,} due reminders to a local aiosmtpd vs a bare stdlib loop",
            f"≥ {GOAL}×",
            f"{ratio:.2f}× ({count / ours:,.0f} vs {count / bare:,.0f} msg/s; {passes} passes, "
            f"{connections} SMTP connections; {rounds} rounds in turn)",
            ratio >= GOAL),
        Row("  the same vs a bare loop building with email.mime (compat32), as the dispatcher does",
            "", f"{ratio_mime:.2f}× ({count / compat:,.0f} msg/s bare)"),
    ]  # fmt: skip


def mime_loop(contents: list[Content], count: int, host: str, port: int) -> float:
    """`bare_loop` with the messages built by `email.mime` (compat32), as the dispatcher does."""
    start = time.perf_counter()
    with smtplib.SMTP(host, port, timeout=30) as client:
        for n in range(count):
            c = contents[n % len(contents)]
            body = MIMEMultipart("alternative")
            body.attach(MIMEText(c.plain, "plain", "utf-8"))
            body.attach(MIMEText(c.html, "html", "utf-8"))
            message = body
            if c.calendar is not None:
                message = MIMEMultipart("mixed")
                message.attach(body)
                part = MIMEText(c.calendar.decode("utf-8"), "calendar", "utf-8")
                part.set_param("method", "PUBLISH")
                part.add_header("Content-Disposition", "attachment", filename=c.filename or "")
                message.attach(part)
            message["From"], message["To"] = c.sender, c.recipient
            message["Subject"] = Header(c.subject, "utf-8")  # type: ignore[assignment]
            message["Date"] = formatdate(localtime=False)
            message["Message-ID"] = f"<mime-{n}@kungsholmen.example.org>"
            client.send_message(message)
    return time.perf_counter() - start


def dispatch(engine: Engine, config: Settings, email_settings: EmailSettings, ids: list[int], count: int,
             delivery: Delivery) -> tuple[float, int]:  # fmt: skip
    """Seconds in passes to send `count` messages, and the number of passes."""
    sent, seconds, passes = 0, 0.0, 0
    while sent < count:
        settings = ReminderSettings.from_section(
            Reminders(max_per_pass=min(len(ids), count - sent))
        )
        start = time.perf_counter()
        result = run_due(engine, config=config, delivery=delivery, email=email_settings,
                         settings=settings, now=NOW)  # fmt: skip
        seconds += time.perf_counter() - start
        assert result.sent == settings.max_per_pass, result
        sent += result.sent
        passes += 1
        put_back(engine, ids)
    return seconds, passes


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    if len(sys.argv) > 1:
        os.environ["BENCH_DISPATCH_COUNT"] = sys.argv[1]
    print_rows(rows())
