"""Which days of a year nothing is placed on, and why (in Swedish, for the coordinator).

Closed days: public holidays and de-facto holidays (midsommarafton, julafton, nyårsafton) from the
`holidays` package, the district's school breaks by ISO week, and the policy's blackouts (julafton
to trettondagen by default). Inactive months (July) are a separate, softer rule: a per-measure
setting can open them, it cannot open a holiday.

School breaks close days to meetings only. Work (tasks, deadlines) and reminder emails avoid
weekends, holidays and blackouts: a deadline "senast 31 mars" has nothing to do with påsklov.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

import holidays
from dateutil.easter import easter

from scheduler.base.caches import memo
from scheduler.cadence.model import MonthDay
from scheduler.cadence.policy import PASKLOV_BEFORE_EASTER, PASKLOV_EASTER_MONDAY, CalendarPolicy
from scheduler.cadence.vocabulary import MONTH_NAMES

# holidays can list every Sunday as "Söndag"; a Sunday is not a holiday to move a meeting for.
_SUNDAY_ENTRY = "söndag"
_SEARCH_DAYS = 400  # more than a year: a working day is always found if there is one


@dataclass(frozen=True)
class YearCalendar:
    """The closed days of one year under one policy."""

    year: int
    closed: Mapping[date, str]  # day → reason ("midsommarafton", "sportlov v. 9")
    active_months: frozenset[int]
    # The closed days that are not school breaks: holidays and blackouts, closed to all work.
    work_closed: Mapping[date, str]

    def reason(self, day: date, months: frozenset[int] | None = None) -> str | None:
        """Why nothing can be placed on `day`, or None if it is free.

        `months` replaces the policy's active months (a measure's own months setting).
        """
        return self.closed_on(day) or self.month_closed(day, months)

    def closed_on(self, day: date) -> str | None:
        """Why `day` is closed to everything (holiday, break, blackout, another year)."""
        if day.year != self.year:
            return f"utanför planåret {self.year}"
        return self.closed.get(day)

    def closed_to_work(self, day: date) -> str | None:
        """Why `day` is closed to tasks and deadlines (holiday, blackout, another year).

        Weekends are not listed: a task's rule puts it on a weekday; `is_working_day` asks both.
        """
        if day.year != self.year:
            return f"utanför planåret {self.year}"
        return self.work_closed.get(day)

    def month_closed(self, day: date, months: frozenset[int] | None = None) -> str | None:
        """Why `day`'s month is not used, or None if it is an active (or given) month."""
        if day.month not in (self.active_months if months is None else months):
            return f"inga möten i {MONTH_NAMES[day.month]}"
        return None


def month_day_in(year: int, month_day: MonthDay) -> date:
    """The date of a month-day in `year`; 29 February in other years is the 28th."""
    last = stdlib_calendar.monthrange(year, month_day.month)[1]
    return date(year, month_day.month, min(month_day.day, last))


@memo("cadence.year_calendar")
def year_calendar(year: int, policy: CalendarPolicy) -> YearCalendar:
    """The closed days of `year`; cached because every series of every measure asks."""
    work: dict[date, str] = {}
    # Lowest priority first: a later rule's reason wins, so a holiday inside the Christmas
    # blackout is named as the holiday.
    for start, end in policy.blackouts:
        for day in _range_in_year(year, start, end):
            work[day] = f"uppehåll {start.day}/{start.month}–{end.day}/{end.month}"
    holidays_of_year = _holidays(year, policy)
    work.update(holidays_of_year)
    closed = {day: reason for day, reason in work.items() if day not in holidays_of_year}
    closed.update(_school_breaks(year, policy))
    closed.update(holidays_of_year)
    return YearCalendar(
        year, MappingProxyType(closed), frozenset(policy.active_months), MappingProxyType(work)
    )


def is_working_day(day: date, policy: CalendarPolicy) -> bool:
    """A weekday that is no holiday, de-facto holiday or blackout day (school breaks are)."""
    return day.weekday() < 5 and year_calendar(day.year, policy).closed_to_work(day) is None


def working_day_before(day: date, policy: CalendarPolicy) -> date:
    """`day` itself when it is a working day, else the nearest working day before it."""
    return _nearest_working_day(day, policy, timedelta(days=-1))


def working_day_after(day: date, policy: CalendarPolicy) -> date:
    """`day` itself when it is a working day, else the nearest working day after it."""
    return _nearest_working_day(day, policy, timedelta(days=1))


@memo("cadence.nearest_working_day")
def _nearest_working_day(day: date, policy: CalendarPolicy, step: timedelta) -> date:
    # Cached: every reminder of an import asks for its send day, and a year has few days.
    # A policy can black out a whole year; then `day` itself, rather than searching forever.
    candidate = day
    for _ in range(_SEARCH_DAYS):
        if is_working_day(candidate, policy):
            return candidate
        candidate += step
    return day


def blocked_days(year: int, policy: CalendarPolicy) -> dict[date, str]:
    """Every day of `year` nothing is placed on by default, inactive months included."""
    calendar = year_calendar(year, policy)
    blocked: dict[date, str] = {}
    day = date(year, 1, 1)
    while day.year == year:
        reason = calendar.reason(day)
        if reason is not None:
            blocked[day] = reason
        day += timedelta(days=1)
    return blocked


def _holidays(year: int, policy: CalendarPolicy) -> dict[date, str]:
    categories = []
    if policy.public_holidays:
        categories.append(holidays.PUBLIC)
    if policy.de_facto_holidays:
        categories.append(holidays.DE_FACTO)
    if not categories:
        return {}
    found = holidays.country_holidays("SE", years=year, categories=categories, language="sv")
    named: dict[date, str] = {}
    for day, names in found.items():
        # One date can carry several names joined by "; " (e.g. a holiday on a Sunday).
        real = [n.strip() for n in str(names).split(";") if n.strip().lower() != _SUNDAY_ENTRY]
        if real:
            named[day] = ", ".join(n[:1].lower() + n[1:] for n in real)
    return named


def _school_breaks(year: int, policy: CalendarPolicy) -> dict[date, str]:
    breaks: dict[date, str] = {}
    weeks = (
        ("sportlov", policy.sportlov_week),
        ("påsklov", pasklov_week(year, policy.pasklov_week)),
        ("höstlov", policy.hostlov_week),
    )
    for name, week in weeks:
        if week is None or not _has_week(year, week):
            continue
        monday = date.fromisocalendar(year, week, 1)
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if day.year == year:
                breaks[day] = f"{name} v. {week}"
    return breaks


def pasklov_week(year: int, rule: int | str | None) -> int | None:
    """The ISO week of påsklov under the policy's rule (the week of annandag påsk, the week before
    Easter, a fixed week, or none)."""
    if rule == PASKLOV_EASTER_MONDAY:
        return (easter(year) + timedelta(days=1)).isocalendar().week
    if rule == PASKLOV_BEFORE_EASTER:
        return (easter(year) - timedelta(days=2)).isocalendar().week
    return rule if isinstance(rule, int) else None


def _has_week(year: int, week: int) -> bool:
    return 1 <= week <= date(year, 12, 28).isocalendar().week


def _range_in_year(year: int, start: MonthDay, end: MonthDay) -> list[date]:
    """The days of a month-day range in `year`; a range that wraps the new year gives both ends."""
    first, last = month_day_in(year, start), month_day_in(year, end)
    if first <= last:
        spans = [(first, last)]
    else:
        spans = [(date(year, 1, 1), last), (first, date(year, 12, 31))]
    days: list[date] = []
    for a, b in spans:
        days.extend(a + timedelta(days=n) for n in range((b - a).days + 1))
    return days
