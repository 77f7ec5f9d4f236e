"""What the coordinator should look at in a plan: the findings `scheduler check` lists, the
workspace's /plan shows beside each measure, and the hand-in task's reminder carries.

The plan's texts (conveners, roles, addresses, empty När), how each När was read, and, given the
day, a plan still a draft past its hand-in day.
"""

from __future__ import annotations

from datetime import date

from scheduler.plan.review import Finding, check_plan
from scheduler.schedule.occurrences import PlanSchedule
from scheduler.schedule.plan_tasks import hand_in_findings
from scheduler.schedule.review import cadence_findings
from scheduler.settings.model import Settings


def review_findings(
    schedule: PlanSchedule, config: Settings, *, today: date | None = None
) -> list[Finding]:
    """The plan's findings, with its organisation's `config`; the hand-in's only with `today`
    (the hand-in reminder is itself about handing in)."""
    stored = schedule.stored
    findings = check_plan(stored.measures, config) + cadence_findings(schedule)
    if today is not None:
        findings += hand_in_findings(stored, config.plan_cycle.hand_in, today=today)
    return findings
