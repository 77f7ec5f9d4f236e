"""The dispatcher inside `scheduler serve`: APScheduler 3 wakes it at the next due time.

APScheduler holds no work: the job lives in code and the work in the outbox, so several servers
(and cron running `scheduler remind run-due`) can run side by side, each row still sent once.

Each wake the job asks the outbox when the next row is due (one aggregate query). A row due now
gets a pass at once; the job is then armed for the earliest pending row, and at the latest
`poll_seconds` (2 s) later, so a row another process added (a `scheduler move` from the command
line, a second server) is seen within seconds. A pass that took `max_per_pass` rows goes again at
once, in the same wake: the bound caps a pass, not the rate. Even when nothing is due a pass
runs every `pass_seconds` (5 minutes), for the follow-up step that adds rows on its dates and
for the heartbeat /healthz reads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from scheduler.mail.delivery import Delivery
from scheduler.mail.settings import EmailSettings
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import PassResult, run_due, worker_name
from scheduler.services.refresh import refresh_plans_in_time
from scheduler.services.reminder_mail import ReminderRenderer
from scheduler.settings.model import Settings
from scheduler.store.outbox import next_due

log = logging.getLogger(__name__)
JOB_ID = "dispatch-outbox"
RETRY_AFTER_FAILURE = timedelta(seconds=30)


class PlanTopUp:
    """The work `scheduler serve` does before a pass: every plan in time brought in step at most
    once an `interval` (its reminders topped up to the planning horizon, which moves weekly;
    a plan with nothing changed costs a few reads), then `then` (the follow-up step) each pass.
    A failed refresh is logged and does not keep the follow-up step from running."""

    def __init__(self, engine: Engine, config: Settings, *, since: datetime,
                 then: Callable[[datetime], object], interval: timedelta = timedelta(hours=1)) -> None:  # fmt: skip
        self.engine = engine
        self.config = config
        self.last = since  # the server refreshed the plans as it started
        self.then = then
        self.interval = interval

    def __call__(self, now: datetime) -> None:
        if now - self.last >= self.interval:
            self.last = now
            try:
                for refused in refresh_plans_in_time(self.engine, self.config, now=now):
                    log.warning("plan refused, left as it was: %s", refused)
            except Exception:
                log.exception("bringing the plans in step failed; the pass runs anyway")
        self.then(now)


class DispatcherRunner:
    def __init__(self, engine: Engine, *, config: Settings, delivery: Delivery, email: EmailSettings,
                 settings: ReminderSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), poll_seconds: float = 2,
                 pass_seconds: float = 300,
                 before_pass: Callable[[datetime], object] | None = None) -> None:  # fmt: skip
        self.engine = engine
        self.config = config
        self.delivery = delivery
        self.email = email
        self.settings = settings
        self.clock = clock
        self.poll = timedelta(seconds=poll_seconds)
        self.pass_interval = timedelta(seconds=pass_seconds)
        self._next_pass: datetime | None = None  # None: at the first wake
        # Work that creates outbox rows on a date (the follow-up campaign) runs before each pass.
        self.before_pass = before_pass
        self.worker = worker_name()
        # Kept from pass to pass: a plan's schedule is computed again only when the plan changes.
        self.renderer = ReminderRenderer(engine, config)
        self.scheduler = BackgroundScheduler(timezone=UTC)
        self._arming = threading.Lock()
        self._stopping = False

    def start(self) -> None:
        self.scheduler.start()
        self._arm(self.clock())

    def shutdown(self) -> None:
        # APScheduler holds its job store lock while it waits for a running pass, and that pass
        # ends by arming the next one (which takes the same lock): stop arming first, or the two
        # wait for each other forever (Ctrl+C on `scheduler serve` in the middle of a pass).
        with self._arming:
            self._stopping = True
        self.scheduler.shutdown(wait=True)

    def _arm(self, when: datetime) -> None:
        with self._arming:
            if self._stopping:
                return
            # Two instances: the pass that arms this run may not have been counted out yet when
            # it fires a second later, and a run skipped for "max instances" would never re-arm.
            self.scheduler.add_job(self.tick, "date", run_date=when, id=JOB_ID, replace_existing=True,
                                   max_instances=2, misfire_grace_time=None, coalesce=True)  # fmt: skip

    def tick(self) -> PassResult | None:
        """One wake: passes when something is due (or the periodic pass is), then armed again.
        The result of this wake's passes together; None when none ran, or they failed."""
        now = self.clock()
        result = None
        upcoming = None
        try:
            upcoming = next_due(self.engine)
            if self._next_pass is None or now >= self._next_pass or (upcoming and upcoming <= now):
                self._next_pass = now + self.pass_interval
                result = self._passes(now)
                upcoming = next_due(self.engine)
        except Exception:  # a pass that failed (database away) must not stop the next one
            log.exception("dispatcher pass failed")
            # Not a traceback every poll while the database is away: again in half a minute.
            self._arm(self.clock() + max(self.poll, RETRY_AFTER_FAILURE))
            return None
        now = self.clock()
        wake = min(t for t in (upcoming, now + self.poll, self._next_pass) if t is not None)
        if upcoming is not None and upcoming <= now and not (result and result.taken):
            # Due, yet the pass took nothing (a claim running out this very moment): not a spin.
            wake = now + timedelta(seconds=1)
        self._arm(wake)
        return result

    def _passes(self, now: datetime) -> PassResult:
        """The follow-up step and a pass; more passes at once while each takes `max_per_pass`
        rows (more are due), until one takes fewer or the server is stopping."""
        self._before_pass(now)
        total = PassResult()
        while True:
            result = run_due(self.engine, config=self.config, delivery=self.delivery, email=self.email,
                             settings=self.settings, now=now, worker=self.worker, clock=self.clock,
                             renderer=self.renderer)  # fmt: skip
            total.add(result)
            if result.taken < self.settings.max_per_pass or self._stopping:
                return total
            now = self.clock()

    def _before_pass(self, now: datetime) -> None:
        """The follow-up step, apart from the pass: its failure is logged, and the reminders
        already due are still sent."""
        if self.before_pass is None:
            return
        try:
            self.before_pass(now)
        except Exception:
            log.exception("follow-up step failed; the reminder pass runs anyway")
