"""A series' dates as recurrence rules that Outlook can hold. Pure.

Outlook keeps a recurring event as its own recurrence pattern, and maps an RRULE into one only
when the rule fits a template of [MS-OXCICAL] section 2.1.3.2.2, "Recurrence Templates"
(https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxcical/2b9345c9-6cd6-494e-9b28-473d61ac44e4);
any other rule it "SHOULD gracefully fail to map", so the series arrives as its first meeting
only, or not at all. The templates, each with INTERVAL and COUNT or UNTIL:

- 2.1.3.2.2.1 daily: ``FREQ=DAILY``, every n days;
- 2.1.3.2.2.2 weekly: ``FREQ=WEEKLY;BYDAY=MO,TH``, every n weeks on a set of weekdays;
- 2.1.3.2.2.3 monthly: ``FREQ=MONTHLY;BYMONTHDAY=15``, every n months on a day (-1: the last);
- 2.1.3.2.2.4 monthly nth: ``FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2``, the nth weekday (1-4, -1 last);
- 2.1.3.2.2.5 yearly: ``FREQ=YEARLY;BYMONTHDAY=15;BYMONTH=3``;
- 2.1.3.2.2.6 yearly nth: ``FREQ=YEARLY;BYDAY=TU;BYSETPOS=2;BYMONTH=3``.

The rules the planner writes often fit none: "4 ggr/år" is ``FREQ=MONTHLY;BYMONTH=2,5,9,11;
BYDAY=2TU`` (a list of months), "2 ggr/månad" ``BYDAY=2TH,4TH`` (two nth weekdays), a forum of the
terms ``FREQ=WEEKLY;BYMONTH=…``. So an exported series is written from its dates, not from the
rule it was planned by: the fewest template rules that give every date once, each possibly
skipping a few dates it would also give (EXDATE: a July without meetings, a school break), never
adding one (RDATE, which Outlook keeps only paired with an EXDATE and without its time). A
cadence no single rule holds is split: by its nth weekdays (2nd and 4th Thursday: two monthly
series), else at its longest pause (spring and autumn terms: two weekly series), down to one rule
per date. More rules than the caller allows is no series at all (`decompose` gives None).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial, reduce
from itertools import pairwise
from math import gcd

from scheduler.base.caches import memo
from scheduler.base.swedish import WEEKDAY_CODES

# One date alone: "FREQ=DAILY;COUNT=1" (the daily template, one occurrence), as the planner writes
# a one-off date.
SINGLE_RULE = "FREQ=DAILY;COUNT=1"
# [MS-OXCICAL] count-part = ";COUNT=" 1*3DIGIT: a longer rule is split.
MAX_RULE_COUNT = 999


@dataclass(frozen=True)
class Piece:
    """One template rule: it gives `given` from `given[0]` on, of which `skipped` are not the
    series' dates (each an EXDATE)."""

    rule: str  # the RRULE value, without "RRULE:"
    given: tuple[date, ...]
    skipped: tuple[date, ...]

    @property
    def first(self) -> date:
        return self.given[0]

    @property
    def dates(self) -> tuple[date, ...]:
        """The series' dates this rule holds."""
        gone = set(self.skipped)
        return tuple(day for day in self.given if day not in gone)


def decompose(dates: Sequence[date], max_parts: int) -> tuple[Piece, ...] | None:
    """The fewest template rules (at most `max_parts`) that give each of `dates` exactly once,
    in order of their first dates; None when it takes more."""
    days = tuple(sorted(set(dates)))
    if not days:
        return ()
    return _decompose(days, max_parts)


def _decompose(days: tuple[date, ...], budget: int) -> tuple[Piece, ...] | None:
    found = _split(days, budget)
    return None if found is None else tuple(sorted(found, key=lambda piece: piece.first))


@memo("feeds.rule_split")
def _split(days: tuple[date, ...], budget: int) -> tuple[Piece, ...] | None:
    """Cached: a plan's series share a few shapes, a page or an export asks for each series of
    each calendar, and the cuts below meet the same groups again."""
    if budget < 1:
        return None
    one = single_rule(days)
    if one is not None:
        return (one,)
    best: tuple[Piece, ...] | None = None
    for groups in _partitions(days):
        limit = budget if best is None else len(best) - 1
        found: tuple[Piece, ...] = ()
        for index, group in enumerate(groups):
            # Each group still to come needs a rule of its own.
            parts = _split(group, limit - len(found) - (len(groups) - index - 1))
            if parts is None:
                break
            found += parts
        else:
            best = found
    return best


