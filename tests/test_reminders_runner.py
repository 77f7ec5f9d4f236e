"""The APScheduler runner inside `scheduler serve`: each tick is one dispatcher pass, after which
the job is armed again for the next due time. Ticks are called directly with a fake clock on a
paused scheduler (nothing sleeps); one test starts the real background scheduler and stops it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from scheduler.base.time import STOCKHOLM
from scheduler.mail.delivery import delivery_for
from scheduler.model.mail import MailKind, OutboxStatus, PlannedMail, RenderedEmail
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.runner import JOB_ID, DispatcherRunner
from scheduler.settings.model import Reminders
from scheduler.store.outbox import claim, next_due, sync_outbox
from tests.support.helpers import poll_until
from tests.support.smtp_server import SmtpServer, World, make_world

MONTH = 30 * 86400


@pytest.fixture
def world(tmp_path: Path, smtp: SmtpServer) -> World:
    return make_world(tmp_path, f"sqlite:///{tmp_path / 'runner.sqlite3'}", smtp)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def paused() -> Iterator[list[DispatcherRunner]]:
    """Runners whose scheduler is started paused: jobs are armed (next_run_time computed) but
    never run by themselves. Shut down after the test."""
    runners: list[DispatcherRunner] = []
    yield runners
    for runner in runners:
        runner.shutdown()
        assert not runner.scheduler.running


def runner_for(world: World, clock: FakeClock, paused: list[DispatcherRunner], *,
               settings: ReminderSettings | None = None, poll_seconds: float = MONTH) -> DispatcherRunner:  # fmt: skip
    email = world.email
    runner = DispatcherRunner(world.engine, config=world.config, delivery=delivery_for(email), email=email,
                              settings=settings or world.settings, clock=clock,
                              poll_seconds=poll_seconds, pass_seconds=MONTH)  # fmt: skip
    runner.scheduler.start(paused=True)
    paused.append(runner)
    return runner


def armed_for(runner: DispatcherRunner) -> datetime:
    moment = next_run(runner)
    assert moment is not None
    return moment


def next_run(runner: DispatcherRunner) -> datetime | None:
    """When the job will run next; None while a run is going on (a run removes its date job
    until the pass arms the next one)."""
    job = runner.scheduler.get_job(JOB_ID)
    return None if job is None else job.next_run_time


def test_tick_sends_what_is_due_and_arms_the_job_for_the_next_due_time(
    world: World, smtp: SmtpServer, paused: list[DispatcherRunner]
) -> None:
    first = next_due(world.engine)
    assert first is not None
    clock = FakeClock(first)
    runner = runner_for(world, clock, paused)
    for _ in range(6):
        due = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= clock.now]
        result = runner.tick()
        assert result is not None and result.sent == len(due) >= 1
        upcoming = min(r.due_at for r in world.outbox(OutboxStatus.PENDING))
        assert armed_for(runner) == upcoming > clock.now
        clock.now = armed_for(runner)  # the scheduler would wake us then
    assert len(smtp.handler.snapshot()) == len(world.outbox(OutboxStatus.SENT))

    # Nothing due for longer than the poll interval: it looks again after `poll_seconds`.
    short = runner_for(world, clock, paused, poll_seconds=600)
    short.tick()
    assert armed_for(short) == clock.now + timedelta(seconds=600)


def test_a_full_pass_goes_again_at_once(world: World, paused: list[DispatcherRunner]) -> None:
    """At most `max_per_pass` per pass, but not per wake: a pass that took that many is followed
    at once by another, until everything due is sent; then it is armed for the next due row."""
    now = datetime(2024, 1, 9, 12, 0, tzinfo=UTC)  # a morning of several due reminders
    due = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= now]
    assert len(due) > 2
    clock = FakeClock(now)
    runner = runner_for(
        world, clock, paused, settings=ReminderSettings.from_section(Reminders(max_per_pass=1))
    )
    result = runner.tick()
    assert result is not None and result.sent + result.skipped + result.cancelled == len(due)
    assert result.sent > 2
    assert not [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= now]
    assert armed_for(runner) == min(r.due_at for r in world.outbox(OutboxStatus.PENDING)) > now


def test_a_row_another_process_adds_is_seen_at_the_next_poll(
    world: World, paused: list[DispatcherRunner]
) -> None:
    """Once the morning's reminders are sent nothing is due for days, so the job is armed for the
    poll, two seconds on; a wake with nothing due runs no pass, and a row added meanwhile by
    another process (a change notice from `scheduler move`) is sent at the next wake."""
    now = datetime(2024, 1, 9, 12, 0, tzinfo=UTC)
    clock = FakeClock(now)
    runner = runner_for(world, clock, paused, poll_seconds=2)
    runner.tick()
    poll = armed_for(runner)
    assert (
        poll
        == now + timedelta(seconds=2)
        < min(r.due_at for r in world.outbox(OutboxStatus.PENDING))
    )
    clock.now = poll
    assert runner.tick() is None  # nothing due: no pass (no follow-up step, no heartbeat)
    sync_outbox(world.engine, planned=[later_mail("runner-test|added", clock.now)], kinds_owned=(),
                plan_id=world.plan_id, now=clock.now)  # fmt: skip
    clock.now = armed_for(runner)
    result = runner.tick()
    assert result is not None and result.sent == 1
    assert "runner-test|added" in {r.key for r in world.outbox(OutboxStatus.SENT)}


def test_a_claim_held_elsewhere_wakes_the_runner_when_it_runs_out(
    world: World, paused: list[DispatcherRunner]
) -> None:
    """Another dispatcher is sending the only due row: come back when its claim expires (it may
    have crashed), not every second."""
    first = next_due(world.engine)
    assert first is not None
    (row,) = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= first]
    assert row.id is not None
    lease = timedelta(minutes=world.settings.claim_minutes)
    assert claim(world.engine, row.id, worker="other-host:1:abc", now=first, lease=lease)
    clock = FakeClock(first + timedelta(seconds=5))
    runner = runner_for(world, clock, paused)
    result = runner.tick()
    assert result is not None and result.sent == 0
    assert armed_for(runner) == first + lease


def test_start_runs_a_pass_in_the_background_and_shutdown_stops_it(
    world: World, smtp: SmtpServer
) -> None:
    now = datetime.now(UTC)
    mail = PlannedMail(
        key="runner-test|now", kind=MailKind.FOLLOWUP_START, occurrence_id=None, role="Trygghetssamordnare",
        recipient="trygghetssamordnare@kungsholmen.example.org", due_at=now - timedelta(minutes=1),
        useful_until=now + timedelta(hours=1), email=RenderedEmail("Test", "Hej!", "<p>Hej!</p>"),
        attachment=None,
    )  # fmt: skip
    sync_outbox(world.engine, planned=[mail], kinds_owned=(), plan_id=world.plan_id, now=now)
    email = world.email
    runner = DispatcherRunner(world.engine, config=world.config, delivery=delivery_for(email), email=email,
                              settings=world.settings, poll_seconds=MONTH, pass_seconds=MONTH)  # fmt: skip
    runner.start()
    try:
        (got,) = smtp.handler.wait_for(1, timeout=20)
        assert got.message["Subject"] == "Test"
        # The pass has finished once the job is armed for later (nothing else is due).
        poll_until(lambda: (next_run(runner) or now) > now + timedelta(days=1))
    finally:
        runner.shutdown()
    assert not runner.scheduler.running
    assert [r.key for r in world.outbox(OutboxStatus.SENT)] == ["runner-test|now"]
    assert len(smtp.handler.snapshot()) == 1  # the 2024 reminders were all stale: skipped


def test_shutdown_in_the_middle_of_a_pass_waits_for_it_and_returns(
    world: World, smtp: SmtpServer
) -> None:
    """Ctrl+C on `scheduler serve` while the dispatcher is talking to a slow server: the pass
    finishes, the runner stops, nothing is armed again (and nothing hangs)."""
    now = datetime.now(UTC)
    mails = [
        PlannedMail(
            key=f"runner-test|{n}", kind=MailKind.FOLLOWUP_START, occurrence_id=None, role="Trygghetssamordnare",
            recipient="trygghetssamordnare@kungsholmen.example.org", due_at=now - timedelta(minutes=1),
            useful_until=now + timedelta(hours=1), email=RenderedEmail(f"Test {n}", "Hej!", "<p>Hej!</p>"),
            attachment=None,
        )
        for n in (1, 2)
    ]  # fmt: skip
    sync_outbox(world.engine, planned=mails, kinds_owned=(), plan_id=world.plan_id, now=now)
    smtp.handler.delay = 1.0
    email = world.email
    runner = DispatcherRunner(world.engine, config=world.config, delivery=delivery_for(email), email=email,
                              settings=world.settings, poll_seconds=MONTH, pass_seconds=MONTH)  # fmt: skip
    runner.start()
    smtp.handler.wait_for(1)  # the pass is in the middle of its first send
    stopping = threading.Thread(target=runner.shutdown, daemon=True)
    stopping.start()
    stopping.join(timeout=20)
    assert not stopping.is_alive(), "shutdown hangs"
    assert not runner.scheduler.running
    assert runner.scheduler.get_job(JOB_ID) is None
    assert sorted(r.key for r in world.outbox(OutboxStatus.SENT)) == [
        "runner-test|1",
        "runner-test|2",
    ]


def later_mail(key: str, due: datetime) -> PlannedMail:
    return PlannedMail(
        key=key, kind=MailKind.FOLLOWUP_START, occurrence_id=None, role="Trygghetssamordnare",
        recipient="trygghetssamordnare@kungsholmen.example.org", due_at=due,
        useful_until=due + timedelta(hours=1), email=RenderedEmail("Senare", "Hej!", "<p>Hej!</p>"),
        attachment=None,
    )  # fmt: skip


def test_a_row_the_follow_up_step_adds_for_later_is_armed_for_to_the_microsecond(
    world: World, paused: list[DispatcherRunner]
) -> None:
    """Rows this process adds (the follow-up step runs inside the pass) are seen by the arming
    after the pass: the job is armed for the row's own due time, not rounded and not the poll."""
    now = next_due(world.engine)
    assert now is not None
    due = now + timedelta(seconds=37, microseconds=250_000)
    assert all(r.due_at > due for r in world.outbox(OutboxStatus.PENDING) if r.due_at > now)
    clock = FakeClock(now)
    runner = runner_for(world, clock, paused)
    runner.before_pass = lambda at: sync_outbox(
        world.engine, planned=[later_mail("runner-test|later", due)], kinds_owned=(),
        plan_id=world.plan_id, now=at,
    )  # fmt: skip
    runner.tick()
    assert armed_for(runner) == due
    clock.now = due  # the scheduler wakes then
    result = runner.tick()
    assert result is not None and result.sent == 1
    assert [r.key for r in world.outbox(OutboxStatus.SENT) if r.key == "runner-test|later"] == [
        "runner-test|later"
    ]


