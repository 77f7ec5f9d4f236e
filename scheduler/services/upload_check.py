"""What an upload would do to the stored plan of its year, before it is imported: how many of the
stored measures it would change or remove (a workbook of another district, or an old copy,
replaces the plan wholesale), and whether the year is older than last year. The workspace asks
for a confirmation then (scheduler/web/plan_page.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError
from scheduler.base.time import STOCKHOLM
from scheduler.model.measure_keys import keyed_measures
from scheduler.model.plan import Plan
from scheduler.model.stored import StoredPlan
from scheduler.store.occurrences import list_occurrences
from scheduler.store.plans import RETIRE_SHARE_LIMIT, find_plan_id, load_plan

A_FEW = 3  # replacing more measures than this is confirmed first


@dataclass(frozen=True)
class UploadCheck:
    replaced: tuple[str, ...]  # titles of stored measures changed or removed
    stored_measures: int  # how many the stored plan of that year has (0: none stored)
    old_year: bool  # older than last year
    # The import retires so many measures that it is refused anyway (the store's rule, with
    # its own message): nothing to confirm.
    refused: bool = False

    @property
    def needs_confirmation(self) -> bool:
        return not self.refused and (self.old_year or len(self.replaced) > A_FEW)


def _stored(engine: Engine, plan: Plan) -> StoredPlan | None:
    try:
        return load_plan(
            engine, find_plan_id(engine, year=plan.year, organisation=plan.organisation)
        )
    except NotFoundError:
        return None


def check_upload(engine: Engine, plan: Plan, *, now: datetime) -> UploadCheck:
    stored = _stored(engine, plan)
    replaced: list[str] = []
    leaving = 0
    if stored is not None:
        new = {key: measure for *_, measure, key in keyed_measures(plan)}
        for item in stored.measures:
            if new.get(item.key) != item.measure:
                replaced.append(item.measure.title)
            leaving += item.key not in new
    total = len(stored.measures) if stored else 0
    this_year = now.astimezone(STOCKHOLM).year
    return UploadCheck(tuple(replaced), total, plan.year < this_year - 1,
                       refused=total > 0 and leaving > total * RETIRE_SHARE_LIMIT)  # fmt: skip


def every_date_past(engine: Engine, plan_id: int, *, now: datetime) -> bool:
    """True when the plan has dated meetings or tasks and every one of them has begun."""
    rows = list_occurrences(engine, plan_id=plan_id)
    return bool(rows) and all(row.start < now for row in rows)
