"""The organisation's calendar rules: when meetings may happen, from config.toml [calendar].

The keys, their defaults (fit for a Stockholm district administration, so an empty [calendar]
works), their checks and the built-in activities are declared once in scheduler.settings.model
(`Calendar`; the reference: docs/configuration.md). This is the placer's view of them, built only
from that validated table: `CalendarPolicy.from_section(Calendar())` is the default policy.

The time zone is not a setting: it is always Europe/Stockholm (scheduler.base.time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from scheduler.base.caches import memo
from scheduler.base.hashing import cached_hash, state_without_hash
from scheduler.base.time import parse_clock
from scheduler.cadence.model import MonthDay
from scheduler.settings.model import PASKLOV_BEFORE_EASTER, PASKLOV_EASTER_MONDAY, Calendar
from scheduler.settings.model import DayRange as DayPairs

__all__ = [
    "PASKLOV_BEFORE_EASTER",
    "PASKLOV_EASTER_MONDAY",
    "ActivityDefault",
    "CalendarPolicy",
    "parse_clock",
]

DayRange = tuple[MonthDay, MonthDay]

_LOWER_WORD = re.compile(r"[a-zåäöéü]+")


@dataclass(frozen=True)
class ActivityDefault:
    """Where an activity goes when nothing else says: walks in the evening, nattvandring on
    Fridays. None leaves that part to the policy."""

    weekday: str | None = None  # RRULE code; any day of the week (a walk can be on a Saturday)
    time: time | None = None
    duration_minutes: int | None = None


@dataclass(frozen=True)
class CalendarPolicy:
    """How a count per period becomes dates: the keys of [calendar], made only by
    `from_section`."""

    default_weekday: str  # RRULE code
    default_time: time
    default_duration_minutes: int
    week_of_month: int
    active_months: tuple[int, ...]
    blackouts: tuple[DayRange, ...]
    public_holidays: bool
    de_facto_holidays: bool
    sportlov_week: int | None
    pasklov_week: int | str | None
    hostlov_week: int | None
    spring_term: DayRange
    autumn_term: DayRange
    seasonal_months: tuple[int, ...]
    # The plan's meetings are spread over these days (spread.py); a När or setting that names a
    # day keeps it.
    meeting_weekdays: tuple[str, ...]
    max_meetings_per_day: int
    activity_defaults: tuple[tuple[str, ActivityDefault], ...]  # the built-in ones and config's

    def __hash__(self) -> int:
        """The fields' hash, computed once: the policy is part of the key of every cached
        placement and calendar, looked up thousands of times per import."""
        return cached_hash(self)

    def __getstate__(self) -> dict[str, object]:
        return state_without_hash(self)

    def activity_for(self, title: str, when: str = "") -> ActivityDefault | None:
        """The defaults of the activity the title names (else the När text), or None.

        A word matches inside compounds and inflections ("Trygghetsvandringar i Hornsberg").
        The title decides first because it names the measure; the action is not read, because
        its prose mentions other activities ("… och bjuder in till trygghetsvandringar").
        """
        for text in (title, when):
            words = _LOWER_WORD.findall(text.lower())
            for name, default in self.activity_defaults:
                if any(name in word for word in words):
                    return default
        return None

    @classmethod
    def from_section(cls, calendar: Calendar) -> CalendarPolicy:
        """The policy from the validated [calendar] table."""
        return cls(
            default_weekday=calendar.default_weekday, default_time=calendar.default_time,
            default_duration_minutes=calendar.default_duration_minutes,
            week_of_month=calendar.week_of_month, active_months=calendar.active_months,
            blackouts=tuple(_days(pair) for pair in calendar.blackouts),
            public_holidays=calendar.public_holidays, de_facto_holidays=calendar.de_facto_holidays,
            sportlov_week=calendar.sportlov_week, pasklov_week=calendar.pasklov_week,
            hostlov_week=calendar.hostlov_week, spring_term=_days(calendar.spring_term),
            autumn_term=_days(calendar.autumn_term), seasonal_months=calendar.seasonal_months,
            meeting_weekdays=calendar.meeting_weekdays,
            max_meetings_per_day=calendar.max_meetings_per_day,
            activity_defaults=_activities(calendar),
        )  # fmt: skip


def _days(pair: DayPairs) -> DayRange:
    return MonthDay(*pair[0]), MonthDay(*pair[1])


def _activities(calendar: Calendar) -> tuple[tuple[str, ActivityDefault], ...]:
    """The validated table (the built-in words with the district's entries over them), in its
    order: the first word a title has decides."""
    return tuple(
        (name, ActivityDefault(entry.weekday, entry.time, entry.duration_minutes))
        for name, entry in calendar.activity_defaults.items()
    )


@memo("cadence.canonical_policy")
def canonical(policy: CalendarPolicy) -> CalendarPolicy:
    """The first policy seen equal to `policy`: every command makes its own from the settings,
    and a cached placement (or working day) found under an equal but other policy object
    compares every field of both, where the same object compares at once."""
    return policy
