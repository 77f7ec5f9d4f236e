"""What bringing the published calendar in step with a new schedule would change, computed
without changing it: the preview of a schedule edit (/plan/atgard/<id>). Pure.

It follows the rules `scheduler.store.occurrences.sync_occurrences` applies when it does it: what
has begun stays, what a person moved or cancelled by hand stays, a planned one whose UID the new
schedule no longer has is cancelled, one whose time, length or place differs is moved, and a
measure new to the calendar gets its dates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from scheduler.model.occurrence import Occurrence, OccurrenceStatus, PlannedOccurrence

MOVED, CANCELLED, ADDED = "moved", "cancelled", "added"


@dataclass(frozen=True)
class CalendarChange:
    what: str  # MOVED, CANCELLED or ADDED
    measure_id: int
    series_label: str
    kind: str  # "meeting" or "task"
    before: datetime | None  # the start as published (None: added)
    after: datetime | None  # the start it would get (None: cancelled)
    all_day: bool


def _same(row: Occurrence, planned: PlannedOccurrence) -> bool:
    return (row.start, row.end, row.all_day, row.kind, row.location, row.status) == (
        planned.start, planned.end, planned.all_day, planned.kind, planned.location, OccurrenceStatus.PLANNED,
    )  # fmt: skip


def calendar_changes(
    published: Iterable[Occurrence], planned: Iterable[PlannedOccurrence], *, now: datetime
) -> list[CalendarChange]:
    """The changes, by the start they are about."""
    rows = {row.uid: row for row in published}
    in_calendar = {row.measure_id for row in rows.values()}
    seen: set[str] = set()
    changes = []
    for item in planned:
        seen.add(item.uid)
        row = rows.get(item.uid)
        if row is None:
            if item.start >= now or item.measure_id not in in_calendar:
                changes.append(CalendarChange(ADDED, item.measure_id, item.series_label,
                                              item.kind, None, item.start, item.all_day))  # fmt: skip
        elif row.start >= now and not row.manual and not _same(row, item):
            changes.append(CalendarChange(MOVED, item.measure_id, item.series_label, item.kind,
                                          row.start, item.start, item.all_day))  # fmt: skip
    for uid, row in rows.items():
        if (
            uid not in seen
            and row.status == OccurrenceStatus.PLANNED
            and not row.manual
            and row.start >= now
        ):
            changes.append(CalendarChange(CANCELLED, row.measure_id, row.series_label, row.kind,
                                          row.start, None, row.all_day))  # fmt: skip
    return sorted(changes, key=lambda c: (c.before or c.after or now, c.measure_id))
