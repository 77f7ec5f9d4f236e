"""The convener's answer from a reminder's link: was the meeting held, was the task done.

Stored on the occurrence (it goes into the year's follow-up); a "done" to the question of a draft
plan's hand-in task hands the plan in, which stops the task's reminders (`plan_state`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from scheduler.services.plan_state import answered_hand_in
from scheduler.settings.model import Settings
from scheduler.store.occurrences import record_answer


def save_answer(
    engine: Engine, config: Settings, uid: str, *, held: bool, note: str, now: datetime
) -> bool:
    """The answer stored (`held`: held or done); True when it handed the plan in."""
    record_answer(engine, uid, held=held, note=note, now=now)
    return held and answered_hand_in(engine, config, uid, now=now)
