"""The reminders' view of [reminders], built from the validated table (scheduler.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from scheduler.base.time import STOCKHOLM
from scheduler.settings.model import Reminders


@dataclass(frozen=True)
class ReminderSettings:
    meeting_days: tuple[int, ...] = (14, 2)
    task_long_days: tuple[int, ...] = (28, 0)
    task_short_days: tuple[int, ...] = (7, 0)
    long_period_days: int = 45  # a task whose series repeats less often than this is "long"
    send_time: time = time(8, 0)
    held_question: bool = True  # ask the convener after each meeting whether it was held
    overdue_days: int = 1  # the nudge after a task's due day
    digest: str = "off"  # "off", "also" (beside single reminders) or "instead"
    digest_weeks: int = 3
    max_per_pass: int = 20  # the bounded rate: at most this many sends per dispatcher pass
    retry_minutes: tuple[int, ...] = (2, 10, 30, 120, 480)
    claim_minutes: int = 10  # a claim older than this is taken to be a crashed dispatcher's
    link_days: int = 30  # how long an answer link stays valid after the meeting
    horizon_weeks: int = 8  # reminders are planned (stored) this far ahead; see `horizon`
    keep_sent_days: int = 400  # a sent email's text is kept this long, then pruned

    @classmethod
    def from_section(cls, reminders: Reminders) -> ReminderSettings:
        values = reminders.model_dump()
        # No retry delays configured still retries once, after five minutes.
        values["retry_minutes"] = reminders.retry_minutes or (5,)
        return cls(**values)

    def horizon(self, now: datetime) -> datetime:
        """Until when a refresh at `now` plans reminders: Stockholm midnight of the Monday after
        `horizon_weeks` from now. It moves once a week, so a plan whose inputs are unchanged is
        planned again (topped up) weekly, not at every refresh."""
        day = now.astimezone(STOCKHOLM).date() + timedelta(weeks=self.horizon_weeks)
        monday = day + timedelta(days=7 - day.weekday())
        return datetime.combine(monday, time(), tzinfo=STOCKHOLM)

    def retry_delay(self, attempts: int) -> timedelta:
        index = min(attempts, len(self.retry_minutes)) - 1
        return timedelta(minutes=self.retry_minutes[max(index, 0)])

    @property
    def max_attempts(self) -> int:
        return len(self.retry_minutes) + 1
