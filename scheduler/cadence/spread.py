"""Spread a plan's meetings: each series gets its weekday and week of the month. Pure.

Placed one by one, every count per period lands on the policy's weekday (the second Tuesday), so
one coordinator would convene three forums on the same Tuesday while the other days stay empty.
Here the plan is placed as a whole. Series whose day the text or the plan file fixes (a named
weekday, a date, an ISO week, an RRULE, an activity's own day) are placed first and stay. Every
other meeting series is then given a `Slot`, a weekday of `calendar.meeting_weekdays` and a week
of the month, by a greedy pass that weighs, in this order:

1. days on which the convener would have more than `calendar.max_meetings_per_day` meetings
   (a day still over it, when no slot was free, is a warning on the measure);
2. meetings on a weekday beyond the convener's fair share of it (the convener's meetings /
   number of meeting weekdays, with a quarter's slack), and beyond half of the plan's meetings;
3. days the convener, or the measure's own other series, already has a meeting;
4. meetings at the same time as another meeting of someone taking part;
5. meetings on a weekday beyond the plan's fair share of it (with the same slack);
6. the series' own preference order (below).

Deterministic and stable under small edits: the pass takes the series with most meetings first
(they are the hardest to fit), ties broken by a hash of the measure's key (area, title, rank) and
the series' label, never by its row in the workbook; each series' preference order of weekdays
is rotated by the same hash, and weeks start at `calendar.week_of_month`. So the same plan gives
the same dates (and UIDs), moving rows changes nothing, and an edit moves only the series whose
slot the edited one now crowds. Balance is weighed per convener, with slack, rather than against
the whole plan: a measure added for one convener then leaves another convener's series where
they were (only the plan-wide weekday counts, which weigh after everything about the convener,
and the overlap of shared participants reach across).
Deconfliction (scheduler/schedule/deconflict.py) still moves a meeting to later the same day when a fixed
day leaves no other choice.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType

from scheduler.base.caches import memo
from scheduler.cadence.model import Cadence
from scheduler.cadence.pattern import Slot
from scheduler.cadence.place import (
    Freedom,
    SeriesPlacing,
    freedom,
    place_cadence,
    place_in_slot,
    series_placing,
    series_specs,
)
from scheduler.cadence.placed import PlacedCadence
from scheduler.cadence.policy import CalendarPolicy, canonical
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.plan import PolicyOverrides

WEEKS = (1, 2, 3, 4)
_PLAN = "plan"  # the whole plan, in the weekday counts
# A weekday may hold this much more than an even share (never over half) before the spread
# weighs it: below that a series keeps its own preference, so one edit moves few others.
SLACK = 1.25


@dataclass(frozen=True)
class PlanItem:
    """One measure of the plan, with what its placement and its spread need."""

    key: str  # the measure's identity across edits and re-imports
    cadence: Cadence
    settings: PolicyOverrides = field(default_factory=PolicyOverrides)
    title: str = ""
    action: str = ""
    convener: str | None = None
    participants: tuple[str, ...] = ()

    @property
    def owner(self) -> str:
        """Whose days the cap counts: the convener, else the measure itself."""
        return f"roll:{self.convener}" if self.convener else f"åtgärd:{self.key}"


@dataclass(frozen=True)
class _OpenSeries:
    """A series the spread chooses a slot for."""

    item: int  # index in the plan's items
    series: int  # index among the item's series
    placing: SeriesPlacing
    candidates: tuple[Slot, ...]  # in the series' preference order
    size: int  # meetings with the default slot, to take big series first
    tie: bytes


@dataclass(frozen=True)
class _Meetings:
    """The meetings of a series placed in one slot that take room (timed, not all-day), as the
    spread weighs them: the days with one of them, the days with several (and how many), how
    many on each weekday, and each day's meetings' times."""

    count: int
    single: frozenset[date]
    several: tuple[tuple[date, int], ...]
    weekdays: tuple[tuple[int, int], ...]
    spans: Mapping[date, tuple[tuple[datetime, datetime], ...]]


_Cost = tuple[int, int, int, int, int]
_FREE: _Cost = (0, 0, 0, 0, 0)  # the lowest cost a slot can have
_NONE = _Meetings(0, frozenset(), (), (), MappingProxyType({}))


@memo("cadence.spread_meetings")
def _meetings(placing: SeriesPlacing, slot: Slot) -> _Meetings:
    """Cached beside the placement: the spread weighs every slot of every series of every plan,
    and the series of many measures (and plans) are the same."""
    series = place_in_slot(placing, slot)
    if series is None:
        return _NONE
    spans: dict[date, list[tuple[datetime, datetime]]] = defaultdict(list)
    weekdays: Counter[int] = Counter()
    count = 0
    for o in series.occurrences:
        if o.kind == OccurrenceKind.MEETING and not o.all_day:
            day = o.start.date()
            spans[day].append((o.start, o.end))
            weekdays[day.weekday()] += 1
            count += 1
    return _Meetings(
        count,
        frozenset(day for day, those in spans.items() if len(those) == 1),
        tuple((day, len(those)) for day, those in spans.items() if len(those) > 1),
        tuple(weekdays.items()),
        MappingProxyType({day: tuple(those) for day, those in spans.items()}),
    )


def _at_or_over(first: int, limit: int, count: int) -> int:
    """How many of first, first + 1, … (count numbers) are at least `limit`."""
    return min(count, max(0, count - (limit - first)))


@dataclass
class _Load:
    """What the series placed so far occupy: meetings per day and per weekday of each owner (the
    measure's series and the whole plan counted too), and each person's meetings by day."""

    cap: int  # meetings a day per owner
    half: int  # meetings a weekday may hold in the whole plan
    shares: dict[str, int]  # per owner and for the plan: a weekday's share before it weighs
    # Only days and weekdays with meetings are keys (every count is at least 1).
    per_day: dict[str, dict[date, int]] = field(default_factory=dict)
    per_weekday: dict[str, dict[int, int]] = field(default_factory=dict)
    busy: dict[str, dict[date, list[tuple[datetime, datetime]]]] = field(default_factory=dict)

    def cost(self, item: PlanItem, meetings: _Meetings, beat: _Cost | None = None) -> _Cost | None:
        """(over the daily cap, over the convener's share of a weekday or half the plan's, days
        shared, overlaps, over the plan's share of a weekday): lower is better. None when it
        cannot be lower than `beat` (the cheapest slot so far): then its overlaps, the dearest
        to count, are not counted, as they could not make it win.

        Each of the series' meetings counts, in turn, as if those of the series before it on its
        day (or weekday) were placed already; the counts are summed per day and per weekday. Only
        the days someone already has meetings on are looked at (sets, not a loop per meeting)."""
        over, balance, shared, spread = self._counts(item, meetings)
        if beat is not None and (over, balance, shared) > beat[:3]:
            return None
        return over, balance, shared, self._overlap(item, meetings), spread

    def _counts(self, item: PlanItem, meetings: _Meetings) -> tuple[int, int, int, int]:
        """Over the cap, over a share (balance), days shared, over the plan's share (spread)."""
        cap = self.cap
        owner_days = self.per_day.get(item.owner, {})
        measure_days = self.per_day.get(_measure(item), {})
        # A day with one of the series' meetings: over the cap if the owner has `cap` already;
        # shared if the owner or the measure has one there.
        booked = meetings.single.intersection(owner_days)
        over = sum(owner_days[day] >= cap for day in booked)
        over += (len(meetings.single) - len(booked)) * (cap <= 0)
        shared = len(booked) + len(meetings.single.difference(booked).intersection(measure_days))
        for day, n in meetings.several:
            own = owner_days.get(day, 0)
            over += _at_or_over(own, cap, n)
            # The first of the day shares it if someone is there already; any further one does.
            shared += n - 1 + (own > 0 or measure_days.get(day, 0) > 0)
        balance = spread = 0
        owner_weekdays = self.per_weekday.get(item.owner, {})
        plan_weekdays = self.per_weekday.get(_PLAN, {})
        own_share, plan_share, half = self.shares[item.owner], self.shares[_PLAN], self.half
        for weekday, n in meetings.weekdays:
            in_plan = plan_weekdays.get(weekday, 0)
            balance += _at_or_over(owner_weekdays.get(weekday, 0), own_share, n)
            balance += _at_or_over(in_plan, half, n)
            spread += _at_or_over(in_plan, plan_share, n)
        return over, balance, shared, spread

    def _overlap(self, item: PlanItem, meetings: _Meetings) -> int:
        """The series' meetings at the same time as another of someone taking part."""
        overlap = 0
        for person in item.participants:
            days = self.busy.get(person)
            if not days:
                continue
            for day in meetings.spans.keys() & days.keys():
                others = days[day]
                for start, end in meetings.spans[day]:
                    overlap += any(start < e and s < end for s, e in others)
        return overlap

    def add(self, item: PlanItem, meetings: _Meetings) -> None:
        owner_days = self.per_day.setdefault(item.owner, {})
        measure_days = self.per_day.setdefault(_measure(item), {})
        for day in meetings.single:
            owner_days[day] = owner_days.get(day, 0) + 1
            measure_days[day] = measure_days.get(day, 0) + 1
        for day, n in meetings.several:
            owner_days[day] = owner_days.get(day, 0) + n
            measure_days[day] = measure_days.get(day, 0) + n
        for counts in (self.per_weekday.setdefault(item.owner, {}),
                       self.per_weekday.setdefault(_PLAN, {})):  # fmt: skip
            for weekday, n in meetings.weekdays:
                counts[weekday] = counts.get(weekday, 0) + n
        for person in {item.convener, *item.participants} - {None}:
            days = self.busy.setdefault(str(person), {})
            for day, those in meetings.spans.items():
                days.setdefault(day, []).extend(those)

    def crowded(self) -> dict[tuple[str, date], int]:
        """Days an owner has more meetings than the cap (the spread found no other way)."""
        return {
            (owner, day): n
            for owner, days in self.per_day.items()
            if owner.startswith("roll:")
            for day, n in days.items()
            if n > self.cap
        }


def spread_plan(
    items: Sequence[PlanItem], *, year: int, policy: CalendarPolicy
) -> list[PlacedCadence]:
    """Every item's schedule in `year`, its open series spread over the meeting weekdays."""
    policy = canonical(policy)
    open_series: list[_OpenSeries] = []
    fixed: list[tuple[int, SeriesPlacing]] = []
    sizes: Counter[str] = Counter()
    for i, item in enumerate(items):
        for s, spec in enumerate(series_specs(item.cadence, item.settings)):
            free = freedom(item.cadence, s, policy=policy, settings=item.settings,
                           title=item.title, action=item.action)  # fmt: skip
            placing = series_placing(item.cadence, s, year=year, policy=policy,
                                     settings=item.settings, title=item.title, action=item.action)  # fmt: skip
            size = _meetings(placing, Slot()).count
            sizes[item.owner] += size
            sizes[_PLAN] += size
            if free.any:
                tie = _hash(item.key, spec.label, s)
                slots = _candidates(free, policy, tie)
                open_series.append(_OpenSeries(i, s, placing, slots, size, tie))
            else:
                fixed.append((i, placing))
    share = SLACK / max(1, len(policy.meeting_weekdays))
    load = _Load(
        cap=policy.max_meetings_per_day,
        half=max(1, math.ceil(sizes[_PLAN] / 2)),
        shares={owner: max(1, math.ceil(share * n)) for owner, n in sizes.items()},
    )
    for i, placing in fixed:
        load.add(items[i], _meetings(placing, Slot()))
    chosen: dict[int, dict[int, Slot]] = defaultdict(dict)
    for entry in sorted(open_series, key=lambda e: (-e.size, e.tie)):
        item = items[entry.item]
        # The first of the cheapest: the series' preference order breaks ties.
        best, lowest, taken = entry.candidates[0], None, _NONE
        for slot in entry.candidates:
            meetings = _meetings(entry.placing, slot)
            cost = load.cost(item, meetings, lowest)
            if cost is not None and (lowest is None or cost < lowest):
                best, lowest, taken = slot, cost, meetings
            if lowest == _FREE:
                break  # nothing costs less, and an earlier slot wins a tie: the rest need no placing
        chosen[entry.item][entry.series] = best
        load.add(item, taken)
    schedules = [
        place_cadence(item.cadence, year=year, policy=policy, settings=item.settings, title=item.title,
              action=item.action, slots=chosen.get(i))
        for i, item in enumerate(items)
    ]  # fmt: skip
    return _with_crowding(items, schedules, load.crowded(), policy)


def _with_crowding(
    items: Sequence[PlanItem],
    schedules: list[PlacedCadence],
    crowded: dict[tuple[str, date], int],
    policy: CalendarPolicy,
) -> list[PlacedCadence]:
    """Each schedule with a warning for every day its convener has more meetings than allowed."""
    result = []
    for item, schedule in zip(items, schedules, strict=True):
        days = sorted(
            {o.start.date() for o in schedule.occurrences if o.kind == OccurrenceKind.MEETING}
        )
        notes = [
            f"{item.convener} har {crowded[(item.owner, day)]} möten {day.isoformat()} "
            f"(högst {policy.max_meetings_per_day} per dag enligt "
            "calendar.max_meetings_per_day); flytta något av dem."
            for day in days
            if (item.owner, day) in crowded
        ]
        result.append(
            replace(schedule, warnings=(*schedule.warnings, *notes)) if notes else schedule
        )
    return result


def _measure(item: PlanItem) -> str:
    return f"serier:{item.key}"


def _hash(key: str, label: str, index: int) -> bytes:
    return hashlib.sha256(f"{key}\x1f{label}\x1f{index}".encode()).digest()


def _candidates(free: Freedom, policy: CalendarPolicy, tie: bytes) -> tuple[Slot, ...]:
    """The slots a series may take, in its preference order: the policy's week first, then the
    later ones; within a week the meeting weekdays rotated by the series' hash."""
    days: list[str | None] = [None]
    if free.weekday:
        shift = tie[0] % len(policy.meeting_weekdays)
        days = list(policy.meeting_weekdays[shift:] + policy.meeting_weekdays[:shift])
    weeks: list[int | None] = [None]
    if free.week:
        start = WEEKS.index(policy.week_of_month)
        weeks = list(WEEKS[start:] + WEEKS[:start])
    return tuple(Slot(day, week) for week in weeks for day in days)
