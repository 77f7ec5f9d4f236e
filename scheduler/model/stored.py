"""A plan as the store holds it: the plan's values with the ids later stages attach to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from scheduler.base.errors import NotFoundError
from scheduler.model.plan import Measure, Plan


class PlanState(StrEnum):
    """A plan's state through its year: a draft until it is handed in (with tertialrapport 1),
    then followed up once the year-end follow-up is exported after its deadline (or marked so).
    Stored as these codes; what users read is `scheduler.model.display_words.PLAN_STATE_WORDS`."""

    DRAFT = "draft"
    HANDED_IN = "handed_in"
    FOLLOWED_UP = "followed_up"


# The plan's own tasks are stored like measures, under keys no workbook row can have.
PLAN_TASK_PREFIX = "plan:"
HAND_IN = "hand-in"
HAND_IN_KEY = PLAN_TASK_PREFIX + HAND_IN


@dataclass(frozen=True)
class StoredMeasure:
    id: int
    key: str
    area: str
    measure: Measure

    @property
    def is_plan_task(self) -> bool:
        """The plan's own task (handing it in), not a measure of the workbook."""
        return self.key.startswith(PLAN_TASK_PREFIX)


@dataclass(frozen=True)
class StoredPlan:
    id: int
    revision: int
    updated_at: datetime
    plan: Plan
    measures: tuple[StoredMeasure, ...]  # in plan order
    # The plan's own tasks (its hand-in), as stored; their texts come from the config.
    plan_tasks: tuple[StoredMeasure, ...] = ()
    state: PlanState = PlanState.DRAFT
    handed_in_at: datetime | None = None
    followed_up_at: datetime | None = None

    def measure(self, measure_id: int) -> StoredMeasure:
        for stored in self.measures:
            if stored.id == measure_id:
                return stored
        raise NotFoundError(f"Åtgärd {measure_id} finns inte i planen.")
