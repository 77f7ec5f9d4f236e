"""Place a Cadence in a plan year: series with RRULE, EXDATE/RDATE and dated occurrences.

For each series: resolve the plan file's settings over the policy, work out the months and days
it may use (seasonal forums in the warm months, school forums in the terms), write its rule,
expand it in the year, and move each date that falls on a closed day (EXDATE the original, RDATE
the new day). A deadline becomes a one-occurrence task series "Klart senast".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduler.cadence.activity import TASK, activity_kind
from scheduler.cadence.calendar import month_day_in, year_calendar
from scheduler.cadence.deadlines import due_date
from scheduler.cadence.markers import is_school_bound
from scheduler.cadence.model import Cadence, SeriesSpec
from scheduler.cadence.moves import Closed, Placement, place_dates, reach_of
from scheduler.cadence.overrides import Resolved, resolve
from scheduler.cadence.pattern import Frame, pattern_for
from scheduler.cadence.policy import CalendarPolicy, DayRange
from scheduler.cadence.rrules import RuleError, bounded, clean_rule, expand
from scheduler.cadence.schedule import (
    DEADLINE_LABEL,
    Occurrence,
    PlacedSeries,
    Schedule,
)
from scheduler.cadence.text import quote
from scheduler.cadence.windows import months_of
from scheduler.model import ScheduleSettings

ONE_DAY = timedelta(days=1)
ONE_OFF_RULE = "FREQ=DAILY;COUNT=1"


@dataclass(frozen=True)
class _Context:
    """What every series of one measure is placed with."""

    year: int
    policy: CalendarPolicy
    when: str
    title: str
    action: str
    several: bool


def place(
    cadence: Cadence,
    *,
    year: int,
    policy: CalendarPolicy,
    settings: ScheduleSettings = ScheduleSettings(),  # noqa: B008 (frozen: safe to share)
    title: str = "",
    action: str = "",
) -> Schedule:
    """The dated schedule of `cadence` in `year`. Pure; never raises on any parsed cadence."""
    warnings = list(cadence.warnings)
    specs = cadence.series
    if not specs and settings.rrule:
        specs = (SeriesSpec(),)  # the plan file gives the rule the När text does not
    context = _Context(year, policy, cadence.text, title, action, several=len(specs) > 1)
    placed: list[PlacedSeries] = []
    for index, spec in enumerate(specs):
        series = _place_series(spec, index, settings.for_series(spec.label), context, warnings)
        if series is not None:
            placed.append(series)
    deadline: date | None = None
    if cadence.deadline is not None:
        due = due_date(cadence.deadline, year=year, policy=policy)
        if due.warning:
            warnings.append(due.warning)
        deadline = due.day
        if deadline is not None and deadline.year == year:
            placed.append(_deadline_series(deadline, policy))
        elif deadline is not None:
            warnings.append(
                f'Tidsfristen "{cadence.deadline.description}" ligger {deadline.year}, inte i '
                f"planåret {year}; ingen uppgift planeras i år."
            )
    return Schedule(tuple(placed), deadline, tuple(warnings))


def _place_series(
    spec: SeriesSpec, index: int, settings: ScheduleSettings, context: _Context, warnings: list[str]
) -> PlacedSeries | None:
    name = f' "{spec.label}"' if spec.label else ""
    own = resolve(settings, context.policy, spec.label)
    warnings.extend(own.warnings)
    if spec.year is not None and spec.year != context.year:
        warnings.append(
            f"Serien{name} gäller {spec.year}, inte planåret {context.year}; inga datum i år."
        )
        return None
    kind = activity_kind(context.when, context.title, context.action, own.kind)
    frame = _frame(spec, index, own, context)
    closed = _closed(spec, frame, context)
    start_time = (
        time(0, 0)
        if kind == TASK
        else (own.time or _spec_time(spec) or context.policy.default_time)
    )
    zone = context.policy.zone
    first = datetime.combine(date(context.year, 1, 1), start_time, tzinfo=zone)
    last = datetime.combine(date(context.year, 12, 31), time(23, 59), tzinfo=zone)

    rule = _rule(spec, frame, own, warnings, name)
    if spec.dates and not own.rrule:
        days = sorted({month_day_in(context.year, d) for d in spec.dates})
        base = [datetime.combine(days[0], start_time, tzinfo=zone)]
        extra = [datetime.combine(d, start_time, tzinfo=zone) for d in days[1:]]
        rule, dtstart = ONE_OFF_RULE, base[0]
    elif rule is None:
        return None
    else:
        limited = bounded(rule, first, last)
        if limited is None:
            warnings.append(f"Serien{name} ger inga datum {context.year}.")
            return None
        rule, dtstart = limited.rule, limited.dtstart
        base = expand(rule, dtstart, last)
        extra = [d for d in limited.dates if d not in set(base)]

    reach = reach_of(rule)
    placements = place_dates([d.date() for d in base + extra], closed, reach=reach)
    duration = (
        ONE_DAY
        if kind == TASK
        else timedelta(
            minutes=own.duration_minutes
            or spec.duration_minutes
            or context.policy.default_duration_minutes
        )
    )
    base_days = {d.date() for d in base}
    exdates, rdates, occurrences = [], [], []
    for placement in placements:
        original = datetime.combine(placement.original, start_time, tzinfo=zone)
        if placement.original in base_days and placement.placed != placement.original:
            exdates.append(original)
        if placement.placed is None:
            if reach != "week":
                warnings.append(
                    f"Serien{name}: {placement.original} ({placement.reason}) kunde inte "
                    "flyttas till en öppen dag och stryks."
                )
            continue
        at = datetime.combine(placement.placed, start_time, tzinfo=zone)
        if placement.original not in base_days or placement.placed != placement.original:
            rdates.append(at)
        occurrences.append(_occurrence(at, duration, kind, spec.label, placement))
    return PlacedSeries(
        label=spec.label,
        count=spec.count,
        per="once" if spec.dates and not own.rrule else spec.per,
        kind=kind,
        rrule=rule,
        dtstart=dtstart,
        exdates=tuple(exdates),
        rdates=tuple(sorted(rdates)),
        occurrences=tuple(sorted(occurrences, key=lambda o: o.start)),
        duration=duration,
        location=own.location,
    )


def _rule(
    spec: SeriesSpec, frame: Frame, own: Resolved, warnings: list[str], name: str
) -> str | None:
    """The series' RRULE (without COUNT), or None when it has none."""
    if own.rrule:
        try:
            rule = clean_rule(own.rrule)
        except RuleError as exc:
            warnings.append(f"Inställd RRULE{name} {quote(own.rrule)} används inte: {exc}.")
        else:
            return rule
    if spec.dates:
        return None
    pattern = pattern_for(spec, frame)
    if pattern is None:
        warnings.append(f"Serien{name} har ingen månad att ligga i; inga datum planeras.")
        return None
    warnings.extend(f"Serien{name}: {note}." for note in pattern.notes)
    return pattern.rule()


