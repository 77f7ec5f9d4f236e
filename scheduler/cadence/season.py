"""Where in the year one series may go: its months, its weekday and week, its terms or window.

A series uses the policy's active months unless the plan file or the text names months; a
seasonal forum keeps to the warm months, a school forum to the terms, "under våren" to spring.
"""

from __future__ import annotations

from datetime import date

from scheduler.cadence.calendar import month_day_in, year_calendar
from scheduler.cadence.model import SeriesSpec
from scheduler.cadence.moves import Closed
from scheduler.cadence.overrides import Resolved
from scheduler.cadence.pattern import Frame, Slot
from scheduler.cadence.periods import period_name, period_windows
from scheduler.cadence.policy import CalendarPolicy, DayRange
from scheduler.cadence.windows import months_of


def frame_for(
    spec: SeriesSpec,
    own: Resolved,
    policy: CalendarPolicy,
    *,
    index: int,
    several: bool,
    school_title: bool,
    slot: Slot = Slot(),  # noqa: B008 (frozen: safe to share)
    activity_weekday: str | None = None,
) -> Frame:
    """The months, weekday and week of the month `spec` is placed in.

    The weekday named by the plan file or the text wins, then the activity's own day
    (nattvandring on Fridays), then the slot the plan-wide spread gave, then the policy's.
    """
    months = set(own.months or spec.months or policy.active_months)
    if spec.seasonal and not (own.months or spec.months):
        months &= set(policy.seasonal_months)
    if spec.windows:
        months &= {m for window in spec.windows for m in months_of(window)}
    months -= set(spec.excluded_months)
    terms = (months_of(policy.spring_term), months_of(policy.autumn_term))
    # School forums (by their words, or a title such as "SSP": `school_title`) and counts per
    # term follow the terms.
    by_term = spec.school_bound or spec.per == "term" or school_title
    if by_term:
        months &= set(terms[0]) | set(terms[1])
    named = own.weekday or (spec.weekdays[0] if spec.weekdays else activity_weekday)
    weekday = named or slot.weekday or policy.default_weekday
    week = policy.week_of_month
    if slot.week is not None:
        week = slot.week
    elif several:
        # Several series of one measure go in different weeks, so forums that share people
        # (two school levels, three places) do not meet on the same day.
        week = (week - 1 + index) % 4 + 1
    return Frame(tuple(sorted(months)), terms, weekday, week, by_term)


def outside_of(spec: SeriesSpec, frame: Frame, policy: CalendarPolicy, year: int) -> Closed:
    """Why a day is outside the series' own season (months, windows, terms), or None."""
    calendar = year_calendar(year, policy)
    months = frozenset(frame.months)
    terms = (policy.spring_term, policy.autumn_term)
    windows = spec.windows
    # "Utom under loven": the school periods the text leaves out, as windows of this year.
    left_out = [
        (period_name(name), window)
        for name in spec.excluded_periods
        for window in period_windows(name, year, policy)
    ]

    def reason(day: date) -> str | None:
        why = calendar.month_closed(day, months)
        if why is not None:
            return why
        if windows and not any(_inside(day, window) for window in windows):
            return "utanför perioden"
        if frame.by_term and not any(_inside(day, term) for term in terms):
            return "utanför terminerna"
        for name, window in left_out:
            if _inside(day, window):
                return f"utom {name}"
        return None

    return reason


def _inside(day: date, window: DayRange) -> bool:
    start, end = month_day_in(day.year, window[0]), month_day_in(day.year, window[1])
    if start <= end:
        return start <= day <= end
    return day >= start or day <= end  # a window across the new year
