"""The dispatcher inside `scheduler serve`: APScheduler 3 wakes it at the next due time.

APScheduler holds no work: the job lives in code and the work in the outbox, so several servers
(and cron running `scheduler remind run-due`) can run side by side, each row still sent once.
After each pass the job is re-armed for the earliest pending row, and at least every
`poll_seconds` to see rows another process added.
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
from scheduler.settings.model import Settings
from scheduler.store.outbox import next_due

log = logging.getLogger(__name__)
JOB_ID = "dispatch-outbox"


class DispatcherRunner:
    def __init__(self, engine: Engine, *, config: Settings, delivery: Delivery, email: EmailSettings,
                 settings: ReminderSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), poll_seconds: float = 300,
                 before_pass: Callable[[datetime], object] | None = None) -> None:  # fmt: skip
        self.engine = engine
        self.config = config
        self.delivery = delivery
        self.email = email
        self.settings = settings
        self.clock = clock
        self.poll = timedelta(seconds=poll_seconds)
        # Work that creates outbox rows on a date (the follow-up campaign) runs before each pass.
        self.before_pass = before_pass
        self.worker = worker_name()
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
        now = self.clock()
        self._before_pass(now)
        result = None
        upcoming = None
        try:
            result = run_due(self.engine, config=self.config, delivery=self.delivery, email=self.email, settings=self.settings,
                             now=now, worker=self.worker, clock=self.clock)  # fmt: skip
            upcoming = next_due(self.engine)
        except Exception:  # a pass that failed (database away) must not stop the next one
            log.exception("dispatcher pass failed")
        soon = now + self.poll
        # A full pass may have left due rows behind (bounded rate): come back right away then.
        wake = min(upcoming, soon) if upcoming else soon
        self._arm(max(wake, now + timedelta(seconds=1)))
        return result

    def _before_pass(self, now: datetime) -> None:
        """The follow-up step, apart from the pass: its failure is logged, and the reminders
        already due are still sent."""
        if self.before_pass is None:
            return
        try:
            self.before_pass(now)
        except Exception:
            log.exception("follow-up step failed; the reminder pass runs anyway")
