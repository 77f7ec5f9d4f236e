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
| inför:start:P ("inför sommarlovet", "inför varje ny termin") | the EVENT_MARGIN_DAYS before P starts |
| efter:end:P ("efter sportlovet", "efter varje skolavslutning") | the EVENT_MARGIN_DAYS after P ends |
| vid:start:P / vid:end:P ("vid terminsstart", "vid skolavslutningen") | P's first / last week |
| från:vecka:N ("från vecka 24") | the Monday of ISO week N to 31 December |

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

from scheduler.cadence.calendar import month_day_in, pasklov_week
from scheduler.cadence.model import Cadence, DeadlineSpec, MonthDay, SeriesSpec
from scheduler.cadence.policy import CalendarPolicy, DayRange
from scheduler.cadence.vocabulary import EVENT_MARGIN_DAYS, EVENT_WEEK_DAYS, SEASON_NAMES
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


def period_name(name: str) -> str:
    """A period as a message names it: "sportlovet", "inför sommarlovet", "efter höstterminen"."""
    relation, _, rest = name.partition(":")
    if not rest:
        return SEASON_NAMES.get(name, name)
    side, _, period = rest.partition(":")
    if side == "vecka":
        return f"från vecka {period}"
    named = SEASON_NAMES.get(period, period)
    if relation == "vid":
        return f"{'starten' if side == 'start' else 'slutet'} av {named}"
    return f"{relation} {named}"


def period_windows(name: str, year: int, policy: CalendarPolicy) -> tuple[DayRange, ...]:
    """The windows of a named school period in `year`; () when the policy has none (no sportlov)."""
    if ":" in name:
        return _event_windows(name, year, policy)
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


def _event_windows(name: str, year: int, policy: CalendarPolicy) -> tuple[DayRange, ...]:
    """ "inför:start:sommarlov" → the two weeks before the summer break; "vid:end:vårtermin" →
    the spring term's last week; "efter:end:sportlov" → the two weeks after sportlov."""
    relation, side, period = name.split(":", 2)
    if side == "vecka":
        # "från vecka 24": from its Monday to the year's end.
        week = int(period)
        if not 1 <= week <= date(year, 12, 28).isocalendar().week:
            return ()
        monday = date.fromisocalendar(year, week, 1)
        return ((MonthDay(monday.month, monday.day), MonthDay(12, 31)),)
    windows = []
    for first, last in period_windows(period, year, policy):
        edge = month_day_in(year, first if side == "start" else last)
        if relation == "inför":
            start, end = edge - timedelta(days=EVENT_MARGIN_DAYS), edge - timedelta(days=1)
        elif relation == "efter":
            start, end = edge + timedelta(days=1), edge + timedelta(days=EVENT_MARGIN_DAYS)
        elif side == "start":
            start, end = edge, edge + timedelta(days=EVENT_WEEK_DAYS - 1)
        else:
            start, end = edge - timedelta(days=EVENT_WEEK_DAYS - 1), edge
        windows.append((MonthDay(start.month, start.day), MonthDay(end.month, end.day)))
    return tuple(windows)


def _series(spec: SeriesSpec, year: int, policy: CalendarPolicy, warnings: list[str]) -> SeriesSpec:
    closed = [name for name in spec.periods if _closed_break(name, policy)]
    shut = [name for name in closed if name != "jullov"]  # jullov has open days around the blackout
    if shut:
        warnings.append(
            f"{_listed(shut)}: kalendern håller skollov stängda ("
            + ", ".join(f"calendar.{_CLOSED_BREAKS[name]}" for name in shut)
            + "), så inget möte läggs under lovet; ange datum i planfilen om det ska bli av."
        )
    if "jullov" in closed:
        warnings.append(
            '"jullov": kalendern håller skollov stängda där juluppehållet ligger '
            "(calendar.blackouts), så bara lovets andra dagar används; ange datum i planfilen "
            "om mer ska bli av."
        )
    once_each = spec.per == "year" and spec.count == len(spec.periods) + len(spec.windows)
    if once_each and shut and len(shut) < len(spec.periods):
        # "En gång under alla lov": once in each break the calendar keeps open, not a meeting
        # moved from a closed break into another one.
        open_periods = tuple(name for name in spec.periods if name not in shut)
        spec = replace(spec, periods=open_periods, count=spec.count - len(shut))
    windows = list(spec.windows)
    for name in spec.periods:
        found = period_windows(name, year, policy)
        if not found:
            warnings.append(
                f'"{period_name(name)}" finns inte i kalenderinställningarna {year}; ignoreras.'
            )
        windows.extend(found)
    months = spec.months
    allowed = set(policy.active_months)
    if (spec.summer or spec.named_span) and not months and windows:
        # The text asks for summer, or names its own dates: the months of its windows, July
        # included.
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
    """A month for each window: the middle of its usable months, or, of a window that is only
    a few days of some months ("efter skolavslutningen", 21/12–3/1), the month with the most
    of its days."""
    chosen: list[int] = []
    for window in windows:
        usable = [m for m in months_of(window) if m in allowed and m not in chosen]
        if not usable:
            return ()
        middle = usable[len(usable) // 2]
        if _days_in(window, middle) < 14:
            middle = max(usable, key=lambda m: _days_in(window, m))
        chosen.append(middle)
    return tuple(sorted(chosen))


def _days_in(window: DayRange, month: int) -> int:
    """How many days of `month` the window holds (a leap year's count)."""
    first = window[0].day if month == window[0].month else 1
    last = window[1].day if month == window[1].month else _month_length(month)
    if window[0].month == window[1].month and window[0] > window[1]:
        return _month_length(month)  # wraps the whole year from inside one month
    return max(0, last - first + 1)


def _month_length(month: int) -> int:
    return (date(2024, month % 12 + 1, 1) - timedelta(days=1)).day if month < 12 else 31


def _closed_break(name: str, policy: CalendarPolicy) -> bool:
    """Whether the calendar closes the school break `name` to meetings (its week is set)."""
    if name == "jullov":
        return bool(policy.blackouts)  # the Christmas blackout (its other days take meetings)
    setting = _CLOSED_BREAKS.get(name)
    return setting is not None and getattr(policy, setting) not in (None, False)


def _listed(names: list[str]) -> str:
    quoted = [f'"{name}"' for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " och " + quoted[-1]


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
    if deadline.starts:
        end = start  # "efter sportlovet": due when it starts
    return replace(deadline, start=start, end=end)


def _shift(day: MonthDay, days: int) -> MonthDay:
    moved = date(2024, day.month, day.day) + timedelta(days=days)  # 2024: 29 February exists
    return MonthDay(moved.month, moved.day)
