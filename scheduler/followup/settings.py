"""[followup] in config.toml: when the campaign starts and ends, how often it nudges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduler.base.errors import ConfigError
from scheduler.base.time import STOCKHOLM
from scheduler.settings.config import Config
from scheduler.settings.spec import Key, integer, read_table

_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _month_day() -> Key:
    return Key(
        None,
        lambda v: isinstance(v, str) and bool(_MONTH_DAY.match(v)),
        'en dag "MM-DD", t.ex. "11-15"',
    )


@dataclass(frozen=True)
class FollowupSettings:
    start: tuple[int, int] = (11, 15)  # month, day of the plan year
    deadline: tuple[int, int] = (12, 15)
    nudge_days: int = 7
    link_grace_days: int = 14  # the form can be opened (read only) this long after the deadline
    max_text: int = 5000  # characters per answer

    @classmethod
    def from_config(cls, config: Config) -> FollowupSettings:
        v = read_table(config.table("followup"), "followup", {
            "start": (_month_day(), "11-15"),
            "deadline": (_month_day(), "12-15"),
            "nudge_days": (integer(1, 60), 7),
            "link_grace_days": (integer(0, 365), 14),
            "max_text": (integer(100, 100_000), 5000),
        })  # fmt: skip
        start = tuple(int(p) for p in v["start"].split("-"))
        deadline = tuple(int(p) for p in v["deadline"].split("-"))
        if deadline <= start:
            raise ConfigError("«followup.deadline» måste ligga efter «followup.start» under året.")
        return cls(start=(start[0], start[1]), deadline=(deadline[0], deadline[1]), nudge_days=v["nudge_days"],
                   link_grace_days=v["link_grace_days"], max_text=v["max_text"])  # fmt: skip

    def start_at(self, year: int) -> datetime:
        return datetime.combine(date(year, *self.start), time(8, 0), tzinfo=STOCKHOLM)

    def deadline_at(self, year: int) -> datetime:
        """The end of the deadline day, local time."""
        return datetime.combine(
            date(year, *self.deadline) + timedelta(days=1), time(0, 0), tzinfo=STOCKHOLM
        )
