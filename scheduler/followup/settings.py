"""[followup] in config.toml: when the campaign starts and ends, how often it nudges (the keys
are declared in scheduler.settings.model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduler.base.time import STOCKHOLM
from scheduler.settings.model import Followup


@dataclass(frozen=True)
class FollowupSettings:
    """The keys of [followup] (their defaults and meaning: scheduler.settings.model.Followup),
    made only by `from_section`."""

    start: tuple[int, int]  # month, day of the plan year
    deadline: tuple[int, int]
    nudge_days: int
    link_grace_days: int
    max_text: int

    @classmethod
    def from_section(cls, followup: Followup) -> FollowupSettings:
        return cls(**followup.model_dump())

    def start_at(self, year: int) -> datetime:
        return datetime.combine(date(year, *self.start), time(8, 0), tzinfo=STOCKHOLM)

    def deadline_at(self, year: int) -> datetime:
        """The end of the deadline day, local time."""
        return datetime.combine(
            date(year, *self.deadline) + timedelta(days=1), time(0, 0), tzinfo=STOCKHOLM
        )
