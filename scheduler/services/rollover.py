"""The plan copied to another year (`scheduler rollover`, the workspace's /plan/nytt-ar): the same
areas and measures, the follow-up texts left empty, scheduled in the new year.

`rollover_preview` computes what the copy would give without storing anything: how many meetings
and tasks, and the rollover report, the När texts that gave dates in the source year and give none
in the new one ("Våren 2024" in 2025): a copy keeps the text, but its reading does not carry over.
`roll_over` does it, with the same report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule
from scheduler.services.refresh import (
    import_and_schedule,
    plan_schedule,
    rolled_over,
    schedule_stored,
)
from scheduler.settings.model import Settings
from scheduler.store.plans import find_plan_id


@dataclass(frozen=True)
class Rollover:
    """A rollover, previewed or done."""

    organisation: str
    source_year: int
    target_year: int
    measures: int
    occurrences: int  # meetings and tasks in the new year
    undated: tuple[tuple[str, str], ...]  # (measure, När) dated in the source year, not in the new
    exists: bool  # the new year's plan was there before
    plan_id: int | None = None  # the new year's plan, once made


def target_plan_id(engine: Engine, organisation: str, year: int) -> int | None:
    try:
        return find_plan_id(engine, year=year, organisation=organisation)
    except NotFoundError:
        return None


def rollover_preview(engine: Engine, config: Settings, *, source_id: int, year: int) -> Rollover:
    """What rolling the plan `source_id` over to `year` would give; nothing is stored."""
    before = plan_schedule(engine, config, plan_id=source_id)
    stored = before.stored
    after = schedule_stored(replace(stored, plan=rolled_over(stored.plan, year)), config)
    exists = target_plan_id(engine, stored.plan.organisation, year) is not None
    return _report(before, after, exists=exists)


def roll_over(engine: Engine, config: Settings, *, source_id: int, year: int, now: datetime,
              force: bool = False) -> Rollover:  # fmt: skip
    """Copy the plan `source_id` to `year`, scheduled in one transaction. An existing plan of that
    year is overwritten only with `force` (what was changed in it would be lost)."""
    before = plan_schedule(engine, config, plan_id=source_id)
    source = before.stored.plan
    if source.year == year:
        raise UsageError(f"Planen för {year} finns redan.")
    exists = target_plan_id(engine, source.organisation, year) is not None
    if exists and not force:
        raise UsageError(
            f"planen {source.organisation} {year} finns redan: en rollover från {source.year} "
            f"skulle skriva över den, och det som ändrats i {year} gick förlorat."
        )
    result, _synced = import_and_schedule(engine, config, rolled_over(source, year),
                                          source=f"rollover från {source.year}", now=now,
                                          force=force)  # fmt: skip
    after = plan_schedule(engine, config, plan_id=result.plan_id)
    return replace(_report(before, after, exists=exists), plan_id=result.plan_id)


def _report(before: PlanSchedule, after: PlanSchedule, *, exists: bool) -> Rollover:
    plan = before.stored.plan
    return Rollover(plan.organisation, plan.year, after.stored.plan.year,
                    len(after.workbook_measures), len(after.occurrences),
                    tuple(_dated_before_not_after(before, after)), exists)  # fmt: skip


def _dated_before_not_after(before: PlanSchedule, after: PlanSchedule) -> list[tuple[str, str]]:
    def dated(item: MeasureSchedule) -> bool:
        return any(series.occurrences for series in item.schedule.series)

    had = {item.stored.key for item in before.measures if dated(item)}
    return [(item.stored.measure.title, item.stored.measure.when_text)
            for item in after.measures if item.stored.key in had and not dated(item)]  # fmt: skip
