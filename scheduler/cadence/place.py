"""Place a Cadence in a plan year: series with RRULE, EXDATE/RDATE and dated occurrences.

For each series: resolve the plan file's settings over the policy, work out where it may go
(season.py), write its rule (pattern.py), expand it in the year (rrules.py), and move each date
that falls on a closed day (moves.py): the original date becomes an EXDATE, the new day an RDATE.
A deadline becomes a one-occurrence task series "Klart senast".

Placing is pure and costs rule expansions, so placements are cached (bounded, and their values
frozen, so a cached one is never changed by its users). A series is cached by what its placing
depends on (`SeriesPlacing`: its reading, its settings, year, policy, and its kind and activity
as the När text, title and action decide them; with the slot), not by the texts themselves, so
the series of different measures that amount to the same are placed once, across a plan and
across the plans of one import; a measure's whole schedule by its reading and what its title and
action say about placing (`Naming`).

Meetings close on holidays, blackouts and school breaks; tasks only on holidays and blackouts.
An activity with its own defaults in the policy (a trygghetsvandring at 18:00) gets its time,
length and weekday unless the text or the plan file says otherwise. Within a plan, spread.py
gives each series a `Slot` (weekday and week of the month) so the plan's meetings spread out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduler.base.caches import memo
from scheduler.base.hashing import cached_hash, state_without_hash
from scheduler.base.rrules import ONE_OFF_RULE, RuleError, bounded, clean_rule
from scheduler.base.time import STOCKHOLM
from scheduler.base.weekdays import WEEKDAY_CODES
from scheduler.cadence.activity import named_kind, series_kind, text_kind
from scheduler.cadence.calendar import month_day_in, year_calendar
from scheduler.cadence.deadlines import due_date
from scheduler.cadence.markers import is_school_bound
from scheduler.cadence.model import Cadence, MonthDay, SeriesSpec
from scheduler.cadence.moves import Closed, MovedDate, place_dates, reach_of
from scheduler.cadence.overrides import Resolved, resolve
from scheduler.cadence.pattern import ONE_DAY_NOTE, Frame, Slot, pattern_for
from scheduler.cadence.periods import resolve_periods
from scheduler.cadence.placed import DEADLINE_LABEL, PlacedCadence, PlacedDate, PlacedSeries
from scheduler.cadence.policy import ActivityDefault, CalendarPolicy, canonical
from scheduler.cadence.season import frame_for, outside_of
from scheduler.cadence.text import quote
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.plan import PolicyOverrides

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Naming:
    """What a measure's title and action say about placing its series: the kind their words
    name (None: neither names one), the activity the title names, and whether the title is a
    school forum's ("SSP"). Placing reads the title and action through this only."""

    kind: str | None
    activity: ActivityDefault | None
    school: bool


@memo("cadence.naming")
def naming_of(title: str, action: str, policy: CalendarPolicy) -> Naming:
    return Naming(named_kind(title, action), policy.activity_for(title), is_school_bound(title.lower()))  # fmt: skip


@dataclass(frozen=True)
class SeriesPlacing:
    """Everything placing one series depends on but its slot, and nothing else: with the slot,
    the key of its cache, so series that amount to the same (one reading of "4 ggr/år" and "fyra
    gånger per år", under titles that say the same about placing) are placed once. The spread
    makes one per series and tries it in every slot, so its hash is computed once."""

    spec: SeriesSpec
    index: int  # among the measure's series
    several: bool  # the measure has more than one series
    own: PolicyOverrides  # the plan file's settings for this series
    kind: OccurrenceKind
    activity: ActivityDefault  # the measure's activity's defaults (none for a task)
    school: bool  # the title is a school forum's
    year: int
    policy: CalendarPolicy

    def __hash__(self) -> int:
        return cached_hash(self)

    def __getstate__(self) -> dict[str, object]:
        return state_without_hash(self)


