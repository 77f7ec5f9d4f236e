"""A measure's series as recurring events to import once (`<calendar>.serie.ics`). Pure.

Outlook, Google and Apple read recurring events alike only in a narrow form, so each series is
written as:
- one or more masters, each with a rule Outlook can hold ([MS-OXCICAL] §2.1.3.2.2; cut from the
  series' dates by scheduler/feeds/outlook_rules.py), and one EXDATE line per date the rule gives
  that the series does not have. Never an RDATE: Outlook keeps an RDATE only paired with an
  EXDATE and drops its time, Apple is reported to ignore RDATE, and Google hides one after the
  rule's end;
- every occurrence that is not as its rule places it (moved by a person or off a holiday, a
  changed length, a note, cancelled) an override: the master's UID, RECURRENCE-ID the start the
  rule gave it, and its own DTSTART, DTEND, SUMMARY, DESCRIPTION and SEQUENCE. A cancelled one
  stays, "INSTÄLLT: …" and TRANSPARENT, as in the feeds;
- SEQUENCE and LAST-MODIFIED the series': they rise with every change to any of its occurrences,
  so a client that has the series takes the new file over it.

The rule dates are the occurrences' own (the date in each UID), so a moved meeting is an override
of the date it was planned for, and a meeting the plan no longer has stays, cancelled, as in the
feeds. A series that takes more rules than `max_parts` is not written at all: the feeds hold it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from scheduler.base.time import STOCKHOLM
from scheduler.cadence import PlacedSeries
from scheduler.feeds.content import description, event_for, summary
from scheduler.feeds.ical import FeedEvent, RecurringEvent
from scheduler.feeds.outlook_rules import decompose
from scheduler.model.display_words import kind_word
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule, occurrence_uid


@dataclass(frozen=True)
class SeriesExport:
    """What a measure's (or one series') `.serie.ics` holds, or which series keep it from being
    offered."""

    events: tuple[RecurringEvent, ...]
    refused: tuple[str, ...] = ()  # the series no few rules hold, by name ("" for an unnamed one)

    @property
    def offered(self) -> bool:
        return bool(self.events) and not self.refused


@dataclass(frozen=True)
class _Shape:
    """How the series' rule places an occurrence: its time, length and kind."""

    at: time
    length: timedelta
    all_day: bool
    kind: OccurrenceKind
    location: str | None

    def start(self, day: date) -> datetime:
        return datetime.combine(day, self.at, tzinfo=STOCKHOLM)


def series_export(
    schedule: PlanSchedule,
    rows: Sequence[Occurrence],
    measure_id: int,
    series_label: str | None,
    *,
    max_parts: int,
) -> SeriesExport:
    """The measure's series (or the one labelled `series_label`) as recurring events."""
    item = schedule.for_measure(measure_id)
    placed = {series.label: series for series in item.schedule.series if series.occurrences}
    by_label: dict[str, list[Occurrence]] = {}
    for row in rows:
        if row.measure_id == measure_id:
            by_label.setdefault(row.series_label, []).append(row)
    labels = [label for label in placed if label in by_label]
    labels += [label for label in by_label if label not in placed]
    events: list[RecurringEvent] = []
    refused: list[str] = []
    for label in labels:
        if series_label is not None and label != series_label:
            continue
        found = _series(schedule, item, label, by_label[label], placed.get(label), max_parts)
        if found is None:
            refused.append(label)
        else:
            events += found
    return SeriesExport(tuple(events), tuple(refused))


def series_sequence(rows: Sequence[Occurrence]) -> int:
    """The series' SEQUENCE: each change to one of its occurrences raised that one's SEQUENCE,
    and each occurrence added after the first ones is a change too. Occurrences are never
    deleted (a meeting the plan drops stays, cancelled), so it only rises."""
    first = min(row.created_at for row in rows)
    return sum(row.sequence for row in rows) + sum(1 for row in rows if row.created_at > first)


def _series(
    schedule: PlanSchedule,
    item: MeasureSchedule,
    label: str,
    rows: list[Occurrence],
    placed: PlacedSeries | None,
    max_parts: int,
) -> list[RecurringEvent] | None:
    by_day = {row.original_date: row for row in rows}
    pieces = decompose(list(by_day), max_parts)
    if pieces is None:
        return None
    shape = _shape(placed, rows)
    sequence = series_sequence(rows)
    stamp = max(row.changed_at for row in rows)
    created = min(row.created_at for row in rows)
    uid = occurrence_uid(schedule.stored, item.stored, label, date(1970, 1, 1))
    events = []
    for number, piece in enumerate(pieces, start=1):
        own = uid.replace("@", "-serie@" if number == 1 else f"-serie-{number}@")
        first = shape.start(piece.first)
        master = FeedEvent(
            uid=own, sequence=sequence, stamp=stamp, created=created, start=first,
            end=first + shape.length, all_day=shape.all_day,
            summary=summary(item, label, shape.kind, False),
            description=description(item, None, None), location=shape.location, cancelled=False,
            categories=tuple(c for c in (item.stored.area, kind_word(shape.kind).capitalize()) if c),
            task=shape.kind == OccurrenceKind.TASK,
        )  # fmt: skip
        overrides = tuple(
            replace(
                event_for(item, by_day[day], None),
                uid=own,
                sequence=sequence,
                recurrence_id=shape.start(day),
            )
            for day in piece.dates
            if _differs(by_day[day], shape, day)
        )
        exdates = tuple(shape.start(day) for day in piece.skipped)
        events.append(RecurringEvent(master, piece.rule, exdates, overrides))
    return events


def _differs(row: Occurrence, shape: _Shape, day: date) -> bool:
    """Whether the occurrence is not what its rule gives on `day`: moved (by a person, off a
    holiday, another length), with a note, cancelled, or elsewhere."""
    start = shape.start(day)
    return (
        row.manual
        or row.status == OccurrenceStatus.CANCELLED
        or row.start != start
        or row.end != start + shape.length
        or row.location != shape.location
    )


def _shape(placed: PlacedSeries | None, rows: list[Occurrence]) -> _Shape:
    """The series as its rule places it: the schedule's, else (a series the plan no longer has,
    its occurrences cancelled) the time and length most of its occurrences had."""
    if placed is not None:
        first = placed.dtstart.astimezone(STOCKHOLM)
        all_day = placed.occurrences[0].all_day
        length = timedelta(days=1) if all_day else placed.duration
        return _Shape(first.time(), length, all_day, placed.kind, placed.location)
    local = Counter((row.start.astimezone(STOCKHOLM).time(), row.end - row.start) for row in rows)
    (at, length), _ = local.most_common(1)[0]
    row = rows[0]
    return _Shape(at, length, row.all_day, row.kind, row.location)
