"""The organisation's calendar rules: when meetings may happen, from config.toml [calendar].

The keys, their defaults and their checks are declared once in scheduler.settings.model
(`Calendar`); this is the placer's view of them, built from that validated table. Every field has
a default that fits a Stockholm district administration, so an empty [calendar] table works. The
defaults, written as config.toml would:

    [calendar]
    default_weekday = "tisdag"          # måndag–fredag, or MO–FR
    default_time = "09:00"
    default_duration_minutes = 90
    week_of_month = 2                   # meetings on the 2nd weekday of a month (1–4)
    active_months = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]   # no meetings in July
    blackouts = ["12-24..01-06"]        # julafton to trettondagen
    public_holidays = true
    de_facto_holidays = true            # midsommarafton, julafton, nyårsafton
    sportlov_week = 9                   # ISO week, or false
    pasklov_week = "annandag_pask"      # or "fore_pask", an ISO week, or false
    hostlov_week = 44
    spring_term = "01-15..06-14"
    autumn_term = "08-20..12-20"
    seasonal_months = [4, 5, 6, 7, 8, 9, 10]   # säsongsbetonade forum (still not in July)
    meeting_weekdays = ["måndag", "tisdag", "onsdag", "torsdag"]   # where a plan's meetings spread
    max_meetings_per_day = 2            # per convener, when the plan's series get their days

    # Activities with their own weekday, time or length (a word in the measure's title, else
    # in its När; "trygghetsvandringar" has "trygghetsvandring"). A district's entry replaces
    # the fields it gives and adds new words.
    [calendar.activity_defaults.trygghetsvandring]
    time = "18:00"
    duration_minutes = 120

    [calendar.activity_defaults.nattvandring]
    weekday = "fredag"
    time = "21:00"
    duration_minutes = 180

    [calendar.activity_defaults."föräldravandring"]
    weekday = "fredag"
    time = "21:00"
    duration_minutes = 180

    [calendar.activity_defaults."föräldramöte"]
    time = "18:00"
    duration_minutes = 90

The time zone is not a setting: it is always Europe/Stockholm (scheduler.base.time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Final

from scheduler.base.caches import memo
from scheduler.base.hashing import cached_hash, state_without_hash
from scheduler.base.time import parse_clock
from scheduler.cadence.model import MonthDay
from scheduler.settings.model import PASKLOV_BEFORE_EASTER, PASKLOV_EASTER_MONDAY, Calendar
from scheduler.settings.model import DayRange as DayPairs

__all__ = [
    "ACTIVITY_DEFAULTS",
    "PASKLOV_BEFORE_EASTER",
    "PASKLOV_EASTER_MONDAY",
    "ActivityDefault",
    "CalendarPolicy",
    "parse_clock",
]

DayRange = tuple[MonthDay, MonthDay]

_WORD = re.compile(r"[a-zåäöéü]+")


@dataclass(frozen=True)
class ActivityDefault:
    """Where an activity goes when nothing else says: walks in the evening, nattvandring on
    Fridays. None leaves that part to the policy."""

    weekday: str | None = None  # RRULE code; any day of the week (a walk can be on a Saturday)
    time: time | None = None
    duration_minutes: int | None = None


# Built in, so a district without the table gets walks in the evening; config can change them.
ACTIVITY_DEFAULTS: Final[tuple[tuple[str, ActivityDefault], ...]] = (
    ("trygghetsvandring", ActivityDefault(None, time(18, 0), 120)),
    ("nattvandring", ActivityDefault("FR", time(21, 0), 180)),
    ("föräldravandring", ActivityDefault("FR", time(21, 0), 180)),
    ("föräldramöte", ActivityDefault(None, time(18, 0), 90)),
)


@dataclass(frozen=True)
class CalendarPolicy:
    """How a count per period becomes dates (the keys and defaults: see the module docstring)."""

    default_weekday: str = "TU"  # RRULE code
    default_time: time = time(9, 0)
    default_duration_minutes: int = 90
    # Meetings go on the n:th weekday of a month: the second avoids the first days of a month,
    # which collide with holidays (1 Jan, 1 May) and with month-end reporting.
    week_of_month: int = 2
    active_months: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)
    blackouts: tuple[DayRange, ...] = ((MonthDay(12, 24), MonthDay(1, 6)),)
    public_holidays: bool = True
    de_facto_holidays: bool = True  # midsommarafton, julafton, nyårsafton
    sportlov_week: int | None = 9
    pasklov_week: int | str | None = PASKLOV_EASTER_MONDAY
    hostlov_week: int | None = 44
    spring_term: DayRange = (MonthDay(1, 15), MonthDay(6, 14))
    autumn_term: DayRange = (MonthDay(8, 20), MonthDay(12, 20))
    seasonal_months: tuple[int, ...] = (4, 5, 6, 7, 8, 9, 10)
    # The plan's meetings are spread over these days (spread.py), at most this many a day for
    # one convener; a När or setting that names a day keeps it.
    meeting_weekdays: tuple[str, ...] = ("MO", "TU", "WE", "TH")
    max_meetings_per_day: int = 2
    activity_defaults: tuple[tuple[str, ActivityDefault], ...] = ACTIVITY_DEFAULTS

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
            words = _WORD.findall(text.lower())
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
    """The built-in table with the district's entries over it: a given field replaces the
    built-in one, a new word is added."""
    table = dict(ACTIVITY_DEFAULTS)
    for name, own in calendar.activity_defaults.items():
        given = own.model_fields_set
        base = table.get(name, ActivityDefault())
        table[name] = ActivityDefault(
            own.weekday if "weekday" in given else base.weekday,
            own.time if "time" in given else base.time,
            own.duration_minutes if "duration_minutes" in given else base.duration_minutes,
        )
    return tuple(table.items())


@memo("cadence.canonical_policy")
def canonical(policy: CalendarPolicy) -> CalendarPolicy:
    """The first policy seen equal to `policy`: every command makes its own from the settings,
    and a cached placement (or working day) found under an equal but other policy object
    compares every field of both, where the same object compares at once."""
    return policy
