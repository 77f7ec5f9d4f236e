"""Dated meetings and tasks: as the schedule computes them, and as they were published.

The schedule computes `PlannedOccurrence`s; the store remembers what was published and what people
did to it (moved, cancelled, held) and hands it out as `Occurrence`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class OccurrenceKind(StrEnum):
    """What an occurrence is: a meeting (a time and a room) or a task (due on a day). Stored
    and compared as these codes; what users read is `scheduler.model.display_words.OCCURRENCE_KIND_WORDS`."""

    MEETING = "meeting"
    TASK = "task"


class OccurrenceStatus(StrEnum):
    """Whether a published occurrence still happens."""

    PLANNED = "planned"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PlannedOccurrence:
    """One dated meeting or task of the plan, with what a calendar entry or reminder needs."""

    uid: str
    measure_id: int
    series_label: str
    kind: OccurrenceKind
    original_date: date
    start: datetime
    end: datetime
    all_day: bool
    location: str | None


@dataclass(frozen=True)
class Occurrence:
    """One dated meeting or task as published, with what people did to it."""

    id: int
    plan_id: int
    measure_id: int
    uid: str
    series_label: str
    kind: OccurrenceKind
    original_date: date  # the date the rule gave: part of the UID, never changes
    start: datetime
    end: datetime
    all_day: bool
    location: str | None
    status: OccurrenceStatus
    manual: bool  # moved or cancelled by a person: a recomputed schedule leaves it alone
    sequence: int
    note: str
    held: bool | None  # the convener's answer: None not reported, True held, False not
    held_note: str
    held_recorded_at: datetime | None
    created_at: datetime
    changed_at: datetime
