"""School terms and breaks, and "the first week of each quarter", resolved from the calendar policy.

The parser reads "under sommarlovet", "höstterminen", "före jul" as named periods without dates,
because their dates are the district's: `calendar.spring_term`, `autumn_term`, `sportlov_week`,
`pasklov_week`, `hostlov_week`. Before placing, `resolve_periods` turns each name into windows of
the plan year:

| period | window |
| --- | --- |
| vårtermin / hösttermin | `spring_term` / `autumn_term` |
| terminer ("under terminerna") | both terms |
| sommarlov | the day after the spring term to the day before the autumn term |
| jullov | the day after the autumn term to the day before the spring term (across the new year) |
| sportlov / påsklov / höstlov | Monday–Sunday of the configured ISO week |
| före sommar / före jul (deadlines) | 1 January to the end of the spring / autumn term |

A text that asks for summer ("under sommaren", "sommarlovet") may use July although it is not an
active month: the series' months become the months of its windows. So may a named ISO week
("vecka 27"): its month joins the active months.

"Första veckan i varje kvartal" is the first week of each quarter's first *active* month (with the
default policy January, April, August, October: July is inactive, so the third quarter starts in
August); "sista veckan i varje kvartal" the last week of each quarter's last active month.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from scheduler.cadence.calendar import pasklov_week
from scheduler.cadence.model import Cadence, DeadlineSpec, MonthDay, SeriesSpec
from scheduler.cadence.policy import CalendarPolicy, DayRange
from scheduler.cadence.windows import months_of

# School breaks the calendar closes for meetings, and the setting that does it.
_CLOSED_BREAKS: dict[str, str] = {
    "sportlov": "sportlov_week",
    "påsklov": "pasklov_week",
    "höstlov": "hostlov_week",
    "jullov": "blackouts",
}
_PERIOD_MONTHS: dict[str, tuple[tuple[int, ...], ...]] = {
    "quarter": ((1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12)),
    "tertial": ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12)),
    "half_year": ((1, 2, 3, 4, 5, 6), (7, 8, 9, 10, 11, 12)),
    "year": (tuple(range(1, 13)),),
}


def resolve_periods(cadence: Cadence, *, year: int, policy: CalendarPolicy) -> Cadence:
    """`cadence` with its named periods turned into windows and months of `year` under `policy`."""
    warnings: list[str] = []
    series = tuple(_series(spec, year, policy, warnings) for spec in cadence.series)
    deadline = cadence.deadline
    if deadline is not None and deadline.period is not None:
        deadline = _deadline(deadline, year, policy, warnings)
    if series == cadence.series and deadline == cadence.deadline and not warnings:
        return cadence
    return replace(
        cadence, series=series, deadline=deadline, warnings=cadence.warnings + tuple(warnings)
    )


def period_windows(name: str, year: int, policy: CalendarPolicy) -> tuple[DayRange, ...]:
    """The windows of a named school period in `year`; () when the policy has none (no sportlov)."""
    spring, autumn = policy.spring_term, policy.autumn_term
    if name == "vårtermin":
        return (spring,)
    if name == "hösttermin":
        return (autumn,)
    if name == "terminer":
        return (spring, autumn)
    if name == "sommarlov":
        return ((_shift(spring[1], 1), _shift(autumn[0], -1)),)
    if name == "jullov":
        return ((_shift(autumn[1], 1), _shift(spring[0], -1)),)
    if name == "före sommar":
        return ((MonthDay(1, 1), spring[1]),)
    if name == "före jul":
        return ((MonthDay(1, 1), autumn[1]),)
    weeks = {
        "sportlov": policy.sportlov_week,
        "påsklov": pasklov_week(year, policy.pasklov_week),
        "höstlov": policy.hostlov_week,
    }
    week = weeks.get(name)
    if week is None or not 1 <= week <= date(year, 12, 28).isocalendar().week:
        return ()
    monday = date.fromisocalendar(year, week, 1)
    sunday = monday + timedelta(days=6)
    return ((MonthDay(monday.month, monday.day), MonthDay(sunday.month, sunday.day)),)


def _series(spec: SeriesSpec, year: int, policy: CalendarPolicy, warnings: list[str]) -> SeriesSpec:
    windows = list(spec.windows)
    for name in spec.periods:
        found = period_windows(name, year, policy)
        if not found:
            warnings.append(f'"{name}" finns inte i kalenderinställningarna {year}; ignoreras.')
        windows.extend(found)
    months = spec.months
    breaks = [name for name in spec.periods if name in _CLOSED_BREAKS]
    if breaks:
        warnings.append(
            f'"{breaks[0]}": kalendern håller skollov stängda (calendar.{_CLOSED_BREAKS[breaks[0]]})'
            ", så inget möte läggs under lovet; ange datum i planfilen om det ska bli av."
        )
    allowed = set(policy.active_months)
    if spec.summer and not months and windows:
        # The text asks for summer: the months of its windows, July included.
        months = tuple(sorted({m for window in windows for m in months_of(window)}))
        allowed |= set(months)
    if spec.per == "year" and len(windows) >= 2 and spec.count == len(windows) and not spec.months:
        # Once in each window ("våren, sommaren och hösten"): the middle usable month of each.
        months = _one_month_each(windows, allowed) or months
    if spec.period_edge is not None and not months:
        months = _edge_months(spec, policy)
    if spec.iso_weeks and not months:
        # A named week is kept even in an inactive month ("vecka 27" is in July).
        months = _week_months(spec.iso_weeks, year, allowed)
    if tuple(windows) == spec.windows and months == spec.months:
        return spec
    return replace(spec, windows=tuple(windows), months=months)


def _week_months(weeks: tuple[int, ...], year: int, allowed: set[int]) -> tuple[int, ...]:
    last_week = date(year, 12, 28).isocalendar().week
    named = {
        (date.fromisocalendar(year, week, 1) + timedelta(days=offset)).month
        for week in weeks
        if 1 <= week <= last_week
        for offset in range(5)
    }
    return tuple(sorted(allowed | named))


def _one_month_each(windows: list[DayRange], allowed: set[int]) -> tuple[int, ...]:
    chosen: list[int] = []
    for window in windows:
        usable = [m for m in months_of(window) if m in allowed and m not in chosen]
        if not usable:
            return ()
        chosen.append(usable[len(usable) // 2])
    return tuple(sorted(chosen))


def _edge_months(spec: SeriesSpec, policy: CalendarPolicy) -> tuple[int, ...]:
    """The first (or last) active month of each period the series is per."""
    if spec.per == "term":
        periods = tuple(months_of(term) for term in (policy.spring_term, policy.autumn_term))
    else:
        periods = _PERIOD_MONTHS.get(spec.per, ())
    active = set(policy.active_months)
    chosen = []
    for months in periods:
        open_months = [m for m in months if m in active]
        if open_months:
            chosen.append(open_months[0] if (spec.period_edge or 1) > 0 else open_months[-1])
    return tuple(sorted(set(chosen)))


def _deadline(
    deadline: DeadlineSpec, year: int, policy: CalendarPolicy, warnings: list[str]
) -> DeadlineSpec | None:
    found = period_windows(str(deadline.period), deadline.year or year, policy)
    if not found:
        warnings.append(
            f'"{deadline.description}" finns inte i kalenderinställningarna; ingen tidsfrist.'
        )
        return None
    start, end = found[0][0], found[-1][1]
    return replace(deadline, start=start, end=end)


def _shift(day: MonthDay, days: int) -> MonthDay:
    moved = date(2024, day.month, day.day) + timedelta(days=days)  # 2024: 29 February exists
    return MonthDay(moved.month, moved.day)
