"""A placed cadence: series with their RRULE and their dates in one plan year.

These are what feeds, reminders and the CLI consume. Times are aware datetimes in the policy's
time zone; a task is all-day (midnight to midnight, local).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduler.model.occurrence import OccurrenceKind

DEADLINE_LABEL = "Klart senast"
# The series labels that mark a deadline (casefolded): the one placing gives, and a plan file's.
DEADLINE_LABELS = frozenset({"klart senast", "deadline"})


@dataclass(frozen=True)
class PlacedDate:
    start: datetime  # aware; for a task midnight local
    end: datetime
    all_day: bool
    kind: OccurrenceKind
    series_label: str
    moved_from: date | None = None  # the closed day it would have been on
    move_reason: str | None = None  # why that day was closed ("midsommarafton")


@dataclass(frozen=True)
class PlacedSeries:
    """One series: its rule (RRULE value, without "RRULE:"), exceptions, and resulting dates.

    Expanding `rrule` from `dtstart`, removing `exdates` and adding `rdates` gives exactly the
    starts of `occurrences`.
    """

    label: str
    count: int  # as read: `count` per `per`
    per: str  # "day" … "year", or "once" for a deadline or one-off dates
    kind: OccurrenceKind
    rrule: str
    dtstart: datetime
    exdates: tuple[datetime, ...]
    rdates: tuple[datetime, ...]
    occurrences: tuple[PlacedDate, ...]
    duration: timedelta
    location: str | None = None


@dataclass(frozen=True)
class PlacedCadence:
    series: tuple[PlacedSeries, ...]
    deadline: date | None
    warnings: tuple[str, ...]

    @property
    def occurrences(self) -> tuple[PlacedDate, ...]:
        """Every dated occurrence of every series, in time order."""
        every = (o for s in self.series for o in s.occurrences)
        return tuple(sorted(every, key=lambda o: (o.start, o.series_label)))
