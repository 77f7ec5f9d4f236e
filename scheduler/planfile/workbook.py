"""The municipal workbook (.xlsx): one sheet per priority area, read and written with openpyxl.

Layout (Brå's and Stockholm's template): a header row "Prioriterat samverkansområde | Orsak |
Åtgärd | När | Vem | Uppföljning" (optionally "Operativa mål"), the area's name in the first column
under it with the template's instruction texts beside it, then one row per measure with its title
in the first column. Real workbooks add an instruction sheet first, blank rows, merged cells, line
breaks in cells, trailing spaces in headers and extra area sheets; all of that is read.

Writing produces the same layout plus an instruction sheet carrying year and organisation, and a
hidden sheet with the scheduler's per-measure settings, so that a plan round-trips.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.errors import PlanFileError
from scheduler.model import Area, Measure, Plan, ScheduleSettings
from scheduler.planfile.settings import settings_from_mapping, settings_to_mapping

# Header text (normalised) → Measure field. "title" is the first column.
HEADERS: dict[str, str] = {
    "prioriterat samverkansområde": "title",
    "orsak": "cause",
    "operativa mål": "operational_goal",
    "operativt mål": "operational_goal",
    "åtgärd": "action",
    "när": "when_text",
    "vem": "responsible_text",
    "uppföljning": "followup_text",
}
REQUIRED = ("title", "cause", "action", "when_text", "responsible_text", "followup_text")
COLUMN_LABELS = {
    "title": "Prioriterat samverkansområde",
    "cause": "Orsak",
    "operational_goal": "Operativa mål",
    "action": "Åtgärd",
    "when_text": "När",
    "responsible_text": "Vem",
    "followup_text": "Uppföljning",
}
# The template's help texts, written beside the area name; never a measure.
INSTRUCTIONS = {
    "cause": "Beskriv orsaken till problemet, kan vara flera, gör då flera separata åtgärder.",
    "operational_goal": "Ange operativa mål för åtgärden.",
    "action": "Koppla åtgärd mot respektive orsak. Beskriv tydligt vad som ska göras och hur det ska utföras.",
    "when_text": "Ange tid för när åtgärden ska vara genomförd (alt linjearbete).",
    "responsible_text": "Ange vem som ansvarar för åtgärden.",
    "followup_text": "Beskriv vad som har genomförts. Hur har parterna uppfyllt sina åtaganden.\n\nDenna kolumn fylls i i samband med uppföljning.",
}
_INSTRUCTION_PREFIXES = (
    "beskriv orsaken",
    "koppla åtgärd",
    "ange tid för",
    "ange vem som",
    "beskriv vad som har genomförts",
    "denna kolumn fylls",
    "ange operativa mål",
    "beskriv operativa mål",
)
SETTINGS_SHEET = "scheduler"
_YEAR = re.compile(r"åtgärdsplan\s+(20\d\d)", re.IGNORECASE)
_ORGANISATION = re.compile(r"^\s*organisation\s*:\s*(.+?)\s*$", re.IGNORECASE)
_HEADER_SCAN_ROWS = 30


@dataclass(frozen=True)
class WorkbookRead:
    plan: Plan
    notes: tuple[str, ...]  # sheets skipped and other things the coordinator should know


def _normalise(value: object) -> str:
    return " ".join(str(value).split()).casefold().rstrip(":.")


def _is_instruction(text: str) -> bool:
    return _normalise(text).startswith(_INSTRUCTION_PREFIXES)


def _cell_text(value: Any) -> str:
    """A cell as text, verbatim but for outer whitespace and Windows line ends."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def read_workbook_plan(
    path: Path,
    *,
    year: int | None = None,
    organisation: str | None = None,
    default_organisation: str | None = None,
) -> WorkbookRead:
    source = str(path)
    try:
        workbook = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        hint = " (spara den som .xlsx i Excel)" if path.suffix.lower() == ".xls" else ""
        raise PlanFileError(
            f"filen är ingen Excel-arbetsbok (.xlsx) som går att läsa{hint}: {exc.__class__.__name__}",
            path=source,
        ) from None

    areas: list[Area] = []
    notes: list[str] = []
    settings_rows: list[tuple[Any, ...]] = []
    found_year: int | None = None
    found_organisation: str | None = None
    title_year = _YEAR.search(workbook.properties.title or "")
    if title_year:
        found_year = int(title_year[1])

    for sheet in workbook.worksheets:
        if sheet.title == SETTINGS_SHEET:
            settings_rows = [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
            continue
        header = _find_header(sheet, source)
        if header is None:
            meta_year, meta_organisation = _metadata(sheet)
            found_year = found_year or meta_year
            found_organisation = found_organisation or meta_organisation
            if sheet.max_row > 1 or sheet.cell(1, 1).value is not None:
                notes.append(
                    f"Fliken «{sheet.title}» har ingen rubrikrad och lästes inte som område."
                )
            continue
        areas.append(_read_area(sheet, header, source, notes))

    if not areas:
        raise PlanFileError(
            "ingen flik har rubrikraden «Prioriterat samverkansområde | Orsak | Åtgärd | När | Vem | "
            "Uppföljning»",
            path=source,
        )
    plan_year = year or found_year or _year_from_name(path)
    if plan_year is None:
        raise PlanFileError(
            "planens år framgår inte av arbetsboken (t.ex. «Åtgärdsplan 2025» på första fliken) "
            "eller filnamnet: ange det med --year",
            path=source,
        )
    # --organisation, then the workbook's "Organisation: …" cell, then the config's.
    plan_organisation = organisation or found_organisation or default_organisation
    if not plan_organisation:
        raise PlanFileError(
            "organisationens namn framgår inte av arbetsboken: ange det med --organisation "
            "eller som organisation.name i config.toml",
            path=source,
        )
    plan = Plan(organisation=plan_organisation, year=plan_year, areas=tuple(areas))
    return WorkbookRead(plan=_apply_settings(plan, settings_rows, source), notes=tuple(notes))


def _find_header(sheet: Worksheet, source: str) -> tuple[int, dict[str, int]] | None:
    """(row, field → column) of the header row, None for a sheet without one."""
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, _HEADER_SCAN_ROWS)):
        columns: dict[str, int] = {}
        for cell in row:
            if cell.value is None:
                continue
            field = HEADERS.get(_normalise(cell.value))
            if field and field not in columns:
                columns[field] = cell.column
        if len(columns) < 3:
            continue
        row_number = row[0].row
        for field in REQUIRED:
            if field not in columns:
                raise PlanFileError(
                    f"okänd layout: rubriken «{COLUMN_LABELS[field]}» saknas i rubrikraden "
                    f"(fann {', '.join(COLUMN_LABELS[f] for f in columns)})",
                    path=source,
                    sheet=sheet.title,
                    row=row_number,
                )
        return row_number, columns
    return None


