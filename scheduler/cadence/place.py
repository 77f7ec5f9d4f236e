"""Place a Cadence in a plan year: series with RRULE, EXDATE/RDATE and dated occurrences.

For each series: resolve the plan file's settings over the policy, work out where it may go
(season.py), write its rule (pattern.py), expand it in the year (rrules.py), and move each date
that falls on a closed day (moves.py): the original date becomes an EXDATE, the new day an RDATE.
A deadline becomes a one-occurrence task series "Klart senast".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduler.cadence.activity import TASK, activity_kind
from scheduler.cadence.calendar import month_day_in, year_calendar
from scheduler.cadence.deadlines import due_date
from scheduler.cadence.model import Cadence, SeriesSpec
from scheduler.cadence.moves import Placement, place_dates, reach_of
from scheduler.cadence.overrides import Resolved, resolve
from scheduler.cadence.pattern import Frame, pattern_for
from scheduler.cadence.periods import resolve_periods
from scheduler.cadence.policy import CalendarPolicy
from scheduler.cadence.rrules import ONE_OFF_RULE, RuleError, bounded, clean_rule, expand
from scheduler.cadence.schedule import DEADLINE_LABEL, Occurrence, PlacedSeries, Schedule
from scheduler.cadence.season import frame_for, outside_of
from scheduler.cadence.text import quote
from scheduler.model import ScheduleSettings

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class _Measure:
    """What every series of one measure is placed with."""

    year: int
    policy: CalendarPolicy
    when: str
    title: str
    action: str
    several: bool


@dataclass(frozen=True)
class _Dated:
    """A series' rule and the dates it gives before any move."""

    rule: str
    dtstart: datetime
    from_rule: tuple[datetime, ...]  # dates the RRULE itself gives
    one_off: tuple[datetime, ...]  # further dates, stored as RDATE


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
    cadence = resolve_periods(cadence, year=year, policy=policy)
    warnings = list(cadence.warnings)
    specs = cadence.series
    if not specs and settings.rrule:
        specs = (SeriesSpec(),)  # the plan file gives the rule the När text does not
    measure = _Measure(year, policy, cadence.text, title, action, several=len(specs) > 1)
    placed = [
        series
        for index, spec in enumerate(specs)
        if (series := _place_series(spec, index, settings, measure, warnings)) is not None
    ]
    deadline: date | None = None
    if cadence.deadline is not None:
        due = due_date(cadence.deadline, year=year, policy=policy)
        warnings.extend([due.warning] if due.warning else [])
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
    spec: SeriesSpec,
    index: int,
    settings: ScheduleSettings,
    measure: _Measure,
    warnings: list[str],
) -> PlacedSeries | None:
    name = f' "{spec.label}"' if spec.label else ""
    own = resolve(settings.for_series(spec.label), measure.policy, spec.label)
    warnings.extend(own.warnings)
    if spec.year is not None and spec.year != measure.year:
        warnings.append(
            f"Serien{name} gäller {spec.year}, inte planåret {measure.year}; inga datum i år."
        )
        return None
    kind = activity_kind(measure.when, measure.title, measure.action, own.kind)
    frame = frame_for(
        spec, own, measure.policy, index=index, several=measure.several, title=measure.title
    )
    at = time(0, 0) if kind == TASK else _start_time(spec, own, measure.policy)
    dated = _dated(spec, frame, own, at, measure, warnings, name)
    if dated is None:
        return None
    reach = reach_of(dated.rule)
    placements = place_dates(
        [d.date() for d in dated.from_rule + dated.one_off],
        year_calendar(measure.year, measure.policy).closed_on,
        outside_of(spec, frame, measure.policy, measure.year),
        reach=reach,
    )
    for dropped in (p for p in placements if p.placed is None and reach == "year"):
        warnings.append(
            f"Serien{name}: {dropped.original} ({dropped.reason}) kunde inte flyttas till en "
            "öppen dag och stryks."
        )
    length = ONE_DAY if kind == TASK else _length(spec, own, measure.policy)
    exdates, rdates, occurrences = _exceptions(dated, placements, at, length, kind, spec.label)
    return PlacedSeries(
        label=spec.label,
        count=spec.count,
        per="once" if dated.rule == ONE_OFF_RULE and spec.dates else spec.per,
        kind=kind,
        rrule=dated.rule,
        dtstart=dated.dtstart,
        exdates=exdates,
        rdates=rdates,
        occurrences=occurrences,
        duration=length,
        location=own.location,
    )


