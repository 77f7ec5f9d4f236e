"""The organisation's calendar rules: when meetings may happen, read from config.toml [calendar].

Every field has a default that fits a Stockholm district administration, so an empty [calendar]
table works. `from_mapping` validates a table and names the bad key in Swedish. The defaults,
written as config.toml would:

    [calendar]
    timezone = "Europe/Stockholm"
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
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import time
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.cadence.model import MonthDay
from scheduler.cadence.vocabulary import WEEKDAY_CODES, WORKDAY_CODES, weekday_code
from scheduler.errors import ConfigError

DayRange = tuple[MonthDay, MonthDay]

# Påsklov as a rule rather than a week number, because Easter moves: the week of Easter Monday
# (Annandag påsk), or the week before it (the week of Good Friday).
PASKLOV_EASTER_MONDAY: Final = "annandag_pask"
PASKLOV_BEFORE_EASTER: Final = "fore_pask"
_PASKLOV_RULES: Final = (PASKLOV_EASTER_MONDAY, PASKLOV_BEFORE_EASTER)

_MONTH_DAY = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")
_RANGE_SPLIT = re.compile(r"\s*(?:\.\.|/|–)\s*")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
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

    timezone: str = "Europe/Stockholm"
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

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by key

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
    def from_mapping(
        cls, mapping: Mapping[str, object], *, prefix: str = "calendar"
    ) -> CalendarPolicy:
        """A policy from a config table; unknown keys and bad values raise ConfigError."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(mapping) - names)
        if unknown:
            raise ConfigError(
                f"Okänd nyckel {prefix}.{unknown[0]} (giltiga: {', '.join(sorted(names))})"
            )
        # Each reader returns its own field's type; Any is what a per-key table can promise.
        values: dict[str, Any] = {}
        for key, raw in mapping.items():
            values[key] = _READERS[key](raw, f"{prefix}.{key}")
        return replace(cls(), **values)


def _bad(key: str, raw: object, hint: str) -> ConfigError:
    shown = f'"{raw}"' if isinstance(raw, str) else repr(raw)
    return ConfigError(f"Ogiltigt värde för {key}: {shown} ({hint})")


