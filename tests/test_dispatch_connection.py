"""One SMTP connection per dispatcher pass, against the real aiosmtpd server (tests/support/smtp_server.py),
which counts connections and can drop one after a number of messages or refuse new ones.

A pass of many due rows uses one connection; a connection dropped mid-pass (closed without a
word, or with 421) is opened again and every message arrives exactly once; a server that then
refuses to be reached leaves the rest for a retry, none lost and none sent twice; a refused
recipient leaves the connection usable for the next message. (STARTTLS, TLS and login over a
kept connection: tests/test_reminders_tls.py.)
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from scheduler.mail.render import message_id
from scheduler.model.mail import MailKind, OutboxMail, OutboxStatus, PlannedMail, RenderedEmail
from scheduler.reminders.settings import ReminderSettings
from scheduler.settings.model import Reminders
from scheduler.store.outbox import next_due, sync_outbox
from tests.support.smtp_server import SENDER, SmtpServer, World, make_world

MANY = 40
ROOM = ReminderSettings.from_section(Reminders(max_per_pass=500))  # every due row in one pass


@pytest.fixture
def world(tmp_path: Path, smtp: SmtpServer) -> World:
    return make_world(tmp_path, f"sqlite:///{tmp_path / 'connection.sqlite3'}", smtp)


def add_due(world: World, now: datetime, count: int = MANY) -> None:
    """`count` more rows due at `now` (stored mail, like the follow-up's), to distinct people."""
    planned = [
        PlannedMail(key=f"connection-test|{n}", kind=MailKind.FOLLOWUP_START, occurrence_id=None, role="Trygghetssamordnare",
                    recipient=f"mottagare{n}@kungsholmen.example.org", due_at=now,
                    useful_until=now + timedelta(days=1),
                    email=RenderedEmail(f"Test {n}", f"Hej {n}!", f"<p>Hej {n}!</p>"), attachment=None)
        for n in range(count)
    ]  # fmt: skip
    sync_outbox(world.engine, planned=planned, kinds_owned=(), plan_id=world.plan_id, now=now)


def due_at(world: World, now: datetime) -> list[OutboxMail]:
    return [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= now]


def expected_ids(rows: list[OutboxMail]) -> Counter[str]:
    domain = SENDER.split("@")[1]
    return Counter(message_id(r.key, domain) for r in rows)


def first_due(world: World) -> datetime:
    moment = next_due(world.engine)
    assert moment is not None
    return moment


def test_a_pass_of_many_due_rows_uses_one_connection(world: World, smtp: SmtpServer) -> None:
    now = first_due(
        world
    )  # the plan's first reminders (rendered at claim, with .ics) and many more
    add_due(world, now)
    due = due_at(world, now)
    assert len(due) > MANY
    result = world.run(now, settings=ROOM)
    assert (result.sent, result.retried, result.failed) == (len(due), 0, 0)
    assert smtp.handler.message_ids() == expected_ids(due)
    assert smtp.handler.connections == 1
    assert len({m.peer for m in smtp.handler.snapshot()}) == 1


def test_a_pass_with_nothing_due_opens_no_connection(world: World, smtp: SmtpServer) -> None:
    now = first_due(world) - timedelta(minutes=1)
    result = world.run(now, settings=ROOM)
    assert result.sent == 0
    assert smtp.handler.connections == 0


def test_each_pass_has_its_own_connection(world: World, smtp: SmtpServer) -> None:
    now = first_due(world)
    world.run(now, settings=ROOM)
    later = first_due(world)
    add_due(world, later)
    world.run(later, settings=ROOM)
    assert smtp.handler.connections == 2
    assert all(n == 1 for n in smtp.handler.message_ids().values())


@pytest.mark.parametrize("drop_with", ["close", "421"])
def test_a_connection_dropped_mid_pass_is_opened_again_and_every_message_arrives_once(
    world: World, smtp: SmtpServer, drop_with: str
) -> None:
    now = first_due(world)
    add_due(world, now)
    due = due_at(world, now)
    smtp.handler.drop_after, smtp.handler.drop_with = 7, drop_with
    result = world.run(now, settings=ROOM)
    assert (result.sent, result.retried, result.failed) == (len(due), 0, 0), result.errors
    assert smtp.handler.message_ids() == expected_ids(due)  # each exactly once
    connections = -(-len(due) // 7)
    assert smtp.handler.connections == connections
    assert smtp.handler.drops == connections - 1
    assert {r.key for r in world.outbox(OutboxStatus.SENT)} == {r.key for r in due}


def test_a_server_that_refuses_the_reconnect_leaves_the_rest_for_a_retry(
    world: World, smtp: SmtpServer
) -> None:
    now = first_due(world)
    add_due(world, now)
    due = due_at(world, now)
    smtp.handler.drop_after, smtp.handler.max_connections = 7, 1
    result = world.run(now, settings=ROOM)
    assert (result.sent, result.retried, result.failed) == (7, len(due) - 7, 0)
    assert smtp.handler.connections == 1
    # One refused attempt to reconnect; the rest of the pass did not knock again and again.
    assert smtp.handler.refusals == 1
    sent = world.outbox(OutboxStatus.SENT)
    assert smtp.handler.message_ids() == expected_ids(sent)
    waiting = [r for r in world.outbox(OutboxStatus.PENDING) if r.key in {d.key for d in due}]
    assert len(waiting) == len(due) - 7
    assert {(r.attempts, r.next_attempt_at) for r in waiting} == {(1, now + timedelta(minutes=2))}

    # The server is back: the retry sends the rest, each once, over one new connection.
    smtp.handler.drop_after = smtp.handler.max_connections = 0
    retry = world.run(now + timedelta(minutes=2), settings=ROOM)
    assert retry.sent == len(due) - 7
    assert smtp.handler.message_ids() == expected_ids(due)
    assert smtp.handler.connections == 2


def test_a_refused_recipient_leaves_the_connection_for_the_next_message(
    world: World, smtp: SmtpServer
) -> None:
    now = first_due(world)
    add_due(world, now)
    due = due_at(world, now)
    refused = "mottagare3@kungsholmen.example.org"
    smtp.handler.refuse_recipients[refused] = "550 5.1.1 No such user"
    result = world.run(now, settings=ROOM)
    assert (result.sent, result.failed) == (len(due) - 1, 1)
    (failed,) = world.outbox(OutboxStatus.FAILED)
    assert failed.recipient == refused and failed.last_error.startswith("550")
    assert smtp.handler.message_ids() == expected_ids([r for r in due if r.recipient != refused])
    assert smtp.handler.connections == 1
