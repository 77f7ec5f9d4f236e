"""The reminders' view of [reminders], built from the validated table (scheduler.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from scheduler.base.time import STOCKHOLM
from scheduler.settings.model import Reminders


@dataclass(frozen=True)
class ReminderSettings:
    """The keys of [reminders] (their defaults and meaning: scheduler.settings.model.Reminders),
    made only by `from_section`."""

    meeting_days: tuple[int, ...]
    task_long_days: tuple[int, ...]
    task_short_days: tuple[int, ...]
    long_period_days: int
    send_time: time
    held_question: bool
    overdue_days: int
    digest: str
    digest_weeks: int
    max_per_pass: int
    retry_minutes: tuple[int, ...]
    claim_minutes: int
    link_days: int
    horizon_weeks: int
    keep_sent_days: int

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
