"""The followed-up plan: the municipal workbook with the Uppföljning column filled and each
answer's status as a green, yellow or red cell, or a readable report of the year (.md, .html)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from openpyxl.styles import Alignment, Font, PatternFill

from scheduler.base.errors import UsageError
from scheduler.base.files import write_atomically
from scheduler.base.templating import environment
from scheduler.followup.facts import STATUS_COLOURS, STATUSES, MeasureFacts
from scheduler.model.followup import Answer
from scheduler.model.plan import Area, Plan
from scheduler.model.stored import StoredPlan
from scheduler.plan.files.workbook import plan_to_workbook, put


@dataclass(frozen=True)
class FollowedUp:
    plan: Plan  # with followup_text replaced by the submitted answers
    statuses: dict[tuple[int, int], str]  # (area index, measure index) → status key


def followed_up(
    stored: StoredPlan, answers: dict[int, Answer], *, include_drafts: bool = False
) -> FollowedUp:
    """Answers go into the Uppföljning column; a measure without one keeps what the plan had."""
    by_key = {m.key: m.id for m in stored.measures}
    statuses: dict[tuple[int, int], str] = {}
    areas = []
    keyed = iter(stored.measures)
    for a, area in enumerate(stored.plan.areas):
        measures = []
        for m, measure in enumerate(area.measures):
            stored_measure = next(keyed)
            answer = answers.get(by_key[stored_measure.key])
            if answer is not None and (answer.submitted or include_drafts):
                measure = replace(measure, followup_text=answer.text)
                if answer.status:
                    statuses[(a, m)] = answer.status
            measures.append(measure)
        areas.append(Area(area.name, tuple(measures)))
    return FollowedUp(replace(stored.plan, areas=tuple(areas)), statuses)


def write_workbook(result: FollowedUp, path: Path) -> None:
    workbook = plan_to_workbook(result.plan)
    for a, sheet in enumerate(workbook.worksheets[1 : len(result.plan.areas) + 1]):
        headers = [cell.value for cell in sheet[1]]
        followup_column = headers.index("Uppföljning") + 1
        status_column = len(headers) + 1
        put(sheet, 1, status_column, "Status").font = Font(bold=True)
        sheet.column_dimensions[sheet.cell(1, status_column).column_letter].width = 24
        for m in range(len(result.plan.areas[a].measures)):
            status = result.statuses.get((a, m))
            if not status:
                continue
            fill = PatternFill("solid", fgColor=STATUS_COLOURS[status])
            row = 3 + m
            sheet.cell(row, followup_column).fill = fill
            cell = put(sheet, row, status_column, STATUSES[status])
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    write_atomically(path, workbook.save)


def write_report(result: FollowedUp, stored: StoredPlan, facts: dict[int, MeasureFacts], path: Path, *,
                 now: datetime) -> None:  # fmt: skip
    suffix = path.suffix.lower()
    if suffix not in {".md", ".html"}:
        raise UsageError("Exportera uppföljningen till .xlsx, .md eller .html.")
    ids = iter(m.id for m in stored.measures)
    areas = []
    for a, area in enumerate(result.plan.areas):
        items = []
        for m, measure in enumerate(area.measures):
            own = facts.get(next(ids), MeasureFacts())
            status = result.statuses.get((a, m))
            items.append({"measure": measure, "status": STATUSES.get(status or "", "Ej besvarad"),
                          "status_key": status or "", "facts": own})  # fmt: skip
        areas.append({"name": area.name, "items": items})
    template = environment("reports").get_template(f"followup{suffix}")
    text = template.render(plan=result.plan, areas=areas, now=now, colours=STATUS_COLOURS)
    write_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))
