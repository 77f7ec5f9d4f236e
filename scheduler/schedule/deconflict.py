"""One convener, one meeting at a time. Pure.

The cadence engine places each measure on its own; with the same default weekday and time, the
trygghetssamordnare would be called to three meetings at 09:00 on the same Tuesday. Here every
meeting that overlaps an earlier one (in time, then plan order) of the same convener moves to later
the same day, after a break. The move is an exception of its series, as any move is: EXDATE at the
rule's time and RDATE at the new one, so a series exported with its RRULE says the same as the
feeds. A day too full to fit it keeps the collision and reports it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from scheduler.cadence import PlacedCadence, PlacedDate, PlacedSeries
from scheduler.model.occurrence import OccurrenceKind

BREAK = timedelta(minutes=15)
DAY_ENDS = time(17, 0)


@dataclass(frozen=True)
class Booking:
    """A meeting to fit: which measure (by position in the plan) and series, and its occurrence."""

    position: int
    series_index: int
    occurrence_index: int
    occurrence: PlacedDate


class _Busy:
    """One convener's meetings so far, by the days they touch: a new meeting is compared with
    those of its own days, not with the whole year's (a plan of a thousand measures)."""

    def __init__(self) -> None:
        self._by_day: dict[date, list[tuple[datetime, datetime]]] = defaultdict(list)

    def add(self, start: datetime, end: datetime) -> None:
        for day in _days(start, end):
            self._by_day[day].append((start, end))

    def overlapping(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        return [
            (s, e)
            for day in _days(start, end)
            for s, e in self._by_day.get(day, ())
            if s < end and start < e
        ]


def _days(start: datetime, end: datetime) -> tuple[date, ...]:
    """The dates from `start` to `end`, both included: every day two overlapping spans share
    one of."""
    first, last = start.date(), end.date()
    if first == last:  # nearly every meeting
        return (first,)
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


def _latest_end(day_start: datetime) -> datetime:
    return datetime.combine(day_start.date(), DAY_ENDS, tzinfo=day_start.tzinfo)


def deconflict_conveners(
    schedules: list[PlacedCadence], conveners: list[str | None]
) -> tuple[list[PlacedCadence], list[list[str]]]:
    """The schedules with each convener's overlapping meetings moved apart, and per schedule the
    warnings (in Swedish) about collisions that could not be resolved."""
    by_convener: dict[str, list[Booking]] = defaultdict(list)
    for position, (schedule, convener) in enumerate(zip(schedules, conveners, strict=True)):
        if not convener:
            continue
        for s, placed in enumerate(schedule.series):
            for o, occurrence in enumerate(placed.occurrences):
                if occurrence.kind == OccurrenceKind.MEETING and not occurrence.all_day:
                    by_convener[convener].append(Booking(position, s, o, occurrence))

    moved: dict[tuple[int, int], dict[int, datetime]] = defaultdict(dict)  # by measure, series
    warnings: list[list[str]] = [[] for _ in schedules]
    for bookings in by_convener.values():
        busy = _Busy()
        for booking in sorted(
            bookings, key=lambda b: (b.occurrence.start, b.position, b.series_index)
        ):
            start, length = (
                booking.occurrence.start,
                booking.occurrence.end - booking.occurrence.start,
            )
            while clash := busy.overlapping(start, start + length):
                start = max(end for _, end in clash) + BREAK
            # An evening meeting (a walk at 18:00) is not "too late" where it was placed.
            latest = max(_latest_end(booking.occurrence.start), booking.occurrence.end)
            if start + length > latest:
                start = booking.occurrence.start
                warnings[booking.position].append(
                    f"Krock: samma sammankallande har redan ett möte {start:%Y-%m-%d %H:%M} och dagen är full"
                )
            elif start != booking.occurrence.start:
                moved[(booking.position, booking.series_index)][booking.occurrence_index] = start
            busy.add(start, start + length)

    moved_in = {position for position, _series in moved}
    result = [
        _moved_schedule(schedule, position, moved) if position in moved_in else schedule
        for position, schedule in enumerate(schedules)
    ]  # nearly every schedule has no move: it stays as it is, not copied
    return result, warnings


def _moved_schedule(
    schedule: PlacedCadence, position: int, moved: dict[tuple[int, int], dict[int, datetime]]
) -> PlacedCadence:
    series = tuple(
        _moved_series(item, moved.get((position, s), {})) for s, item in enumerate(schedule.series)
    )
    return replace(schedule, series=series)


def _moved_series(series: PlacedSeries, moves: dict[int, datetime]) -> PlacedSeries:
    if not moves:
        return series
    occurrences = list(series.occurrences)
    exdates, rdates = list(series.exdates), list(series.rdates)
    for index, start in sorted(moves.items()):  # in the series' order, as always
        old = occurrences[index]
        if old.start in rdates:  # already an exception (moved off a holiday): move the exception
            rdates.remove(old.start)
        else:
            exdates.append(old.start)
        rdates.append(start)
        occurrences[index] = replace(
            old, start=start, end=start + (old.end - old.start), moved_from=old.moved_from or old.start.date(),
            move_reason=old.move_reason or "samma sammankallande har ett annat möte då",
        )  # fmt: skip
    return replace(series, occurrences=tuple(sorted(occurrences, key=lambda o: o.start)),
                   exdates=tuple(sorted(exdates)), rdates=tuple(sorted(rdates)))  # fmt: skip
