"""A plan in a store with follow-up and mail set up, for the follow-up tests."""

from __future__ import annotations

import email
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from scheduler.mail.delivery import delivery_for
from scheduler.mail.settings import EmailSettings
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import PassResult, run_due
from scheduler.services.refresh import import_and_schedule
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from tests.support.cli import write_config
from tests.support.databases import upgraded_engine
from tests.support.feeds_fixture import IMPORTED_AT, seed_with_dst_measure
from tests.support.helpers import free_port

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LINK = re.compile(r"(https?://\S+/uppfoljning/\S+)")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


@dataclass
class Inbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def take(self) -> list[EmailMessage]:
        with self.lock:
            taken, self.messages = self.messages, []
        return taken


@dataclass
class FollowupWorld:
    engine: Engine
    config: Settings
    plan_id: int
    inbox: Inbox
    controller: Controller

    def send_due(self, now: datetime) -> PassResult:
        settings = EmailSettings.from_settings(self.config)
        return run_due(self.engine, config=self.config, delivery=delivery_for(settings), email=settings,
                       settings=ReminderSettings.from_section(self.config.reminders), now=now)  # fmt: skip

    def close(self) -> None:
        self.controller.stop()
        self.engine.dispose()


def text_part(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def form_link(message: EmailMessage) -> str:
    match = LINK.search(text_part(message))
    assert match, text_part(message)
    return match[1]


def followup_world(
    tmp_path: Path, *, url: str | None = None, base_url: str | None = None
) -> FollowupWorld:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    database = url or f"sqlite:///{tmp_path / 'followup.sqlite3'}"
    path = write_config(tmp_path / "config.toml", database, extra=(
        f'[email]\nbackend = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"\n'
        '[reminders]\nmax_per_pass = 1000\nheld_question = false\nmeeting_days = []\ntask_long_days = []\n'
        'task_short_days = []\n'
    ))  # fmt: skip
    if base_url:
        path.write_text(
            path.read_text(encoding="utf-8").replace("http://127.0.0.1:8000", base_url),
            encoding="utf-8",
        )
    config = load_settings(str(path), environ={})
    engine = upgraded_engine(config.database_url)
    result, _ = import_and_schedule(
        engine, config, seed_with_dst_measure(), source="test", now=IMPORTED_AT
    )
    return FollowupWorld(engine, config, result.plan_id, inbox, controller)
