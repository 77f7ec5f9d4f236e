"""From "4 ggr/år" to "FREQ=MONTHLY;BYMONTH=2,5,9,11;BYDAY=2TU": the rule of a series.

Counts per period are spread evenly over the months the series may use: the year is split into
spring (January–June) and autumn (July–December), or into the school terms for school-bound
forums, so "2 ggr/år" is one in each half and "4 ggr/år" two in each. Within a period each
occurrence takes the middle month of its share of the period's months. In a month a meeting goes
on the policy's n:th weekday (second Tuesday by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

from scheduler.base.weekdays import WEEKDAY_CODES, WEEKDAY_NAMES, WORKDAY_CODES
from scheduler.cadence.model import SeriesSpec

ALL_MONTHS: Final = tuple(range(1, 13))
_PERIODS_PER_YEAR: Final = {"quarter": 4, "tertial": 3, "half_year": 2, "term": 2, "year": 1}
_PATTERN_PERIOD_MONTHS: Final[dict[str, tuple[tuple[int, ...], ...]]] = {
    "quarter": ((1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12)),
    "tertial": ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12)),
    "half_year": ((1, 2, 3, 4, 5, 6), (7, 8, 9, 10, 11, 12)),
    "year": ((1, 2, 3, 4, 5, 6), (7, 8, 9, 10, 11, 12)),
}
# Several meetings a month: which weeks. Two a month are a fortnight apart.
_MONTH_ORDINALS: Final = {3: (1, 2, 4)}
WEEKS_PER_MONTH: Final = 4.35
_SPREAD_WEEK: Final = {2: ("TU", "TH"), 3: ("MO", "WE", "FR"), 4: ("MO", "TU", "WE", "TH")}
# The note of a count per period that goes on the first of the days its text names.
ONE_DAY_NOTE: Final = "den första av dagarna texten nämner"


@dataclass(frozen=True)
class Pattern:
    """The parts of an RRULE this engine writes."""

    freq: str
    interval: int = 1
    months: tuple[int, ...] = ()
    weeks: tuple[int, ...] = ()
    days: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    def rule(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.months and tuple(self.months) != ALL_MONTHS:
            parts.append("BYMONTH=" + ",".join(str(m) for m in self.months))
        if self.weeks:
            parts.append("BYWEEKNO=" + ",".join(str(w) for w in self.weeks))
        if self.days:
            parts.append("BYDAY=" + ",".join(self.days))
        return ";".join(parts)


@dataclass(frozen=True)
class Slot:
    """The weekday and week of the month a plan-wide spread (spread.py) gives a series.

    None leaves that part to the text or the policy.
    """

    weekday: str | None = None
    week: int | None = None


@dataclass(frozen=True)
class Frame:
    """Where a series may go: its months, the school terms' months, its weekday and week."""

    months: tuple[int, ...]
    term_months: tuple[tuple[int, ...], tuple[int, ...]]
    weekday: str
    week_of_month: int
    by_term: bool  # spread per-year counts over the terms instead of the calendar halves


def pattern_for(spec: SeriesSpec, frame: Frame) -> Pattern | None:
    """The rule of `spec` inside `frame`, or None when the frame leaves no month."""
    if not frame.months:
        return None
    pattern = _pattern(spec, frame)
    if pattern is None or len(spec.weekdays) < 2 or spec.weekdays[0] != frame.weekday:
        return pattern
    if spec.per in ("day", "week") or set(pattern.days) >= set(spec.weekdays):
        return pattern
    # "Sex gånger, torsdags- och fredagskvällar": a count per period goes on one day; say which.
    named = ", ".join(WEEKDAY_NAMES[code] for code in spec.weekdays)
    note = f"{spec.count} gånger läggs på {WEEKDAY_NAMES[frame.weekday]}, {ONE_DAY_NOTE} ({named})"
    return replace(pattern, notes=(*pattern.notes, note))


def _pattern(spec: SeriesSpec, frame: Frame) -> Pattern | None:
    if spec.iso_weeks:
        # "Dagligen vecka 24–33" is every day of those weeks, "vecka 24–33, vardagar" every
        # weekday; a count per year is one day in each week.
        days: tuple[str, ...] = (frame.weekday,)
        if spec.per == "day":
            days = spec.weekdays or WORKDAY_CODES
        elif spec.per == "week":
            days = spec.weekdays or _days_of_week(spec.count, frame.weekday)
        return Pattern("YEARLY", weeks=spec.iso_weeks, days=days)
    if spec.per == "day":
        return _daily(spec, frame)
    if spec.per == "week":
        return _weekly(spec.count, spec.interval, spec.weekdays, frame)
    if spec.per == "month":
        return _monthly(spec, frame)
    return _per_period(spec, frame)


