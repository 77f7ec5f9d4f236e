"""Moving dates off closed days: a meeting on midsommarafton happens another day, it is not lost.

Monthly and rarer series move to the same weekday a week later, then later still within the
year, then to earlier weeks. Weekly and daily series cannot move a week without landing on their
own next date, so they move to another working day of the same week, or are dropped when the whole
week is closed (sportlov): a weekly meeting simply does not happen that week. Fortnightly and
other every-n-weeks series keep their rhythm: they try the same week first, then a nearby week
only when that puts no two meetings of the series in the same or consecutive weeks; else the
meeting is dropped. ("Varannan tisdag" over sportlov does not become two Tuesdays in a row.)
A series whose days the text says by intent ("helger", "fredagskvällar", "dagligen under
sommarlovet") moves only to another of its own days in the same week, weekends included, else to
the day before or after, or is dropped: a Friday evening walk on långfredagen is on Thursday
evening, but a Saturday walk never becomes a Tuesday meeting.
Several-a-month series ("2 ggr/månad") are a count per month: a closed day moves the meeting
within its own month, to its own week first, then to a week that keeps a week free around it,
and only then to any open day of the month (two meetings in consecutive weeks beat one too few).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain
from typing import Literal

Closed = Callable[[date], str | None]  # why a day is closed, or None when it is free
Reach = Literal["week", "week_then_year", "month", "year"]
# How far (in weeks) a rhythmic series' meeting may move to another week.
_RHYTHM_REACH = 3


def reach_of(rule: str) -> Reach:
    """How far a series' dates may move, from its RRULE's frequency and interval."""
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    frequency, interval = parts.get("FREQ"), parts.get("INTERVAL", "1")
    several_days = len(parts.get("BYDAY", "").split(",")) > 1
    if frequency == "DAILY" or (frequency == "WEEKLY" and interval == "1"):
        return "week"
    if frequency == "YEARLY" and "BYWEEKNO" in parts and several_days:
        return "week"  # "dagligen vecka 24–33": each day is that week's, like a weekly series
    if frequency == "WEEKLY":
        return "week_then_year"
    if frequency == "MONTHLY" and several_days:
        return "month"  # several a month: the count is per month, so the month holds them
    return "year"


@dataclass(frozen=True)
class MovedDate:
    original: date
    placed: date | None  # None: dropped, nowhere to go
    reason: str | None  # why the original day was closed; None when it was kept


def place_dates(
    dates: list[date],
    closed: Closed,
    outside: Closed,
    *,
    reach: Reach,
    weekdays: frozenset[int] = frozenset(range(5)),
    own_days: frozenset[int] | None = None,
) -> list[MovedDate]:
    """Each date kept, moved to a free day no other date of the series uses, or dropped.

    `weekdays` (0 = Monday): the days a series moving within its month prefers, besides its own
    (the policy's meeting weekdays), among days equally far from its other meetings.
    `own_days`: the days the text names by intent; a date moving within its week goes only to
    one of them (any day of the week, weekends too), never to another working day.

    `closed` is the calendar (holidays, breaks); `outside` is the series' own season (its
    months, window, terms). A weekly series outside its season has no meeting that week,
    while a monthly one moves into it: its few meetings are the point.
    """

    def why(day: date) -> str | None:
        return closed(day) or outside(day)

    reasons = {d: why(d) for d in dates}  # each date asked once
    taken = {d for d, reason in reasons.items() if reason is None}
    placements: list[MovedDate] = []
    for original in sorted(dates):
        reason = reasons[original]
        if reason is None:
            placements.append(MovedDate(original, original, None))
            continue
        if reach != "year" and outside(original) is not None:
            placements.append(MovedDate(original, None, reason))
            continue
        candidates: Iterable[date]
        if reach == "month":
            candidates = _in_month(original, taken, weekdays)
            if own_days is not None:
                candidates = [d for d in candidates if d.weekday() in own_days]
        else:
            # Lazily: the first free day ends the search, most often a week or two away.
            other_weeks: Iterable[date] = _other_weeks(original) if reach != "week" else ()
            if reach == "week_then_year":
                other_weeks = (d for d in other_weeks if _keeps_rhythm(d, original, taken))
            same_week = _same_week(original, own_days) if reach != "year" else []
            candidates = chain(same_week, other_weeks)
        target = next((d for d in candidates if d not in taken and why(d) is None), None)
        if target is not None:
            taken.add(target)
        placements.append(MovedDate(original, target, reason))
    return placements


def _week(day: date) -> int:
    """A week number that runs on across years: the ordinal of its Monday, in weeks."""
    return (day.toordinal() - day.weekday()) // 7


def _keeps_rhythm(day: date, original: date, taken: set[date]) -> bool:
    """Whether moving `original` to `day` (in another week) stays near its own week and leaves
    a week free between it and every other meeting of the series."""
    near = abs(_week(day) - _week(original)) <= _RHYTHM_REACH
    return near and all(abs(_week(day) - _week(other)) > 1 for other in taken)


def _in_month(original: date, taken: set[date], weekdays: frozenset[int]) -> list[date]:
    """The working days of `original`'s month, its own week first, then other weeks nearest
    first (its own weekday first in each): days with a free week to every other meeting of the
    series before days in a week next to another meeting, before days in a week that already
    has one; among equals, its own and the preferred `weekdays` before the others."""
    own = [d for d in _same_week(original) if d.month == original.month]
    day, others = original.replace(day=1), []
    while day.month == original.month:
        if day.weekday() < 5 and _week(day) != _week(original):
            others.append(day)
        day += timedelta(days=1)
    others.sort(
        key=lambda d: (abs(_week(d) - _week(original)), d.weekday() != original.weekday(), d)
    )
    # By the gap to the nearest other meeting (2 weeks or more, 1, the same week), then the
    # preferred weekdays first; stable, so its own week first among equals.
    weeks_taken = {_week(other) for other in taken}
    return sorted(
        own + others,
        key=lambda d: (
            -_gap(_week(d), weeks_taken),
            d.weekday() != original.weekday() and d.weekday() not in weekdays,
        ),
    )


def _gap(week: int, weeks_taken: set[int]) -> int:
    """Weeks to the nearest week that has a meeting, counted up to 2 (2: none that near)."""
    if week in weeks_taken:
        return 0
    return 1 if week - 1 in weeks_taken or week + 1 in weeks_taken else 2


def _other_weeks(original: date) -> Iterator[date]:
    """Same weekday, later weeks of the year first, then earlier ones."""
    day = original + timedelta(weeks=1)
    while day.year == original.year:
        yield day
        day += timedelta(weeks=1)
    day = original - timedelta(weeks=1)
    while day.year == original.year:
        yield day
        day -= timedelta(weeks=1)


def _same_week(original: date, own_days: frozenset[int] | None = None) -> list[date]:
    """The other working days of the week, later days first, then earlier, within the year; or,
    given `own_days`, the other days of those in the week, then the day before and the day
    after (in the same week)."""
    monday = original - timedelta(days=original.weekday())
    days = range(5) if own_days is None else sorted(own_days)
    week = [monday + timedelta(days=n) for n in days]
    later = [d for d in week if d > original]
    earlier = [d for d in reversed(week) if d < original]
    found = later + earlier
    if own_days is not None:
        beside = (original - timedelta(days=1), original + timedelta(days=1))
        found += [d for d in beside if _week(d) == _week(original) and d not in found]
    return [d for d in found if d.year == original.year]
