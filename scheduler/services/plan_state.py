"""A plan's state through its year: draft → handed in → followed up, and what follows from it.

Handing the plan in (from `scheduler plan hand-in`, or the coordinator answering "done" to the
hand-in task's question) completes its hand-in task and stops that task's reminders: the schedule
reads the state (scheduler.reminders.planning), and the state change bumps the plan's revision.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from scheduler.model.stored import HAND_IN_KEY, PlanState
from scheduler.services.refresh import refresh_occurrences
from scheduler.settings.model import Settings
from scheduler.store.occurrences import SyncResult, get_occurrence, list_occurrences, record_answer
from scheduler.store.plans import load_plan, set_plan_state

HANDED_IN_NOTE = "Planen är inlämnad."


def mark_plan(
    engine: Engine, config: Settings, plan_id: int, state: PlanState, *, now: datetime
) -> SyncResult:
    """Set the plan's state; beyond a draft, its hand-in task is recorded as done."""
    set_plan_state(engine, plan_id, state, now=now)
    if state != PlanState.DRAFT:
        stored = load_plan(engine, plan_id)
        tasks = {task.id for task in stored.plan_tasks if task.key == HAND_IN_KEY}
        for row in list_occurrences(engine, plan_id=plan_id):
            if row.measure_id in tasks and row.held is not True:
                record_answer(engine, row.uid, held=True, note=HANDED_IN_NOTE, now=now)
    return refresh_occurrences(engine, config, plan_id=plan_id, now=now)


def answered_hand_in(engine: Engine, config: Settings, uid: str, *, now: datetime) -> bool:
    """After a "done" answer: when it was to the hand-in task's question of a draft plan, the
    plan is handed in. True when that happened."""
    row = get_occurrence(engine, uid)
    stored = load_plan(engine, row.plan_id)
    if stored.state != PlanState.DRAFT:
        return False
    if not any(task.id == row.measure_id and task.key == HAND_IN_KEY for task in stored.plan_tasks):
        return False
    mark_plan(engine, config, row.plan_id, PlanState.HANDED_IN, now=now)
    return True
