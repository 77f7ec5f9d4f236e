"""Findings about how each När was read, for `scheduler check`. Pure."""

from __future__ import annotations

from scheduler.base.text import sentences
from scheduler.cadence.model import UNSPECIFIED
from scheduler.plan.review import Finding
from scheduler.schedule.occurrences import PlanSchedule


def cadence_findings(schedule: PlanSchedule) -> list[Finding]:
    findings = []
    for item in schedule.workbook_measures:
        measure = item.stored.measure
        if not measure.when_text:
            continue  # reported as an empty När already
        if item.cadence.kind == UNSPECIFIED:
            message = f"När kunde inte tolkas: «{measure.when_text}»; inga möten planeras"
        elif item.cadence.partial:
            message = sentences(["När lästes bara delvis", *item.cadence.warnings])
            if not item.cadence.warnings:
                message = f"När lästes bara delvis: «{measure.when_text}»"
        elif item.schedule.warnings:
            message = sentences(item.schedule.warnings)
        else:
            continue
        findings.append(Finding("cadence", message, item.stored.area, measure.title))
    return findings