def _merged_fill(sheet: Worksheet) -> dict[tuple[int, int], Any]:
    """Values that vertically merged cells show in every row they span (first column only)."""
    fill: dict[tuple[int, int], Any] = {}
    for merged in sheet.merged_cells.ranges:
        if merged.max_row == merged.min_row:
            continue
        value = sheet.cell(merged.min_row, merged.min_col).value
        for row in range(merged.min_row + 1, merged.max_row + 1):
            fill[(row, merged.min_col)] = value
    return fill


def _read_area(
    sheet: Worksheet, header: tuple[int, dict[str, int]], source: str, notes: list[str]
) -> Area:
    header_row, columns = header
    fill = _merged_fill(sheet)
    area_name: str | None = None
    measures: list[Measure] = []
    for row in range(header_row + 1, sheet.max_row + 1):
        values = {
            field: _cell_text(fill.get((row, column), sheet.cell(row, column).value))
            for field, column in columns.items()
        }
        content = {f: v for f, v in values.items() if v and not _is_instruction(v)}
        if not content:
            continue
        if area_name is None and set(content) == {"title"}:
            area_name = content["title"]
            continue
        if area_name is None:
            area_name = sheet.title.strip()
            notes.append(
                f"Fliken «{sheet.title}»: områdets namn saknas under rubrikraden; flikens namn används."
            )
        if not values["title"]:
            raise PlanFileError(
                "åtgärden saknar titel (första kolumnen är tom men raden har innehåll)",
                path=source,
                sheet=sheet.title,
                row=row,
                column=get_column_letter(columns["title"]),
            )
        texts: dict[str, Any] = {f: ("" if _is_instruction(v) else v) for f, v in values.items()}
        measures.append(Measure(**texts))
    if area_name is None:
        area_name = sheet.title.strip()
    return Area(name=area_name, measures=tuple(measures))


def _metadata(sheet: Worksheet) -> tuple[int | None, str | None]:
    year: int | None = None
    organisation: str | None = None
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 15), values_only=True):
        for value in row:
            if not isinstance(value, str):
                continue
            if year is None and (match := _YEAR.search(value)):
                year = int(match[1])
            if organisation is None and (match := _ORGANISATION.match(value)):
                organisation = match[1]
    return year, organisation