def series_placing(
    cadence: Cadence,
    index: int,
    *,
    year: int,
    policy: CalendarPolicy,
    settings: PolicyOverrides,
    title: str,
    action: str,
) -> SeriesPlacing:
    """What placing series `index` of `cadence` depends on, but its slot (`place_in_slot`)."""
    return _series(cadence.text, series_specs(cadence, settings), index, settings,
                   naming_of(title, action, policy), year=year, policy=canonical(policy))  # fmt: skip


def _series(
    when: str,
    specs: tuple[SeriesSpec, ...],
    index: int,
    settings: PolicyOverrides,
    naming: Naming,
    *,
    year: int,
    policy: CalendarPolicy,
) -> SeriesPlacing:
    spec = specs[index]
    own = settings.for_series(spec.label)
    kind = series_kind(_when_reading(when, policy)[0], naming.kind, resolve(own, policy, spec.label).kind)  # fmt: skip
    return _interned(SeriesPlacing(spec, index, len(specs) > 1, own, kind,
                                   _activity(kind, when, naming, policy), naming.school, year, policy))  # fmt: skip


@memo("cadence.interned_placing")
def _interned(placing: SeriesPlacing) -> SeriesPlacing:
    """The first placing seen equal to `placing`, as `canonical` is for a policy: the caches of
    placements (and the spread's of meetings) then find it by identity at once, where an equal
    other object compares every field, for every slot the spread tries."""
    return placing


@memo("cadence.when_reading")
def _when_reading(when: str, policy: CalendarPolicy) -> tuple[str | None, ActivityDefault | None]:
    """The kind and the activity a När text names: read once per text, not once for every
    slot the spread tries."""
    return text_kind(when), policy.activity_for("", when)


def _activity(kind: str, when: str, naming: Naming, policy: CalendarPolicy) -> ActivityDefault:
    """The defaults of the measure's activity: the title's, else the När text's (a task has
    none: it is due on a day)."""
    if kind == OccurrenceKind.TASK:
        return ActivityDefault()
    return naming.activity or _when_reading(when, policy)[1] or ActivityDefault()


@dataclass(frozen=True)
class _Dated:
    """A series' rule and the dates it gives before any move."""

    rule: str
    dtstart: datetime
    from_rule: tuple[datetime, ...]  # dates the RRULE itself gives
    one_off: tuple[datetime, ...]  # further dates, stored as RDATE


def place_cadence(
    cadence: Cadence,
    *,
    year: int,
    policy: CalendarPolicy,
    settings: PolicyOverrides = PolicyOverrides(),  # noqa: B008 (frozen: safe to share)
    title: str = "",
    action: str = "",
    slots: Mapping[int, Slot] | None = None,
) -> PlacedCadence:
    """The dated schedule of `cadence` in `year`. Pure; never raises on any parsed cadence.

    `slots` gives series (by their index in `series_specs(cadence, settings)`) the weekday and
    week of the month a plan-wide spread chose; without, the policy's defaults are used.
    """
    chosen = tuple(sorted((slots or {}).items()))
    policy = canonical(policy)
    return _place(cadence, year, policy, settings, naming_of(title, action, policy), chosen)


@memo("cadence.place")
def _place(
    cadence: Cadence,
    year: int,
    policy: CalendarPolicy,
    settings: PolicyOverrides,
    naming: Naming,
    slots: tuple[tuple[int, Slot], ...],
) -> PlacedCadence:
    cadence = resolve_periods(cadence, year=year, policy=policy)
    warnings = list(cadence.warnings)
    if cadence.valid_years is not None and not (
        cadence.valid_years[0] <= year <= cadence.valid_years[1]
    ):
        first, last = cadence.valid_years
        warnings.append(f"Åtgärden gäller {first}–{last}, inte planåret {year}; inga datum i år.")
        return PlacedCadence((), None, tuple(warnings))
    specs = series_specs(cadence, settings)
    chosen = dict(slots)
    placed = []
    for index in range(len(specs)):
        series = _series(cadence.text, specs, index, settings, naming, year=year, policy=policy)
        found, notes = _placed_with_notes(series, chosen.get(index) or Slot())
        warnings.extend(notes)
        if found is not None:
            placed.append(found)
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
    return PlacedCadence(tuple(placed), deadline, tuple(warnings))