def _partitions(days: tuple[date, ...]) -> Iterator[tuple[tuple[date, ...], ...]]:
    """Ways to cut the dates into groups that may each fit one rule: by nth weekday ("2TH",
    "4TH"), by day of the month, and at the longest pause (two terms)."""
    for key in (_nth_key, _month_day_key):
        groups: dict[object, list[date]] = {}
        for day in days:
            groups.setdefault(key(day), []).append(day)
        if 1 < len(groups) < len(days):
            yield tuple(tuple(group) for group in groups.values())
    if len(days) > 1:
        pauses = [(later - earlier).days for earlier, later in pairwise(days)]
        cut = pauses.index(max(pauses)) + 1
        yield days[:cut], days[cut:]


def _nth_key(day: date) -> tuple[int, int]:
    return day.weekday(), _nth(day)


def _month_day_key(day: date) -> int:
    return day.day


def single_rule(days: tuple[date, ...]) -> Piece | None:
    """The template rule that gives all of `days` skipping fewest others (fewer than half as many
    as it keeps), or None."""
    if len(days) == 1:
        return Piece(SINGLE_RULE, days, ())
    best: Piece | None = None
    for candidate in _CANDIDATES:
        piece = candidate(days)
        if piece is None or len(piece.given) > MAX_RULE_COUNT:
            continue
        if 2 * len(piece.skipped) >= len(days):
            continue  # mostly gaps: not the series' rule, though it holds its dates
        if best is None or len(piece.skipped) < len(best.skipped):
            best = piece
    return best


# -- the templates: each a rule from the dates' first, if the dates fit it --------------------


def _piece(rule: str, given: list[date], days: tuple[date, ...]) -> Piece | None:
    """The rule when it gives every one of `days`; COUNT is the number of dates it gives."""
    wanted = set(days)
    if not wanted <= set(given):
        return None
    skipped = tuple(day for day in given if day not in wanted)
    return Piece(f"{rule};COUNT={len(given)}", tuple(given), skipped)


def _interval(steps: list[int]) -> int:
    """The longest step that divides every distance from the first date (1 for none)."""
    return reduce(gcd, steps, 0) or 1


# The longest INTERVAL written, per frequency: what a person would say ("var fjärde vecka",
# "varje halvår"). Any two dates are some interval apart; "every 13 weeks" is no cadence.
_LONGEST_BY_FREQUENCY = {"DAILY": 6, "WEEKLY": 4, "MONTHLY": 6}


def _with_interval(rule: str, interval: int) -> str:
    return rule if interval == 1 else f"{rule};INTERVAL={interval}"