def _year_from_name(path: Path) -> int | None:
    match = re.search(r"(?<!\d)(20\d\d)(?!\d)", path.stem)
    return int(match[1]) if match else None


def _apply_settings(plan: Plan, rows: Iterable[tuple[Any, ...]], source: str) -> Plan:
    """Put the hidden sheet's convener and schedule overrides back on their measures."""
    by_key: dict[tuple[str, str, int], tuple[str | None, ScheduleSettings]] = {}
    for number, row in enumerate(rows, start=2):
        if not row or row[0] is None:
            continue
        area, title, nth, convener, raw = (list(row) + [None] * 5)[:5]

        def fail(message: str, number: int = number) -> PlanFileError:
            return PlanFileError(message, path=source, sheet=SETTINGS_SHEET, row=number)

        try:
            mapping = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            raise fail("kolumnen schedule innehåller ingen giltig JSON") from None
        if not isinstance(mapping, dict):
            raise fail("kolumnen schedule ska vara ett JSON-objekt")
        by_key[(str(area), str(title), int(nth or 0))] = (
            str(convener) if convener else None,
            settings_from_mapping(mapping, fail),
        )
    if not by_key:
        return plan
    areas = []
    for area in plan.areas:
        seen: dict[str, int] = {}
        measures = []
        for measure in area.measures:
            nth = seen.get(measure.title, 0)
            seen[measure.title] = nth + 1
            convener, settings = by_key.get((area.name, measure.title, nth), (None, None))
            if convener or settings:
                measure = Measure(
                    **{
                        **measure.__dict__,
                        "convener": convener,
                        "schedule": settings or measure.schedule,
                    }
                )
            measures.append(measure)
        areas.append(Area(name=area.name, measures=tuple(measures)))
    return Plan(organisation=plan.organisation, year=plan.year, areas=tuple(areas))


# --- writing -------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = {"title": 30, "cause": 40, "operational_goal": 30, "action": 40, "when_text": 24,
           "responsible_text": 36, "followup_text": 50}  # fmt: skip


def sheet_title(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Område"
    base = base[:31]
    title, n = base, 2
    while title.casefold() in taken or title == SETTINGS_SHEET:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def plan_to_workbook(
    plan: Plan, *, extra_columns: dict[str, list[list[Any]]] | None = None
) -> Workbook:
    """The plan in the municipal layout. `extra_columns` lets the follow-up export style cells."""
    workbook = Workbook()
    intro = workbook.active
    assert intro is not None
    intro.title = "Instruktion"
    intro["A1"] = f"Åtgärdsplan {plan.year}"
    intro["A1"].font = Font(bold=True, size=16)
    intro["A2"] = f"Organisation: {plan.organisation}"
    intro["A4"] = (
        "Det finns en flik per prioriterat samverkansområde. Kolumnen Uppföljning fylls i "
        "i samband med uppföljningen i slutet av året."
    )
    intro.column_dimensions["A"].width = 100
    workbook.properties.title = f"Åtgärdsplan {plan.year}"

    has_goals = any(m.operational_goal for _, m in plan.measures())
    fields = [f for f in COLUMN_LABELS if f != "operational_goal" or has_goals]
    taken: set[str] = {"instruktion"}
    settings_rows: list[list[Any]] = []
    for area in plan.areas:
        sheet = workbook.create_sheet(sheet_title(area.name, taken))
        for column, field in enumerate(fields, start=1):
            cell = sheet.cell(1, column, COLUMN_LABELS[field])
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = _WRAP
            sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS[field]
            value = area.name if field == "title" else INSTRUCTIONS.get(field, "")
            second = sheet.cell(2, column, value)
            second.alignment = _WRAP
            second.font = Font(bold=True) if field == "title" else Font(italic=True, color="808080")
        seen: dict[str, int] = {}
        for offset, measure in enumerate(area.measures):
            row = 3 + offset
            for column, field in enumerate(fields, start=1):
                value = getattr(measure, field)
                sheet.cell(row, column, value or None).alignment = _WRAP
            nth = seen.get(measure.title, 0)
            seen[measure.title] = nth + 1
            if measure.convener or not measure.schedule.is_empty():
                settings_rows.append([
                    area.name, measure.title, nth, measure.convener,
                    json.dumps(settings_to_mapping(measure.schedule), ensure_ascii=False),
                ])  # fmt: skip
        sheet.freeze_panes = "B2"
    if settings_rows:
        hidden = workbook.create_sheet(SETTINGS_SHEET)
        hidden.sheet_state = "hidden"
        hidden.append(["Område", "Titel", "Nr", "convener", "schedule"])
        for settings_row in settings_rows:
            hidden.append(settings_row)
    return workbook
