"""Dispatchers as real OS processes (`python -m scheduler remind run-due --now …`) on one
database, SQLite and PostgreSQL: two at once send each reminder once; one killed with SIGKILL in
the middle of a batch loses nothing, and only the message it was sending can arrive twice, with
the same Message-ID, after its claim has run out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from scheduler.mail.render import message_id
from scheduler.model.mail import OutboxMail, OutboxStatus
from scheduler.store.outbox import next_due
from tests.support.seed import ROOT
from tests.support.smtp_server import SENDER, SmtpServer, World, make_world

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

# Passes ran at every due time until CAUGHT_UP; the next one is a week later, at PASS_AT, when a
# batch of reminders is due (14-day, 2-day and task ones), none overtaken or stale yet.
CAUGHT_UP = datetime.fromisoformat("2024-01-30T00:00:00+01:00")
PASS_AT = datetime.fromisoformat("2024-02-06T08:30:00+01:00")
DOMAIN = SENDER.split("@")[1]


def dispatcher(world: World, now: datetime) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(world.config_path),
         "remind", "run-due", "--now", now.isoformat()],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(process: subprocess.Popen[str], timeout: float = 60) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


def due_at_pass(world: World) -> list[OutboxMail]:
    """Catches up to CAUGHT_UP (and forgets those messages); the rows due at PASS_AT."""
    while (due := next_due(world.engine)) is not None and due < CAUGHT_UP:
        world.run(due)
    world.smtp.handler.clear()
    rows = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= PASS_AT]
    assert len(rows) >= 6
    assert all(r.useful_until is None or r.useful_until > PASS_AT for r in rows)
    return rows


def sent_since(world: World, now: datetime) -> list[OutboxMail]:
    return [
        r for r in world.outbox(OutboxStatus.SENT) if r.sent_at is not None and r.sent_at >= now
    ]


def test_two_dispatcher_processes_send_each_reminder_once(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    due = due_at_pass(world)
    # The first message is held until the other process is sending too, so their passes overlap.
    smtp.handler.hold_until_concurrent = 2
    smtp.handler.delay = 0.1
    first, second = dispatcher(world, PASS_AT), dispatcher(world, PASS_AT)
    outputs = [finish(first), finish(second)]

    rows = {r.key: r for r in world.outbox()}
    assert {rows[r.key].status for r in due} == {OutboxStatus.SENT}
    sent = sent_since(world, PASS_AT)
    workers = {r.claimed_by.split(":")[1] for r in sent if r.claimed_by}
    assert workers == {str(first.pid), str(second.pid)}, "both processes sent some"
    counts = [int(out.split()[1].rstrip(",")) for out in outputs]  # "Skickade N, …"
    assert sum(counts) == len(sent) == len(due)

    delivered = smtp.handler.message_ids()
    assert max(delivered.values()) == 1, "a reminder arrived twice"
    assert set(delivered) == {message_id(r.key, DOMAIN) for r in sent}
    assert [m.rcpt_tos for m in smtp.handler.snapshot()] != []
    for got in smtp.handler.snapshot():
        row = next(r for r in sent if message_id(r.key, DOMAIN) == got.message_id)
        assert got.rcpt_tos == (row.recipient,)


def test_a_dispatcher_killed_mid_batch_loses_nothing(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    due = due_at_pass(world)
    lease = timedelta(minutes=world.settings.claim_minutes)
    smtp.handler.delay = 60  # the first message arrives, then the server takes its time to say 250
    process = dispatcher(world, PASS_AT)
    try:
        (first,) = smtp.handler.wait_for(1, timeout=60)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    smtp.handler.delay = 0

    # The row it was sending is claimed by the dead process; the rest wait, nothing is lost.
    (in_flight,) = world.outbox(OutboxStatus.SENDING)
    assert message_id(in_flight.key, DOMAIN) == first.message_id
    assert in_flight.claimed_until == PASS_AT + lease
    assert {r.key for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= PASS_AT} == {
        r.key for r in due
    } - {in_flight.key}

    # Restarted while the dead one's claim still holds: everything else goes out, not that row.
    result = world.cli("remind", "run-due", "--now", (PASS_AT + lease / 2).isoformat())
    assert result.code == 0, result.err
    assert [r.key for r in world.outbox(OutboxStatus.SENDING)] == [in_flight.key]
    assert smtp.handler.message_ids()[first.message_id] == 1

    # Once the claim has run out, the in-flight message is sent again, with the same Message-ID.
    result = world.cli("remind", "run-due", "--now", (PASS_AT + lease + timedelta(minutes=1)).isoformat())  # fmt: skip
    assert result.code == 0, result.err
    rows = {r.key: r for r in world.outbox()}
    assert {rows[r.key].status for r in due} == {OutboxStatus.SENT}
    assert rows[in_flight.key].attempts == 1  # the first attempt never finished
    delivered = smtp.handler.message_ids()
    assert delivered[first.message_id] == 2
    assert all(n == 1 for mid, n in delivered.items() if mid != first.message_id)
    sent = sent_since(world, PASS_AT)
    assert set(delivered) == {message_id(r.key, DOMAIN) for r in sent}
    assert sum(delivered.values()) == len(sent) + 1
    assert not [r for r in world.outbox(OutboxStatus.SKIPPED) if r.key in {d.key for d in due}]
