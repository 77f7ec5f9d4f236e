"""The agenda: every dated meeting and task of some plans, with its measure's area, title and
who convenes and takes part, as `scheduler agenda` prints it and the workspace's /agenda shows it.

Each plan is first brought in step (`refresh_occurrences`: nothing is written when nothing
changed), so the agenda shows what the feeds and the reminders go by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine

from scheduler.base.time import STOCKHOLM
from scheduler.model.occurrence import Occurrence
from scheduler.schedule.occurrences import MeasureSchedule
from scheduler.services.refresh import plan_schedule, refresh_occurrences
from scheduler.settings.model import Settings
from scheduler.store.occurrences import list_occurrences


@dataclass(frozen=True)
class AgendaEntry:
    """One meeting or task, as published, with its measure's part in the plan."""

    occurrence: Occurrence
    area: str
    title: str  # the measure's
    convener: str | None
    participants: tuple[str, ...]
    measure: MeasureSchedule  # the measure as scheduled: what a calendar entry is written from

    @property
    def day(self) -> date:
        """Its date in Stockholm."""
        return self.occurrence.start.astimezone(STOCKHOLM).date()


def agenda_entries(
    engine: Engine,
    config: Settings,
    plan_ids: Iterable[int],
    *,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
) -> list[AgendaEntry]:
    """The plans' meetings and tasks dated `first` to `last` (either open), plan by plan in the
    store's order. A retired measure's occurrences are left out, as in the feeds: the measure
    is no longer in the plan."""
    entries = []
    for plan_id in plan_ids:
        refresh_occurrences(engine, config, plan_id=plan_id, now=now)
        schedule = plan_schedule(engine, config, plan_id=plan_id)
        by_measure = {item.stored.id: item for item in schedule.measures}
        for row in list_occurrences(engine, plan_id=plan_id):
            item = by_measure.get(row.measure_id)
            if item is None:
                continue
            day = row.start.astimezone(STOCKHOLM).date()
            if (first is not None and day < first) or (last is not None and day > last):
                continue
            who = item.responsibility
            entries.append(AgendaEntry(row, item.stored.area, item.stored.measure.title,
                                       who.convener, tuple(who.participants), item))  # fmt: skip
    return entries