def series_specs(cadence: Cadence, settings: PolicyOverrides) -> tuple[SeriesSpec, ...]:
    """The series a measure is placed as: the text's, or one when only the plan file has a rule."""
    if not cadence.series and settings.rrule:
        return (SeriesSpec(),)  # the plan file gives the rule the När text does not
    return cadence.series


@dataclass(frozen=True)
class Freedom:
    """What of a series' day the plan-wide spread may choose; False: the text or file fixed it."""

    weekday: bool
    week: bool

    @property
    def any(self) -> bool:
        return self.weekday or self.week


def freedom(
    cadence: Cadence,
    index: int,
    *,
    policy: CalendarPolicy,
    settings: PolicyOverrides,
    title: str = "",
    action: str = "",
) -> Freedom:
    """Whether series `index` may get its weekday and week of the month from the spread.

    Only meetings are spread (a task is due on a day, it takes no room). A När or plan file that
    names a weekday, a date, an ISO week or a rule keeps it; so does an activity's own weekday.
    """
    spec = series_specs(cadence, settings)[index]
    own = resolve(settings.for_series(spec.label), policy, spec.label)
    naming = naming_of(title, action, policy)
    kind = series_kind(_when_reading(cadence.text, policy)[0], naming.kind, own.kind)
    if kind != OccurrenceKind.MEETING or own.rrule or spec.dates:
        return Freedom(False, False)
    activity = _activity(kind, cadence.text, naming, policy)
    weekday = not (own.weekday or spec.weekdays or activity.weekday)
    week = spec.ordinal is None and not spec.iso_weeks and spec.per not in ("day", "week")
    return Freedom(weekday, week)


def place_series(
    cadence: Cadence,
    index: int,
    *,
    year: int,
    policy: CalendarPolicy,
    settings: PolicyOverrides,
    title: str,
    action: str,
    slot: Slot,
) -> PlacedSeries | None:
    """Series `index` of `cadence` placed with `slot`, without warnings: what the spread weighs."""
    placing = series_placing(cadence, index, year=year, policy=policy, settings=settings,
                             title=title, action=action)  # fmt: skip
    return place_in_slot(placing, slot)


def place_in_slot(placing: SeriesPlacing, slot: Slot) -> PlacedSeries | None:
    """The series placed with `slot`, without warnings. Cached: the spread tries each series in
    many slots, and every command schedules the plan."""
    return _placed_with_notes(placing, slot)[0]


@memo("cadence.placed_series")
def _placed_with_notes(
    placing: SeriesPlacing, slot: Slot
) -> tuple[PlacedSeries | None, tuple[str, ...]]:
    """The series placed (None: it has no dates this year), and the warnings about it."""
    warnings: list[str] = []
    return _place_series(placing, slot, warnings), tuple(warnings)