def _dated(
    spec: SeriesSpec,
    frame: Frame,
    own: Resolved,
    at: time,
    measure: _Measure,
    warnings: list[str],
    name: str,
) -> _Dated | None:
    """The rule and dates of a series in the year, before moves; None (and why) if it has none."""
    zone = measure.policy.zone
    rule = _rule(spec, frame, own, warnings, name)
    if rule is None and spec.dates:
        days = sorted({month_day_in(measure.year, d) for d in spec.dates})
        starts = tuple(datetime.combine(d, at, tzinfo=zone) for d in days)
        return _Dated(ONE_OFF_RULE, starts[0], starts[:1], starts[1:])
    if rule is None:
        return None
    first = datetime.combine(date(measure.year, 1, 1), at, tzinfo=zone)
    last = datetime.combine(date(measure.year, 12, 31), time(23, 59), tzinfo=zone)
    limited = bounded(rule, first, last)
    if limited is None:
        warnings.append(f"Serien{name} ger inga datum {measure.year}.")
        return None
    from_rule = tuple(expand(limited.rule, limited.dtstart, last))
    one_off = tuple(d for d in limited.dates if d not in from_rule)
    return _Dated(limited.rule, limited.dtstart, from_rule, one_off)


def _rule(
    spec: SeriesSpec, frame: Frame, own: Resolved, warnings: list[str], name: str
) -> str | None:
    """The series' RRULE (without COUNT): the plan file's, or one written from the text."""
    if own.rrule:
        try:
            return clean_rule(own.rrule)
        except RuleError as exc:
            warnings.append(f"Inställd RRULE{name} {quote(own.rrule)} används inte: {exc}.")
    if spec.dates:
        return None
    pattern = pattern_for(spec, frame)
    if pattern is None:
        warnings.append(f"Serien{name} har ingen månad att ligga i; inga datum planeras.")
        return None
    warnings.extend(f"Serien{name}: {note}." for note in pattern.notes)
    return pattern.rule()


def _exceptions(
    dated: _Dated,
    placements: list[Placement],
    at: time,
    length: timedelta,
    kind: str,
    label: str,
) -> tuple[tuple[datetime, ...], tuple[datetime, ...], tuple[Occurrence, ...]]:
    """EXDATE for each rule date not kept, RDATE for each moved or one-off date, occurrences."""
    zone = dated.dtstart.tzinfo
    from_rule = {d.date() for d in dated.from_rule}
    exdates, rdates, occurrences = [], [], []
    for placement in placements:
        kept = placement.placed == placement.original
        if placement.original in from_rule and not kept:
            exdates.append(datetime.combine(placement.original, at, tzinfo=zone))
        if placement.placed is None:
            continue
        start = datetime.combine(placement.placed, at, tzinfo=zone)
        if placement.original not in from_rule or not kept:
            rdates.append(start)
        occurrences.append(
            Occurrence(
                start=start,
                end=start + length,
                all_day=kind == TASK,
                kind=kind,
                series_label=label,
                moved_from=None if kept else placement.original,
                move_reason=None if kept else placement.reason,
            )
        )
    occurrences.sort(key=lambda o: o.start)
    return tuple(exdates), tuple(sorted(rdates)), tuple(occurrences)


def _start_time(spec: SeriesSpec, own: Resolved, policy: CalendarPolicy) -> time:
    if own.time is not None:
        return own.time
    return time(*spec.time) if spec.time is not None else policy.default_time


def _length(spec: SeriesSpec, own: Resolved, policy: CalendarPolicy) -> timedelta:
    minutes = own.duration_minutes or spec.duration_minutes or policy.default_duration_minutes
    return timedelta(minutes=minutes)


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
