"""The plan's own tasks, as the schedule places them: handing the plan in. Pure.

"Åtgärdsplaner lämnas in i samband med tertialrapport 1" (the seed plan's instructions): the plan
has a deadline of its own every year. It is a task for the coordinator role, stored like a measure
(so it has a UID, a SEQUENCE, a place in the feeds and reminders), worded here from the config:
its När is "Senast 30 april", read by the same cadence reader as every measure's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scheduler.base.swedish import MONTH_NAMES
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.plan import PolicyOverrides
from scheduler.model.stored import HAND_IN_KEY, PlanState, StoredMeasure, StoredPlan
from scheduler.plan.review import Finding
from scheduler.plan.roles import Responsibility
from scheduler.settings.model import HandIn

# Reminders before the hand-in day: four weeks, one week, and on the day.
HAND_IN_REMINDER_DAYS = (28, 7, 0)


def hand_in_title(year: int, hand_in: HandIn) -> str:
    """ "Lämna in åtgärdsplanen 2024 (tertialrapport 1)"."""
    report = f" (tertialrapport {hand_in.tertial})" if hand_in.tertial else ""
    return f"Lämna in åtgärdsplanen {year}{report}"


def hand_in_when(hand_in: HandIn) -> str:
    return f"Senast {hand_in.day} {MONTH_NAMES[hand_in.month]}"


def hand_in_day(year: int, hand_in: HandIn) -> date:
    return date(year, hand_in.month, hand_in.day)


def hand_in_findings(stored: StoredPlan, hand_in: HandIn | None, *, today: date) -> list[Finding]:
    """A plan past its hand-in day that is still a draft, for `scheduler check`."""
    if hand_in is None or stored.state != PlanState.DRAFT:
        return []
    due = hand_in_day(stored.plan.year, hand_in)
    if today <= due:
        return []
    return [Finding("not_handed_in",
                    f"planen skulle ha lämnats in senast {due.isoformat()} men är fortfarande ett "
                    "utkast; kör «scheduler plan hand-in» när den är inlämnad")]  # fmt: skip


def plan_tasks_with_roles(
    stored: StoredPlan, *, hand_in: HandIn | None, coordinator: str
) -> list[tuple[StoredMeasure, Responsibility]]:
    """The plan's tasks with their texts and who does them; none when no hand-in is configured."""
    found = []
    for task in stored.plan_tasks:
        if task.key != HAND_IN_KEY or hand_in is None:
            continue
        measure = replace(
            task.measure,
            title=hand_in_title(stored.plan.year, hand_in),
            action="Lämna in årets åtgärdsplan. Se först över det som «scheduler check» "
            "rapporterar, så att planen lämnas in utan brister.",
            when_text=hand_in_when(hand_in),
            responsible_text=coordinator,
            convener=coordinator,
            schedule=PolicyOverrides(kind=OccurrenceKind.TASK, reminder_days=HAND_IN_REMINDER_DAYS),
        )
        found.append(
            (
                replace(task, measure=measure),
                Responsibility(coordinator, (coordinator,), "explicit"),
            )
        )
    return found
