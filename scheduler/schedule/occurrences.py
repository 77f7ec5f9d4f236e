"""The plan's dated meetings and tasks: every measure's När parsed and placed as one plan (the
meetings spread over the meeting weekdays, cadence/spread.py; deconflict as the last resort). Pure.

Each dated item gets a UID built from plan, measure, series and the date its rule gave, so the same
plan always yields the same UIDs, and a meeting moved off a holiday keeps the UID of its rule date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from scheduler.cadence import Cadence, CalendarPolicy, PlacedCadence, PlacedSeries, parse_when
from scheduler.cadence.spread import PlanItem, spread_plan
from scheduler.model.occurrence import PlannedOccurrence
from scheduler.model.plan import Plan
from scheduler.model.stored import StoredMeasure, StoredPlan
from scheduler.plan.budget import PlanBudget
from scheduler.plan.roles import Responsibility
from scheduler.schedule.budget import check_before_placing, check_placed
from scheduler.schedule.deconflict import deconflict_conveners
from scheduler.settings.model import Limits

UID_DOMAIN = "atgardsplan-scheduler"


@dataclass(frozen=True)
class MeasureSchedule:
    stored: StoredMeasure
    cadence: Cadence
    schedule: PlacedCadence
    responsibility: Responsibility

    @property
    def is_plan_task(self) -> bool:
        """The plan's own task (its hand-in): dated, in the feeds and reminded like a measure's
        task, but no measure of the workbook (not followed up, not its own calendar)."""
        return self.stored.is_plan_task


@dataclass(frozen=True)
class PlanSchedule:
    stored: StoredPlan
    # The workbook's measures in plan order, then the plan's own tasks.
    measures: tuple[MeasureSchedule, ...]

    @property
    def workbook_measures(self) -> tuple[MeasureSchedule, ...]:
        """The measures of the plan itself, without the plan's own tasks."""
        return tuple(item for item in self.measures if not item.is_plan_task)

    @property
    def occurrences(self) -> list[PlannedOccurrence]:
        found = [
            occurrence
            for item in self.measures
            for series in item.schedule.series
            for occurrence in planned_occurrences(self.stored, item.stored, series)
        ]
        return sorted(found, key=lambda o: (o.start, o.uid))

    def for_measure(self, measure_id: int) -> MeasureSchedule:
        return next(item for item in self.measures if item.stored.id == measure_id)


def occurrence_uid(stored_plan: StoredPlan, measure: StoredMeasure, label: str, day: date) -> str:
    return _uid(_series_identity(stored_plan, measure, label), day)


def _series_identity(stored_plan: StoredPlan, measure: StoredMeasure, label: str) -> str:
    """What a UID hashes before the date: organisation, year, measure and series, each followed
    by "|". Made once per series, not once per occurrence."""
    plan = stored_plan.plan
    return f"{plan.organisation}|{plan.year}|{measure.key}|{label}|"


def _uid(series_identity: str, day: date) -> str:
    digest = hashlib.sha256(f"{series_identity}{day.isoformat()}".encode()).hexdigest()[:24]
    return f"{digest}@{UID_DOMAIN}"


def planned_occurrences(
    stored_plan: StoredPlan, measure: StoredMeasure, series: PlacedSeries
) -> Iterable[PlannedOccurrence]:
    identity = _series_identity(stored_plan, measure, series.label)
    for occurrence in series.occurrences:
        rule_date = occurrence.moved_from or occurrence.start.date()
        yield PlannedOccurrence(
            uid=_uid(identity, rule_date),
            measure_id=measure.id,
            series_label=series.label,
            kind=occurrence.kind,
            original_date=rule_date,
            start=occurrence.start,
            end=occurrence.end,
            all_day=occurrence.all_day,
            location=series.location,
        )