class TickingClock(FakeClock):
    """Time that moves on by `step` at every reading: a pass whose sends take long."""

    def __init__(self, now: datetime, step: timedelta) -> None:
        super().__init__(now)
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def test_a_row_that_falls_due_during_a_long_pass_is_taken_as_soon_as_the_pass_ends(
    world: World, paused: list[DispatcherRunner]
) -> None:
    """Not a second late, nor a poll interval: the job is armed for a moment already past when
    the pass ends, which APScheduler runs at once."""
    start = next_due(world.engine)
    assert start is not None
    due = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= start]
    for n in range(10):  # ten more sends, ten seconds each
        sync_outbox(world.engine, planned=[later_mail(f"runner-test|now|{n}", start)], kinds_owned=(),
                    plan_id=world.plan_id, now=start)  # fmt: skip
    during = start + timedelta(seconds=30)
    sync_outbox(world.engine, planned=[later_mail("runner-test|during", during)], kinds_owned=(),
                plan_id=world.plan_id, now=start)  # fmt: skip
    clock = TickingClock(start - timedelta(seconds=10), step=timedelta(seconds=10))
    runner = runner_for(
        world, clock, paused, settings=ReminderSettings.from_section(Reminders(max_per_pass=100))
    )
    result = runner.tick()
    assert result is not None and result.sent == len(due) + 10
    assert armed_for(runner) == during < clock.now  # past by the end of the pass: runs at once
    assert runner.tick() is not None
    assert "runner-test|during" in {r.key for r in world.outbox(OutboxStatus.SENT)}