def _place_series(series: SeriesPlacing, slot: Slot, warnings: list[str]) -> PlacedSeries | None:
    spec, policy, year, kind = series.spec, series.policy, series.year, series.kind
    name = f' "{spec.label}"' if spec.label else ""
    own = resolve(series.own, policy, spec.label)
    warnings.extend(own.warnings)
    if spec.year is not None and spec.year != year:
        warnings.append(f"Serien{name} gäller {spec.year}, inte planåret {year}; inga datum i år.")
        return None
    activity = series.activity
    frame = frame_for(
        spec, own, policy, index=series.index, several=series.several, school_title=series.school,
        slot=slot, activity_weekday=activity.weekday,
    )  # fmt: skip
    at = time(0, 0) if kind == OccurrenceKind.TASK else _start_time(spec, own, policy, activity)
    dated = _dated(spec, frame, own, at, year, warnings, name)
    if dated is None:
        return None
    reach = reach_of(dated.rule)
    calendar = year_calendar(year, policy)
    closed = calendar.closed_to_work if kind == OccurrenceKind.TASK else calendar.closed_on
    outside = outside_of(spec, frame, policy, year)
    as_said = spec.days_as_said and not own.weekday and not own.rrule
    placements = place_dates(
        [d.date() for d in dated.from_rule + dated.one_off],
        closed,
        outside,
        reach=reach,
        weekdays=frozenset(WEEKDAY_CODES.index(c) for c in policy.meeting_weekdays),
        own_days=frozenset(WEEKDAY_CODES.index(c) for c in spec.weekdays) if as_said else None,
    )
    kept = sum(1 for p in placements if p.placed is not None)
    if kept < spec.count and _counted_in_windows(spec, own):
        # "Tre gånger under första halvan av juni": the rule's weeks miss a short window, so
        # the count is laid out over the window's own open days instead.
        spaced = _spaced(spec, frame, policy, at, year, closed, outside)
        if len(spaced.from_rule) + len(spaced.one_off) > kept:
            dated = spaced  # on every day the text names: the one-day note no longer holds
            warnings[:] = [w for w in warnings if ONE_DAY_NOTE not in w]
            placements = place_dates([d.date() for d in dated.from_rule + dated.one_off],
                                     closed, outside, reach=reach_of(dated.rule))  # fmt: skip
    if as_said:
        warnings.extend(closed_day_notes(placements, closed, outside, name))
    for dropped in (p for p in placements if p.placed is None and reach == "year"):
        if as_said and closed(dropped.original) is not None:
            continue  # said above, with the series' other closed days
        warnings.append(
            f"Serien{name}: {dropped.original} ({dropped.reason}) kunde inte flyttas till en "
            "öppen dag och stryks."
        )
    length = ONE_DAY if kind == OccurrenceKind.TASK else _length(spec, own, policy, activity)
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


# How many closed days a warning names before it says "och N till".
_NOTED_DAYS = 6


def closed_day_notes(
    placements: list[MovedDate], closed: Closed, outside: Closed, name: str
) -> list[str]:
    """What happened to the days the calendar closes in a series placed on the days its text
    says ("helger", "fredagskvällar"): each moved one with where it went, each dropped one
    (days outside the series' own season are not its days, and not named)."""
    notes = []
    for placement in placements:
        reason = closed(placement.original)
        if reason is None or outside(placement.original) is not None:
            continue
        if placement.placed is None:
            notes.append(f"{placement.original} ({reason}) stryks")
        else:
            notes.append(f"{placement.original} ({reason}) flyttas till {placement.placed}")
    if not notes:
        return []
    shown = "; ".join(notes[:_NOTED_DAYS])
    more = f"; och {len(notes) - _NOTED_DAYS} till" if len(notes) > _NOTED_DAYS else ""
    return [
        f"Serien{name} läggs på de dagar texten säger; dagar som kalendern stänger: {shown}{more}."
    ]


def _counted_in_windows(spec: SeriesSpec, own: Resolved) -> bool:
    """A count per year inside windows of the text, on no rule or dates of its own."""
    plain = not (own.rrule or spec.dates or spec.iso_weeks or spec.ordinal)
    return plain and spec.per == "year" and spec.interval == 1 and bool(spec.windows)