def _timezone(raw: object, key: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _bad(key, raw, "ange en tidszon, t.ex. Europe/Stockholm")
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _bad(key, raw, "okänd tidszon; ange t.ex. Europe/Stockholm") from exc
    return raw.strip()


def _weekday(raw: object, key: str) -> str:
    code = weekday_code(raw) if isinstance(raw, str) else None
    if code is None or code not in WORKDAY_CODES:
        raise _bad(key, raw, "ange måndag–fredag")
    return code


def parse_clock(text: str) -> time | None:
    """A local time written "HH:MM" (or "HH.MM"), or None if it is not one."""
    match = _TIME.match(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _clock(raw: object, key: str) -> time:
    clock = parse_clock(raw) if isinstance(raw, str) else None
    if clock is None:
        raise _bad(key, raw, 'ange tid som "HH:MM", t.ex. "09:00"')
    return clock


def _integer(raw: object, key: str, low: int, high: int, hint: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise _bad(key, raw, hint)
    return raw


def _duration(raw: object, key: str) -> int:
    return _integer(raw, key, 5, 24 * 60, "ange minuter, 5–1440")


def _week_of_month(raw: object, key: str) -> int:
    return _integer(raw, key, 1, 4, "ange 1–4: vilken veckodag i månaden")


def _months(raw: object, key: str) -> tuple[int, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise _bad(key, raw, "ange en lista med månadsnummer 1–12, t.ex. [1, 2, 3]")
    months = tuple(_integer(m, key, 1, 12, "månadsnummer är 1–12") for m in raw)
    return tuple(sorted(set(months)))


def _month_day(raw: str, key: str, whole: object) -> MonthDay:
    match = _MONTH_DAY.match(raw)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]:
            return MonthDay(month, day)
    raise _bad(key, whole, 'ange "MM-DD..MM-DD", t.ex. "12-24..01-06"')


def _day_range(raw: object, key: str) -> DayRange:
    if isinstance(raw, str):
        parts = _RANGE_SPLIT.split(raw.strip())
        if len(parts) == 2:
            return _month_day(parts[0], key, raw), _month_day(parts[1], key, raw)
    raise _bad(key, raw, 'ange "MM-DD..MM-DD", t.ex. "08-20..12-20"')


def _day_ranges(raw: object, key: str) -> tuple[DayRange, ...]:
    if not isinstance(raw, list | tuple):
        raise _bad(key, raw, 'ange en lista, t.ex. ["12-24..01-06"]')
    return tuple(_day_range(item, key) for item in raw)


def _flag(raw: object, key: str) -> bool:
    if not isinstance(raw, bool):
        raise _bad(key, raw, "ange true eller false")
    return raw


def _break_week(raw: object, key: str) -> int | None:
    if raw is False:
        return None
    return _integer(raw, key, 1, 53, "ange en veckonummer 1–53, eller false för inget lov")


def _weekdays(raw: object, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise _bad(key, raw, 'ange en lista med veckodagar, t.ex. ["måndag", "tisdag"]')
    codes = {_weekday(day, key) for day in raw}
    return tuple(code for code in WORKDAY_CODES if code in codes)


def _per_day(raw: object, key: str) -> int:
    return _integer(raw, key, 1, 10, "ange 1–10 möten per dag")


_ACTIVITY_KEYS: Final = ("weekday", "time", "duration_minutes")


def _activity(raw: object, key: str) -> ActivityDefault:
    if not isinstance(raw, Mapping):
        raise _bad(key, raw, 'ange en tabell, t.ex. { time = "18:00" }')
    unknown = sorted(set(raw) - set(_ACTIVITY_KEYS))
    if unknown:
        raise ConfigError(f"Okänd nyckel {key}.{unknown[0]} (giltiga: {', '.join(_ACTIVITY_KEYS)})")
    weekday = None
    if "weekday" in raw:
        weekday = weekday_code(raw["weekday"]) if isinstance(raw["weekday"], str) else None
        if weekday is None or weekday not in WEEKDAY_CODES:
            raise _bad(f"{key}.weekday", raw["weekday"], "ange måndag–söndag")
    clock = _clock(raw["time"], f"{key}.time") if "time" in raw else None
    minutes = None
    if "duration_minutes" in raw:
        minutes = _duration(raw["duration_minutes"], f"{key}.duration_minutes")
    return ActivityDefault(weekday, clock, minutes)


def _activities(raw: object, key: str) -> tuple[tuple[str, ActivityDefault], ...]:
    """The built-in table with the district's entries over it: a given field replaces the
    built-in one, a new word is added."""
    if not isinstance(raw, Mapping):
        raise _bad(key, raw, "ange en tabell per aktivitet, t.ex. [calendar.activity_defaults.x]")
    table = dict(ACTIVITY_DEFAULTS)
    for word, entry in raw.items():
        name = str(word).strip().lower()
        if not name or not name.isalpha():
            raise _bad(key, word, "ange ett ord, t.ex. trygghetsvandring")
        own = _activity(entry, f"{key}.{word}")
        base = table.get(name, ActivityDefault())
        table[name] = ActivityDefault(
            own.weekday if "weekday" in entry else base.weekday,
            own.time if "time" in entry else base.time,
            own.duration_minutes if "duration_minutes" in entry else base.duration_minutes,
        )
    return tuple(table.items())


def _pasklov(raw: object, key: str) -> int | str | None:
    if isinstance(raw, str) and raw.strip().lower() in _PASKLOV_RULES:
        return raw.strip().lower()
    if raw is False or (isinstance(raw, int) and not isinstance(raw, bool)):
        return _break_week(raw, key)
    raise _bad(
        key,
        raw,
        f'ange "{PASKLOV_EASTER_MONDAY}", "{PASKLOV_BEFORE_EASTER}", ett veckonummer eller false',
    )


_READERS: Final = {
    "timezone": _timezone,
    "default_weekday": _weekday,
    "default_time": _clock,
    "default_duration_minutes": _duration,
    "week_of_month": _week_of_month,
    "active_months": _months,
    "blackouts": _day_ranges,
    "public_holidays": _flag,
    "de_facto_holidays": _flag,
    "sportlov_week": _break_week,
    "pasklov_week": _pasklov,
    "hostlov_week": _break_week,
    "spring_term": _day_range,
    "autumn_term": _day_range,
    "seasonal_months": _months,
    "meeting_weekdays": _weekdays,
    "max_meetings_per_day": _per_day,
    "activity_defaults": _activities,
}