def test_the_background_runner_wakes_for_a_row_due_after_it_started(
    world: World, smtp: SmtpServer
) -> None:
    """With the real scheduler and a poll interval of a month: a row due a moment after the first
    pass is sent (not a month later), and not before its time."""
    due = datetime.now(UTC) + timedelta(seconds=1)
    sync_outbox(world.engine, planned=[later_mail("runner-test|soon", due)], kinds_owned=(),
                plan_id=world.plan_id, now=datetime.now(UTC))  # fmt: skip
    email = world.email
    runner = DispatcherRunner(world.engine, config=world.config, delivery=delivery_for(email), email=email,
                              settings=world.settings, poll_seconds=MONTH, pass_seconds=MONTH)  # fmt: skip
    runner.start()
    try:
        (got,) = smtp.handler.wait_for(1, timeout=20)
    finally:
        runner.shutdown()
    assert got.message["Subject"] == "Senare"
    # The Date header is the second the pass built it (seconds only): not before the due second.
    assert got.sent_at >= due.replace(microsecond=0)
    assert [r.key for r in world.outbox(OutboxStatus.SENT)] == ["runner-test|soon"]


def test_the_runners_renderer_follows_a_move_between_passes(
    world: World, smtp: SmtpServer, paused: list[DispatcherRunner]
) -> None:
    """The runner keeps its renderer (and the plan's schedule) from pass to pass; a meeting moved
    in between is told as it is now: the change notice carries the new start, not the cached
    one."""
    now = datetime(2024, 1, 9, 12, 0, tzinfo=UTC)
    clock = FakeClock(now)
    runner = runner_for(world, clock, paused)
    first = runner.tick()
    assert first is not None and first.sent >= 1  # reminders rendered: the schedule is cached
    meeting = next(o for o in world.occurrences() if o.kind == "meeting" and o.start > now + timedelta(days=20)
                   and any(r.kind == MailKind.MEETING_REMINDER for r in world.rows_for(o)))  # fmt: skip
    new_start = meeting.start + timedelta(days=1, hours=1)
    local = new_start.astimezone(STOCKHOLM)
    moved = world.cli(
        "move", meeting.uid, f"{local:%Y-%m-%d}", f"{local:%H:%M}", "--now", now.isoformat()
    )
    assert moved.code == 0, moved.err
    smtp.handler.clear()
    clock.now = now + timedelta(seconds=2)
    result = runner.tick()
    assert result is not None and result.sent == 1
    (notice,) = smtp.handler.snapshot()
    (part,) = [
        p for p in notice.message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert event.decoded("DTSTART") == new_start