def _spaced(
    spec: SeriesSpec,
    frame: Frame,
    policy: CalendarPolicy,
    at: time,
    year: int,
    closed: Closed,
    outside: Closed,
) -> _Dated:
    """`spec.count` open days of its windows, evenly spread (one in each window when the count
    is one per window), on its weekday if the windows have enough of them, else on the
    meeting weekdays, else on any working day; as one-off dates."""
    open_days = [
        day
        for day in (date(year, 1, 1) + timedelta(days=n) for n in range(366))
        if day.year == year and closed(day) is None and outside(day) is None
    ]
    named = set(spec.weekdays) or {frame.weekday}
    pools = (named, named | set(policy.meeting_weekdays), set(WEEKDAY_CODES[:5]) | named)
    pool = open_days
    for codes in pools:
        pool = [day for day in open_days if WEEKDAY_CODES[day.weekday()] in codes]
        if len(pool) >= spec.count:
            break
    if spec.count == len(spec.windows):
        chosen = []
        for window in spec.windows:
            inside = [day for day in pool if _in_window(day, window)]
            chosen += inside[len(inside) // 2 : len(inside) // 2 + 1]
    else:
        chosen = [
            pool[int((i + 0.5) * len(pool) / spec.count)] for i in range(min(spec.count, len(pool)))
        ]
    starts = tuple(datetime.combine(d, at, tzinfo=STOCKHOLM) for d in sorted(set(chosen)))
    if not starts:
        return _Dated(
            ONE_OFF_RULE, datetime.combine(date(year, 1, 1), at, tzinfo=STOCKHOLM), (), ()
        )
    return _Dated(ONE_OFF_RULE, starts[0], starts[:1], starts[1:])


def _in_window(day: date, window: tuple[MonthDay, MonthDay]) -> bool:
    start, end = month_day_in(day.year, window[0]), month_day_in(day.year, window[1])
    return start <= day <= end if start <= end else (day >= start or day <= end)


def _dated(
    spec: SeriesSpec,
    frame: Frame,
    own: Resolved,
    at: time,
    year: int,
    warnings: list[str],
    name: str,
) -> _Dated | None:
    """The rule and dates of a series in the year, before moves; None (and why) if it has none."""
    zone = STOCKHOLM
    rule = _rule(spec, frame, own, warnings, name)
    if rule is None and spec.dates:
        days = sorted({month_day_in(year, d) for d in spec.dates})
        starts = tuple(datetime.combine(d, at, tzinfo=zone) for d in days)
        return _Dated(ONE_OFF_RULE, starts[0], starts[:1], starts[1:])
    if rule is None:
        return None
    first = datetime.combine(date(year, 1, 1), at, tzinfo=zone)
    last = datetime.combine(date(year, 12, 31), time(23, 59), tzinfo=zone)
    limited = bounded(rule, first, last)
    if limited is None:
        warnings.append(f"Serien{name} ger inga datum {year}.")
        return None
    # `bounded` has checked that a counted rule expands to exactly its dates; only a one-off
    # rule (DTSTART alone) leaves further dates as RDATEs.
    from_rule = limited.dates if limited.rule != ONE_OFF_RULE else limited.dates[:1]
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
    placements: list[MovedDate],
    at: time,
    length: timedelta,
    kind: OccurrenceKind,
    label: str,
) -> tuple[tuple[datetime, ...], tuple[datetime, ...], tuple[PlacedDate, ...]]:
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
            PlacedDate(
                start=start,
                end=start + length,
                all_day=kind == OccurrenceKind.TASK,
                kind=kind,
                series_label=label,
                moved_from=None if kept else placement.original,
                move_reason=None if kept else placement.reason,
            )
        )
    occurrences.sort(key=lambda o: o.start)
    return tuple(exdates), tuple(sorted(rdates)), tuple(occurrences)


def _start_time(
    spec: SeriesSpec, own: Resolved, policy: CalendarPolicy, activity: ActivityDefault
) -> time:
    if own.time is not None:
        return own.time
    if spec.time is not None:
        return time(*spec.time)
    return activity.time or policy.default_time


def _length(
    spec: SeriesSpec, own: Resolved, policy: CalendarPolicy, activity: ActivityDefault
) -> timedelta:
    minutes = (
        own.duration_minutes
        or spec.duration_minutes
        or activity.duration_minutes
        or policy.default_duration_minutes
    )
    return timedelta(minutes=minutes)


def _deadline_series(day: date, policy: CalendarPolicy) -> PlacedSeries:
    start = datetime.combine(day, time(0, 0), tzinfo=STOCKHOLM)
    occurrence = PlacedDate(start, start + ONE_DAY, True, OccurrenceKind.TASK, DEADLINE_LABEL)
    return PlacedSeries(
        label=DEADLINE_LABEL,
        count=1,
        per="once",
        kind=OccurrenceKind.TASK,
        rrule=ONE_OFF_RULE,
        dtstart=start,
        exdates=(),
        rdates=(),
        occurrences=(occurrence,),
        duration=ONE_DAY,
    )
