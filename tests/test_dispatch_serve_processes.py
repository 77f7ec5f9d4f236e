"""`scheduler serve` as a real process on a shifted clock (Debian's libfaketime, reading its offset
from a file: the server starts well before a batch of reminders is due and, once it answers, its
clock is moved to seconds before the due time and runs on from there): the batch leaves at its
due time, not at a later tick, and a change notice that another process adds (`scheduler move`
as its own process) is sent within the runner's short poll, not the old five-minute one. SQLite
and PostgreSQL. Nothing sleeps for time to pass: the test waits for messages to arrive.

The times compared are the server's own (its `now` when it claimed each row, stored as the row's
`sent_at`). The bound here is loose, to tell "woken at the due time" from "woken by a periodic
tick" on a busy machine; the delay itself (p99) is measured by `make bench`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from scheduler.base.time import STOCKHOLM
from scheduler.model.mail import OutboxStatus, is_change
from scheduler.store.outbox import next_due
from tests.support.helpers import poll_until
from tests.support.processes import Install, MovableClock, serving
from tests.support.seed import ROOT
from tests.support.smtp_server import SmtpServer, World, make_world

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

CAUGHT_UP = datetime.fromisoformat("2024-01-30T00:00:00+01:00")
# Far under the old five-minute poll, and loose enough for a machine busy with other tests; the
# real figure (p99 under 2 s) is the bench's.
LOOSE = timedelta(seconds=60)


def caught_up(world: World) -> datetime:
    """Every pass run in-process up to CAUGHT_UP (those messages forgotten); the next due time."""
    while (due := next_due(world.engine)) is not None and due < CAUGHT_UP:
        world.run(due)
    world.smtp.handler.clear()
    upcoming = next_due(world.engine)
    assert upcoming is not None
    return upcoming


def test_serve_sends_at_the_due_time_and_sees_a_move_from_another_process_within_seconds(
    tmp_path: Path, store_url: str, smtp: SmtpServer, faketime: str
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    due = caught_up(world)
    batch = {r.key for r in world.outbox(OutboxStatus.PENDING) if r.due_at == due}
    assert batch
    install = Install(faketime, world.config_path, tmp_path / "outbox", tmp_path / "scheduler.log")
    clock = MovableClock(tmp_path / "faketime.rc")
    clock.set(due - timedelta(minutes=10))  # however slow the start, nothing falls due in it
    server_now = clock.now

    with serving(install, clock, "due"):
        assert not sent_keys(world) & batch  # not before its time
        clock.set(due - timedelta(seconds=4))
        poll_until(lambda: batch <= sent_keys(world), timeout=120)
        rows = {r.key: r for r in world.outbox()}
        for key in batch:
            sent_at = rows[key].sent_at
            assert sent_at is not None and due <= sent_at < due + LOOSE, (key, sent_at, due)

        # Another process moves a meeting now (by the server's clock): its change notice is
        # due at once, and the server has no reason to wake but its poll.
        moment = server_now()
        meeting = next(o for o in world.occurrences()
                       if o.kind == "meeting" and o.start > moment + timedelta(days=7))  # fmt: skip
        moved = subprocess.run(
            [sys.executable, "-m", "scheduler", "--config", str(world.config_path), "move", meeting.uid,
             (meeting.start + timedelta(days=1)).astimezone(STOCKHOLM).strftime("%Y-%m-%d"),
             "--now", moment.isoformat()],
            cwd=ROOT, env={k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert moved.returncode == 0, moved.stderr
        (change,) = [r for r in world.outbox() if is_change(r.kind)]
        poll_until(lambda: change.key in sent_keys(world), timeout=120)
    (sent,) = [r for r in world.outbox() if r.key == change.key]
    assert sent.sent_at is not None and change.due_at <= sent.sent_at < change.due_at + LOOSE
    delivered = smtp.handler.message_ids()
    assert max(delivered.values()) == 1, "a message arrived twice"


def sent_keys(world: World) -> set[str]:
    return {r.key for r in world.outbox("sent")}