def _daily(spec: SeriesSpec, frame: Frame) -> Pattern:
    notes: tuple[str, ...] = ()
    if spec.count > 1:
        notes = (f"{spec.count} gånger per dag planeras som ett tillfälle per dag",)
    if spec.interval % 7 == 0:
        return replace(_weekly(1, spec.interval // 7, spec.weekdays, frame), notes=notes)
    days = spec.weekdays or WORKDAY_CODES
    return Pattern("DAILY", spec.interval, frame.months, days=tuple(days), notes=notes)


def _weekly(count: int, interval: int, named: tuple[str, ...], frame: Frame) -> Pattern:
    days = named or _days_of_week(count, frame.weekday)
    return Pattern("WEEKLY", interval, frame.months, days=days)


def _days_of_week(count: int, weekday: str) -> tuple[str, ...]:
    """`count` days a week: the policy's weekday, then days spread over the working week."""
    if count <= 1:
        return (weekday,)
    if count == 2 and weekday in WORKDAY_CODES:
        other = WORKDAY_CODES[(WORKDAY_CODES.index(weekday) + 2) % 5]
        chosen = {weekday, other}
    else:
        chosen = set(_SPREAD_WEEK.get(count, WORKDAY_CODES))
    return tuple(code for code in WEEKDAY_CODES if code in chosen)


def _monthly(spec: SeriesSpec, frame: Frame) -> Pattern | None:
    if spec.interval > 1:
        if 12 % spec.interval == 0:
            # "var tredje månad" is four a year: spread like "4 ggr/år", not anchored on January.
            # Counted over the months the series may use: "varannan månad under hösten" is two.
            count = max(1, round(spec.count * len(frame.months) / spec.interval))
            per_year = replace(spec, count=count, per="year", interval=1)
            return _per_period(per_year, frame)
        day = f"{spec.ordinal or frame.week_of_month}{frame.weekday}"
        return Pattern("MONTHLY", spec.interval, frame.months, days=(day,))
    if spec.count >= 4:
        per_week = max(1, round(spec.count / WEEKS_PER_MONTH))
        return _weekly(per_week, 1, spec.weekdays, frame)
    if spec.ordinal is not None and spec.count == 1:
        ordinals: tuple[int, ...] = (spec.ordinal,)
    elif spec.count == 1:
        ordinals = (frame.week_of_month,)
    elif spec.count == 2:
        # A fortnight apart: 1st and 3rd weekday, or 2nd and 4th when the series' week is late.
        first = 1 if frame.week_of_month <= 2 else 2
        ordinals = (first, first + 2)
    else:
        ordinals = _MONTH_ORDINALS[spec.count]
    return Pattern("MONTHLY", 1, frame.months, days=tuple(f"{o}{frame.weekday}" for o in ordinals))


def _per_period(spec: SeriesSpec, frame: Frame) -> Pattern | None:
    count, per = spec.count, spec.per
    if spec.interval > 1:
        count = max(1, round(count * _PERIODS_PER_YEAR.get(per, 1) / spec.interval))
        per = "year"
    periods = _periods(per, frame)
    counts = _counts(count, per, periods)
    if any(c > len(p) for p, c in zip(periods, counts, strict=True)):
        # More than one a month: a weekly rule with the step that gives about that many.
        weeks = len(frame.months) * WEEKS_PER_MONTH
        step = max(1, round(weeks / max(1, sum(counts))))
        return Pattern("WEEKLY", step, frame.months, days=(frame.weekday,))
    chosen = sorted({m for p, c in zip(periods, counts, strict=True) for m in middle_months(c, p)})
    if not chosen:
        return None
    ordinal = spec.ordinal or frame.week_of_month
    return Pattern("MONTHLY", 1, tuple(chosen), days=(f"{ordinal}{frame.weekday}",))


def _periods(per: str, frame: Frame) -> list[tuple[int, ...]]:
    """The periods a count is per (or, per year, the halves it is split over), as months."""
    allowed = set(frame.months)
    source: tuple[tuple[int, ...], ...]
    if per == "term" or (per == "year" and frame.by_term):
        source = frame.term_months
    else:
        source = _PATTERN_PERIOD_MONTHS.get(per, _PATTERN_PERIOD_MONTHS["year"])
    return [tuple(m for m in months if m in allowed) for months in source]


def _counts(count: int, per: str, periods: list[tuple[int, ...]]) -> list[int]:
    """How many go in each period: `count` each, or, per year, `count` shared out."""
    if per != "year":
        return [count if months else 0 for months in periods]
    open_periods = [i for i, months in enumerate(periods) if months]
    counts = [0] * len(periods)
    if not open_periods:
        return counts
    for n in range(count):
        # Spring first: with an odd count the longer half gets the extra one.
        counts[open_periods[n % len(open_periods)]] += 1
    # A half with fewer months than its share passes the rest to a half with room ("mars,
    # oktober och november": one in spring, two in autumn), so each stays once a month.
    for full in open_periods:
        for other in open_periods:
            room = len(periods[other]) - counts[other]
            extra = counts[full] - len(periods[full])
            if other != full and extra > 0 and room > 0:
                moved = min(extra, room)
                counts[full] -= moved
                counts[other] += moved
    return counts


def middle_months(count: int, months: tuple[int, ...]) -> list[int]:
    """`count` months from `months`, each the middle of an equal share: 2 of Jan–Jun → Feb, May."""
    if count <= 0 or not months:
        return []
    return [months[int((i + 0.5) * len(months) / count)] for i in range(count)]