def _frame(spec: SeriesSpec, index: int, own: Resolved, context: _Context) -> Frame:
    policy = context.policy
    months = set(own.months or spec.months or policy.active_months)
    if spec.seasonal and not (own.months or spec.months):
        months &= set(policy.seasonal_months)
    if spec.windows:
        months &= {m for window in spec.windows for m in months_of(window)}
    months -= set(spec.excluded_months)
    terms = (months_of(policy.spring_term), months_of(policy.autumn_term))
    if _follows_terms(spec, context):
        months &= set(terms[0]) | set(terms[1])
    weekday = own.weekday or (spec.weekdays[0] if spec.weekdays else policy.default_weekday)
    week = policy.week_of_month
    if context.several:
        # Several series of one measure go in different weeks, so forums that share people
        # (two school levels, three places) do not meet on the same day.
        week = (week - 1 + index) % 4 + 1
    return Frame(tuple(sorted(months)), terms, weekday, week, _follows_terms(spec, context))


def _follows_terms(spec: SeriesSpec, context: _Context) -> bool:
    return spec.school_bound or spec.per == "term" or is_school_bound(context.title.lower())


def _closed(spec: SeriesSpec, frame: Frame, context: _Context) -> Closed:
    """Why a day is closed to this series: the calendar, then its own window and terms."""
    calendar = year_calendar(context.year, context.policy)
    # The series' own months, not just the policy's: a moved meeting stays in its season.
    months = frozenset(frame.months)
    terms = (context.policy.spring_term, context.policy.autumn_term)
    windows = spec.windows
    by_term = frame.by_term

    def reason(day: date) -> str | None:
        why = calendar.reason(day, months)
        if why is not None:
            return why
        if windows and not any(_inside(day, window) for window in windows):
            return "utanför perioden"
        if by_term and not any(_inside(day, term) for term in terms):
            return "utanför terminerna"
        return None

    return reason


def _inside(day: date, window: DayRange) -> bool:
    start, end = month_day_in(day.year, window[0]), month_day_in(day.year, window[1])
    if start <= end:
        return start <= day <= end
    return day >= start or day <= end


def _spec_time(spec: SeriesSpec) -> time | None:
    return time(*spec.time) if spec.time is not None else None


def _occurrence(
    at: datetime, duration: timedelta, kind: str, label: str, placement: Placement
) -> Occurrence:
    moved = placement.placed != placement.original
    return Occurrence(
        start=at,
        end=at + duration,
        all_day=kind == TASK,
        kind=kind,
        series_label=label,
        moved_from=placement.original if moved else None,
        move_reason=placement.reason if moved else None,
    )


def _deadline_series(day: date, policy: CalendarPolicy) -> PlacedSeries:
    start = datetime.combine(day, time(0, 0), tzinfo=policy.zone)
    occurrence = Occurrence(start, start + ONE_DAY, True, TASK, DEADLINE_LABEL)
    return PlacedSeries(
        label=DEADLINE_LABEL,
        count=1,
        per="once",
        kind=TASK,
        rrule=ONE_OFF_RULE,
        dtstart=start,
        exdates=(),
        rdates=(),
        occurrences=(occurrence,),
        duration=ONE_DAY,
    )