def _weekly(days: tuple[date, ...]) -> Piece | None:
    """2.1.3.2.2.2: every n weeks on the dates' weekdays (weeks from Monday, WKST=MO)."""
    monday = days[0] - timedelta(days=days[0].weekday())
    weeks = [(day - monday).days // 7 for day in days]
    interval = _interval(weeks)
    weekdays = sorted({day.weekday() for day in days})
    if interval > _LONGEST_BY_FREQUENCY["WEEKLY"] or len(weekdays) == len(WEEKDAY_CODES):
        return None  # every day of the week: daily says it
    given = [
        monday + timedelta(weeks=week, days=weekday)
        for week in range(0, weeks[-1] + 1, interval)
        for weekday in weekdays
    ]
    given = [day for day in given if days[0] <= day <= days[-1]]
    rule = "FREQ=WEEKLY;BYDAY=" + ",".join(WEEKDAY_CODES[w] for w in weekdays)
    if interval > 1:  # the week's first day decides which weeks count
        rule += f";INTERVAL={interval};WKST=MO"
    return _piece(rule, given, days)


def _daily(days: tuple[date, ...]) -> Piece | None:
    """2.1.3.2.2.1: every n days."""
    interval = _interval([(day - days[0]).days for day in days])
    if interval > _LONGEST_BY_FREQUENCY["DAILY"]:
        return None
    count = (days[-1] - days[0]).days // interval + 1
    given = [days[0] + timedelta(days=interval * n) for n in range(count)]
    return _piece(_with_interval("FREQ=DAILY", interval), given, days)


def _nth(day: date) -> int:
    """Which of its weekdays in the month `day` is: 1-4, or 5 for the fifth."""
    return (day.day - 1) // 7 + 1


def _is_last(day: date) -> bool:
    return day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def _months(days: tuple[date, ...]) -> list[int]:
    return [(day.year - days[0].year) * 12 + day.month - days[0].month for day in days]


def _month_steps(days: tuple[date, ...], step: int, on: Callable[[int, int], date]) -> list[date]:
    """The day `on(year, month)` of every `step`th month from the first date's to the last's."""
    first = days[0].year * 12 + days[0].month - 1
    last = days[-1].year * 12 + days[-1].month - 1
    return [on(m // 12, m % 12 + 1) for m in range(first, last + 1, step)]


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1-4, or -1 for the last) `weekday` of the month."""
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1] if day == -1 else day)


def _position(days: tuple[date, ...]) -> list[tuple[int, int]]:
    """The (weekday, nth) every date shares: the nth weekday 1-4 and/or the last (-1)."""
    weekday = days[0].weekday()
    if any(day.weekday() != weekday for day in days):
        return []
    found = []
    nth = _nth(days[0])
    if nth <= 4 and all(_nth(day) == nth for day in days):
        found.append((weekday, nth))
    if all(_is_last(day) for day in days):
        found.append((weekday, -1))
    return found


def _same_day(days: tuple[date, ...]) -> int | None:
    """The day of the month every date shares: 1-28 (a later day is missing in some months,
    where RFC 5545 skips the month and Outlook takes its last day), or -1 for the last."""
    if days[0].day <= 28 and all(day.day == days[0].day for day in days):
        return days[0].day
    if all(day.day == calendar.monthrange(day.year, day.month)[1] for day in days):
        return -1
    return None


def _monthly_nth(days: tuple[date, ...]) -> Piece | None:
    """2.1.3.2.2.4: the nth weekday of every n months."""
    interval = _interval(_months(days))
    if interval > _LONGEST_BY_FREQUENCY["MONTHLY"]:
        return None
    for weekday, nth in _position(days):
        given = _month_steps(days, interval, partial(_nth_weekday, weekday=weekday, nth=nth))
        rule = f"FREQ=MONTHLY;BYDAY={WEEKDAY_CODES[weekday]};BYSETPOS={nth}"
        found = _piece(_with_interval(rule, interval), given, days)
        if found is not None:
            return found
    return None


def _monthly(days: tuple[date, ...]) -> Piece | None:
    """2.1.3.2.2.3: a day of every n months."""
    day = _same_day(days)
    if day is None:
        return None
    interval = _interval(_months(days))
    if interval > _LONGEST_BY_FREQUENCY["MONTHLY"]:
        return None
    given = _month_steps(days, interval, partial(_month_day, day=day))
    return _piece(_with_interval(f"FREQ=MONTHLY;BYMONTHDAY={day}", interval), given, days)


def _yearly(days: tuple[date, ...]) -> Piece | None:
    """2.1.3.2.2.5 and 2.1.3.2.2.6: a day, or the nth weekday, of one month every n years."""
    month = days[0].month
    if any(day.month != month for day in days):
        return None
    years = [day.year - days[0].year for day in days]
    interval = _interval(years)
    span = range(days[0].year, days[-1].year + 1, interval)
    day = _same_day(days)
    if day is not None:
        given = [_month_day(year, month, day) for year in span]
        rule = f"FREQ=YEARLY;BYMONTHDAY={day};BYMONTH={month}"
        return _piece(_with_interval(rule, interval), given, days)
    for weekday, nth in _position(days):
        given = [_nth_weekday(year, month, weekday, nth) for year in span]
        rule = f"FREQ=YEARLY;BYDAY={WEEKDAY_CODES[weekday]};BYSETPOS={nth};BYMONTH={month}"
        found = _piece(_with_interval(rule, interval), given, days)
        if found is not None:
            return found
    return None


# In order of preference when two skip as few: the way a person would say it ("the 4th Monday
# of every month" rather than "every 4 weeks" for two dates that are both).
_CANDIDATES: tuple[Callable[[tuple[date, ...]], Piece | None], ...] = (
    _monthly_nth, _monthly, _weekly, _yearly, _daily,
)  # fmt: skip