@dataclass(frozen=True)
class PlacedPlan:
    """The plan's measures placed as one plan: what `spread_plan` and `deconflict_conveners` make of its items.

    Pure, and made wherever the items are known: a many-file import places the next files' plans
    in worker processes (services/import_ahead.py) while this process writes, and
    `schedule_plan` takes such a placement only when it was made for exactly its items, year and
    policy."""

    items: tuple[PlanItem, ...]
    year: int
    policy: CalendarPolicy
    schedules: tuple[PlacedCadence, ...]
    clashes: tuple[tuple[str, ...], ...]  # per item, the collisions deconflict could not resolve

    def made_for(self, items: tuple[PlanItem, ...], *, year: int, policy: CalendarPolicy) -> bool:
        return self.year == year and self.policy == policy and self.items == items


def plan_items(
    measures: Iterable[StoredMeasure], responsibilities: dict[int, Responsibility]
) -> tuple[PlanItem, ...]:
    """Each measure with what its placement and the spread need: its När read, its overrides,
    its texts (the kind of meeting), its convener and participants (their days)."""
    return tuple(
        PlanItem(measure.key, parse_when(measure.measure.when_text), measure.measure.schedule,
                 measure.measure.title, measure.measure.action,
                 responsibilities[measure.id].convener,
                 tuple(responsibilities[measure.id].participants))
        for measure in measures
    )  # fmt: skip


def place_items(items: tuple[PlanItem, ...], *, year: int, policy: CalendarPolicy) -> PlacedPlan:
    """The items' meetings spread over the meeting weekdays; deconflict is the last resort."""
    placed, clashes = deconflict_conveners(
        spread_plan(items, year=year, policy=policy), [item.convener for item in items]
    )
    return PlacedPlan(items, year, policy, tuple(placed), tuple(map(tuple, clashes)))


def place_within_budget(
    plan: Plan,
    measures: Sequence[StoredMeasure],
    items: tuple[PlanItem, ...],
    *,
    policy: CalendarPolicy,
    budget: PlanBudget,
) -> PlacedPlan:
    """`place_items` for a plan that fits its budget; PlanBudgetError, naming the measure over
    it, as soon as the count passes a cap (scheduler/schedule/budget.py)."""
    check_before_placing(plan, measures, items, policy=policy, budget=budget)
    placed = place_items(items, year=plan.year, policy=policy)
    check_placed(plan, measures, placed.schedules, budget)
    return placed


def schedule_plan(
    stored: StoredPlan,
    *,
    policy: CalendarPolicy,
    responsibilities: dict[int, Responsibility],
    tasks: Iterable[tuple[StoredMeasure, Responsibility]] = (),
    placed: PlacedPlan | None = None,
    budget: PlanBudget = PlanBudget.from_section(Limits()),  # noqa: B008 (frozen: safe to share)
) -> PlanSchedule:
    """Every measure's När read and placed as one plan; then the plan's own `tasks` (each a
    deadline of its own, placed alone, not spread among the meetings). `placed`: a placement
    made ahead, used if it was made for these measures, year and policy. A plan over `budget`
    (`[limits]`) raises PlanBudgetError."""
    items = plan_items(stored.measures, responsibilities)
    year = stored.plan.year
    if placed is None or not placed.made_for(items, year=year, policy=policy):
        placed = place_within_budget(stored.plan, stored.measures, items, policy=policy,
                                     budget=budget)  # fmt: skip
    else:  # placed ahead (a many-file import's worker): counted again, a sum over its schedules
        check_placed(stored.plan, stored.measures, placed.schedules, budget)
    measures = [
        MeasureSchedule(measure, item.cadence,
                        replace(schedule, warnings=(*schedule.warnings, *clash)),
                        responsibilities[measure.id])
        for measure, item, schedule, clash in zip(stored.measures, items, placed.schedules,
                                                  placed.clashes, strict=True)
    ]  # fmt: skip
    for task, responsibility in tasks:
        cadence = parse_when(task.measure.when_text)
        item = PlanItem(task.key, cadence, task.measure.schedule, task.measure.title,
                        task.measure.action, responsibility.convener, responsibility.participants)  # fmt: skip
        (schedule,) = spread_plan([item], year=year, policy=policy)
        measures.append(MeasureSchedule(task, cadence, schedule, responsibility))
    return PlanSchedule(stored, tuple(measures))
