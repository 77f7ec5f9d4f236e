"""A plan as the store holds it: the plan's values with the ids later stages attach to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.base.errors import NotFoundError
from scheduler.model.plan import Measure, Plan


@dataclass(frozen=True)
class StoredMeasure:
    id: int
    key: str
    area: str
    measure: Measure


@dataclass(frozen=True)
class StoredPlan:
    id: int
    revision: int
    updated_at: datetime
    plan: Plan
    measures: tuple[StoredMeasure, ...]  # in plan order

    def measure(self, measure_id: int) -> StoredMeasure:
        for stored in self.measures:
            if stored.id == measure_id:
                return stored
        raise NotFoundError(f"Åtgärd {measure_id} finns inte i planen.")
