"""The plan's size budget held while it is placed (`[limits]`, scheduler/plan/budget.py). Pure.

Before the plan is spread over the week, each measure is placed on its own, in plan order, and
its meetings and tasks are added up: at the first measure that takes the plan past the cap the
count stops and the plan is refused, so a plan of a hundred thousand occurrences costs what its
first twenty thousand cost, never the rest. Those placements are the ones the spread starts from
(cached in scheduler/cadence/place.py), so a plan within the budget pays nothing extra for the
count. The spread can move a meeting off a closed day or drop one, so the placed plan is counted
once more, exactly (`check_placed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scheduler.base.errors import PlanBudgetError
from scheduler.cadence import CalendarPolicy, PlacedCadence, place_cadence
from scheduler.cadence.spread import PlanItem
from scheduler.model.plan import Plan
from scheduler.model.stored import StoredMeasure
from scheduler.plan.budget import (
    NOTHING_CHANGED,
    PlanBudget,
    first_measure_over,
    too_many_measures,
    too_many_occurrences,
)


def check_before_placing(
    plan: Plan,
    measures: Sequence[StoredMeasure],
    items: Sequence[PlanItem],
    *,
    policy: CalendarPolicy,
    budget: PlanBudget,
) -> None:
    """Raise PlanBudgetError at the first measure over either cap, placing no measure after it.
    `items` are `measures` as the spread reads them (scheduler.schedule.occurrences.plan_items)."""
    _check_count(measures, budget)
    _check_counts(plan, measures, _counts(items, year=plan.year, policy=policy), budget)


def check_placed(
    plan: Plan,
    measures: Sequence[StoredMeasure],
    schedules: Sequence[PlacedCadence],
    budget: PlanBudget,
) -> None:
    """Raise PlanBudgetError when the placed plan (`schedules`, one per measure) is over either
    cap, naming the measure that crosses it."""
    _check_count(measures, budget)
    _check_counts(plan, measures, (_occurrences(schedule) for schedule in schedules), budget)


def _check_count(measures: Sequence[StoredMeasure], budget: PlanBudget) -> None:
    over = first_measure_over(((m.area, m.measure.title) for m in measures), budget.max_measures)
    if over is not None:
        number, area, title = over
        raise PlanBudgetError(
            f"{too_many_measures(number, area, title, budget.max_measures)}. {NOTHING_CHANGED}"
        )


def _check_counts(
    plan: Plan, measures: Sequence[StoredMeasure], counts: Iterable[int], budget: PlanBudget
) -> None:
    """Adds up `counts` (lazily: no count is asked for after the one that crosses the cap)."""
    total = 0
    for number, (measure, count) in enumerate(zip(measures, counts, strict=True), start=1):
        total += count
        if total > budget.max_occurrences:
            raise PlanBudgetError(
                too_many_occurrences(plan, number=number, area=measure.area,
                                     title=measure.measure.title, total=total,
                                     max_occurrences=budget.max_occurrences)
                + f". {NOTHING_CHANGED}"
            )  # fmt: skip


def _counts(items: Iterable[PlanItem], *, year: int, policy: CalendarPolicy) -> Iterable[int]:
    """Each item's meetings and tasks placed on the policy's days, one item at a time."""
    for item in items:
        yield _occurrences(
            place_cadence(item.cadence, year=year, policy=policy, settings=item.settings,
                  title=item.title, action=item.action)
        )  # fmt: skip


def _occurrences(schedule: PlacedCadence) -> int:
    return sum(len(series.occurrences) for series in schedule.series)
