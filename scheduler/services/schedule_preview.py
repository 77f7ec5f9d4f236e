"""The preview of a measure's schedule edit (/plan/atgard/<id>): every meeting and task of the
plan that would move, be cancelled or be added, other measures' included (one convener's
meetings are spread over the days, so a meeting moved away frees a day for another), with each
measure's convener and their address. Computed from the changed plan value and the published
calendar; nothing is stored (`scheduler.services.refresh.edit_measure_schedule` does it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError
from scheduler.model.plan import PolicyOverrides
from scheduler.schedule.calendar_diff import CalendarChange, calendar_changes
from scheduler.services.refresh import plan_schedule, schedule_stored, settings_for_plan
from scheduler.settings.model import Settings
from scheduler.store.occurrences import list_occurrences


@dataclass(frozen=True)
class MeasureChanges:
    """One measure's part of the preview."""

    measure_id: int
    title: str
    area: str
    convener: str | None
    address: str | None  # where the convener's reminders go; None: nowhere
    changes: tuple[CalendarChange, ...]


def schedule_edit_preview(
    engine: Engine,
    config: Settings,
    *,
    plan_id: int,
    measure_id: int,
    convener: str | None,
    schedule: PolicyOverrides,
    now: datetime,
) -> list[MeasureChanges]:
    """The measures whose calendar the edit would change, the edited one first."""
    config = settings_for_plan(engine, config, plan_id=plan_id)
    stored = plan_schedule(engine, config, plan_id=plan_id).stored
    if not any(m.id == measure_id for m in stored.measures):
        raise NotFoundError(f"Åtgärd {measure_id} finns inte i planen.")
    edited = tuple(
        replace(m, measure=replace(m.measure, convener=convener, schedule=schedule))
        if m.id == measure_id else m
        for m in stored.measures
    )  # fmt: skip
    after = schedule_stored(replace(stored, measures=edited), config)
    changes = calendar_changes(list_occurrences(engine, plan_id=plan_id), after.occurrences,
                               now=now)  # fmt: skip
    by_measure: dict[int, list[CalendarChange]] = {}
    for change in changes:
        by_measure.setdefault(change.measure_id, []).append(change)
    result = []
    for item in after.measures:
        found = by_measure.get(item.stored.id)
        if not found and item.stored.id != measure_id:
            continue
        named = item.responsibility.convener
        role = config.role(named) if named else None
        result.append(MeasureChanges(
            item.stored.id, item.stored.measure.title, item.stored.area,
            role.name if role else named, role.email if role else None, tuple(found or ()),
        ))  # fmt: skip
    result.sort(key=lambda m: m.measure_id != measure_id)
    return result
