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
import zlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.base.errors import PlanFileError, os_reason
from scheduler.base.text_safety import (
    describe_control_character,
    without_control_characters,
    without_control_characters_in,
)
from scheduler.model.plan import Area, Measure, Plan, PolicyOverrides
from scheduler.model.policy_overrides import settings_from_mapping, settings_to_mapping
from scheduler.plan.files.content import not_a_workbook
from scheduler.plan.files.limits import EXCEL_MAX_CELL_CHARS, ReadLimits, default_limits, too_long
from scheduler.plan.files.package import ListedSheet, listed_sheets
from scheduler.plan.files.sheet_size import Listed, listed

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
_ORGANISATION = re.compile(r"^\s*organisation\s*:\s*(.+?)\s*$", re.IGNORECASE | re.DOTALL)
_HEADER_SCAN_ROWS = 30


@dataclass(frozen=True)
class WorkbookRead:
    plan: Plan
    notes: tuple[str, ...]  # sheets skipped and other things the coordinator should know


@dataclass(frozen=True)
class _Value:
    """One non-empty cell as the sheet XML holds it."""

    value: Any
    kind: str  # openpyxl's data type: "s", "n", "d", "b", "e" (error), or "f" (formula, no value)


# A sheet as the rows that hold something: row number → column → value. Rows that only carry
# formatting are never stored, so a sheet formatted down to row 1,048,576 costs nothing.
_Rows = dict[int, dict[int, _Value]]


@dataclass(frozen=True)
class _Sheet:
    title: str
    rows: _Rows
    merges: tuple[tuple[int, int, int, int], ...]  # (min_col, min_row, max_col, max_row)
    # Cells without a value whose formula was calculated to an empty text (not left uncalculated).
    calculated: frozenset[tuple[int, int]] = frozenset()


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


class _Where:
    """Builds errors naming the file, sheet, row and column of a cell."""

    def __init__(self, source: str, limits: ReadLimits) -> None:
        self.source = source
        self.limits = limits

    def error(
        self,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: int | None = None,
    ) -> PlanFileError:
        letter = get_column_letter(column) if column is not None else None
        return PlanFileError(message, path=self.source, sheet=sheet, row=row, column=letter)

    def text(self, cell: _Value | None, sheet: str, row: int, column: int) -> str:
        """A cell read as text, refusing what is not text a plan can hold."""
        if cell is None:
            return ""
        coordinate = f"{get_column_letter(column)}{row}"
        if cell.kind == "f":
            raise self.error(
                f"cellen {coordinate} innehåller en formel utan beräknat värde "
                f"({_shorten(str(cell.value))}); öppna och spara arbetsboken i Excel, "
                "eller skriv texten utan inledande =",
                sheet, row, column,
            )  # fmt: skip
        if cell.kind == "e":
            raise self.error(
                f"cellen {coordinate} innehåller felvärdet {cell.value}, ingen text",
                sheet, row, column,
            )  # fmt: skip
        # Checked before trimming: some control characters count as whitespace to str.strip.
        problem = describe_control_character(cell.value) if isinstance(cell.value, str) else None
        if problem:
            raise self.error(f"cellen {coordinate} har ett {problem}", sheet, row, column)
        return _cell_text(cell.value)


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def read_workbook_plan(
    path: Path,
    *,
    year: int | None = None,
    organisation: str | None = None,
    default_organisation: str | None = None,
    limits: ReadLimits | None = None,
    name: str | None = None,
) -> WorkbookRead:
    """`name`: the file as its user named it, for messages (an upload is read from a temporary
    file), and for the year when the workbook does not say it."""
    limits = limits or default_limits()
    where = _Where(name or str(path), limits)
    sheets, title = _load_sheets(path, where)

    areas: list[Area] = []
    area_sheets: dict[str, str] = {}
    notes: list[str] = []
    settings_rows: list[tuple[int, list[Any]]] = []
    found_year: int | None = None
    found_organisation: str | None = None
    title_year = _YEAR.search(title)
    if title_year:
        found_year = int(title_year[1])

    for sheet in sheets:
        if sheet.title == SETTINGS_SHEET:
            settings_rows = _settings_rows(sheet, where)
            continue
        header = _find_header(sheet, where)
        if header is None:
            meta_year, meta_organisation = _metadata(sheet, where)
            found_year = found_year or meta_year
            found_organisation = found_organisation or meta_organisation
            if sheet.rows:
                notes.append(
                    f"Fliken «{sheet.title}» har ingen rubrikrad och lästes inte som område."
                )
            continue
        area = _read_area(sheet, header, where, notes)
        if area.name in area_sheets:
            raise where.error(
                f"området «{area.name}» finns på två flikar, «{area_sheets[area.name]}» och "
                f"«{sheet.title}»: ett område får bara finnas en gång"
            )
        area_sheets[area.name] = sheet.title
        areas.append(area)

    if not areas:
        raise where.error(
            "ingen flik har rubrikraden «Prioriterat samverkansområde | Orsak | Åtgärd | När | Vem | "
            "Uppföljning»"
        )
    plan_year = year or found_year or _year_from_name(Path(name) if name else path)
    if plan_year is None:
        raise where.error(
            "planens år framgår inte av arbetsboken (t.ex. «Åtgärdsplan 2025» på första fliken) "
            "eller filnamnet: ange det med --year"
        )
    # --organisation, then the workbook's "Organisation: …" cell, then the config's.
    plan_organisation = organisation or found_organisation or default_organisation
    if not plan_organisation:
        raise where.error(
            "organisationens namn framgår inte av arbetsboken: ange det med --organisation "
            "eller som organisation.name i config.toml"
        )
    if problem := describe_control_character(plan_organisation):
        raise where.error(f"organisationens namn har ett {problem}")
    plan = Plan(organisation=plan_organisation, year=plan_year, areas=tuple(areas))
    return WorkbookRead(plan=_apply_settings(plan, settings_rows, where), notes=tuple(notes))


# What a damaged or foreign file raises inside openpyxl and zipfile: never a traceback for the
# user, always "not a readable workbook". ValueError and TypeError come from openpyxl's typed
# XML descriptors meeting values they do not expect.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    InvalidFileException,
    KeyError,
    OSError,
    EOFError,
    zlib.error,
    ParseError,
    ValueError,
    TypeError,
)


# What is wrong, in words, for what openpyxl and zipfile raise (never the exception's name).
_REASONS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((zipfile.BadZipFile, zlib.error, EOFError), "zip-arkivet är trasigt eller avkortat"),
    (zipfile.LargeZipFile, "zip-arkivet är för stort"),
    (ParseError, "en del av arbetsboken är inte giltig XML"),
    # openpyxl raises OSError without an errno for a workbook part it cannot find.
    ((KeyError, OSError), "en del av arbetsboken saknas"),
)
NOT_A_WORKBOOK = "filen är ingen Excel-arbetsbok (.xlsx) som går att läsa"


def _unreadable(path: Path, where: _Where, exc: BaseException) -> PlanFileError:
    hint = " (spara den som .xlsx i Excel)" if path.suffix.lower() == ".xls" else ""
    if isinstance(exc, OSError) and exc.errno is not None:  # the system refused to read it
        reason = f"filen kunde inte läsas ({os_reason(exc)})"
    else:
        reason = next((words for kinds, words in _REASONS if isinstance(exc, kinds)),
                      "arbetsboken innehåller något som inte går att tolka")  # fmt: skip
    return where.error(f"{NOT_A_WORKBOOK}{hint}: {reason}")


def _check_archive(path: Path, where: _Where) -> None:
    """Refuse a file that unpacks to more than the limit before anything is parsed (zip bombs).

    zipfile never hands out more than an entry's declared size, so the declared sizes bound what
    parsing can read."""
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > where.limits.max_bytes:
        raise where.error(
            f"arbetsboken är {total / 1024 / 1024:.0f} MB uppackad; gränsen är "
            f"{where.limits.max_uncompressed_mb} MB (limits.max_uncompressed_mb i config.toml)"
        )


def _load_sheets(path: Path, where: _Where) -> tuple[list[_Sheet], str]:
    """Every worksheet's rows with content, streamed (openpyxl's read-only mode), and the
    workbook's title property."""
    try:
        instead = not_a_workbook(path)
    except OSError as exc:
        raise _unreadable(path, where, exc) from None
    if instead is not None:  # a picture, a Word document …: said so, not what a parser met
        raise where.error(f"{NOT_A_WORKBOOK}: filen är tom" if instead == "tom"
                          else f"{NOT_A_WORKBOOK}: innehållet är {instead}")  # fmt: skip
    try:
        _check_archive(path, where)
        # The sheets the workbook lists, each counted before openpyxl parses any: openpyxl
        # silently drops one whose part is missing, and a plan missing an area would retire
        # that area's measures.
        with zipfile.ZipFile(path) as archive:
            sheets = listed_sheets(archive)
            missing = [sheet.name for sheet in sheets if not sheet.present]
            scanned = {} if missing else _scanned(archive, sheets, where)
    except _UNREADABLE as exc:
        raise _unreadable(path, where, exc) from None
    if missing:
        raise where.error(f"{NOT_A_WORKBOOK}: fliken «{missing[0]}» saknas i filen")
    try:
        return _read_sheets(path, scanned, where)
    except _UNREADABLE as exc:
        raise _unreadable(path, where, exc) from None


def _scanned(archive: zipfile.ZipFile, sheets: list[ListedSheet], where: _Where) -> dict[str, Listed]:  # fmt: skip
    """What each sheet lists, by name; refused at the first listing more rows or cells than the
    limits, empty ones counted too (a million empty rows pack into a few KB)."""
    limits = where.limits
    scanned = {}
    for sheet in sheets:
        counted = listed(archive, sheet.part, max_rows=limits.max_rows_per_sheet,
                         max_cells=limits.max_cells_per_sheet)  # fmt: skip
        if counted.rows > limits.max_rows_per_sheet:
            raise where.error(f"fliken har fler än {limits.max_rows_per_sheet} rader, tomma rader "
                              "medräknade (limits.max_rows_per_sheet i config.toml)", sheet.name)  # fmt: skip
        if counted.cells > limits.max_cells_per_sheet:
            raise where.error(f"fliken har fler än {limits.max_cells_per_sheet} celler, tomma "
                              "celler medräknade (limits.max_cells_per_sheet i config.toml)",
                              sheet.name)  # fmt: skip
        scanned[sheet.name] = counted
    return scanned


def _read_sheets(path: Path, scanned: dict[str, Listed], where: _Where) -> tuple[list[_Sheet], str]:  # fmt: skip
    """The sheets through openpyxl's public read-only mode: the values formulas had when last
    calculated (`data_only`), and, only for a sheet with formulas, the formulas themselves, so
    that one never calculated is refused rather than read as an empty cell."""
    values = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        title = values.properties.title or ""
        sheets = [_stream_sheet(sheet, scanned.get(sheet.title), where) for sheet in values.worksheets]  # fmt: skip
    finally:
        values.close()
    read = {sheet.title: sheet for sheet in sheets}
    with_formulas = [name for name, counted in scanned.items() if counted.formulas and name in read]
    if with_formulas:
        formulas = load_workbook(path, read_only=True, data_only=False, keep_links=False)
        try:
            for name in with_formulas:
                _add_uncalculated(formulas[name], read[name])
        finally:
            formulas.close()
    return sheets, title


def _cells(sheet: Any) -> Iterator[tuple[int, int, Any, str]]:
    """(row, column, value, openpyxl's data type) of every cell a read-only sheet lists, those
    without a value too. The sheet's own dimensions are not trusted: a wrong one would widen
    every row (sheet_size.py bounds the rows as the cells make them)."""
    sheet.reset_dimensions()
    for row in sheet.iter_rows():
        for cell in row:
            if cell is not EMPTY_CELL:
                yield cell.row, cell.column, cell.value, cell.data_type


def _stream_sheet(sheet: Any, scanned: Listed | None, where: _Where) -> _Sheet:
    limits = where.limits
    rows: _Rows = {}
    calculated: set[tuple[int, int]] = set()  # empty cells whose formula gave an empty text
    for number, column, value, kind in _cells(sheet):
        if value is None or value == "":
            if kind == "str":
                calculated.add((number, column))
            continue
        if isinstance(value, str) and len(value) > limits.max_text_chars:
            raise where.error(
                f"cellen {get_column_letter(column)}{number}: " + too_long(len(value), limits),
                sheet.title, number, column,
            )  # fmt: skip
        rows.setdefault(number, {})[column] = _Value(value, kind)
    merges = tuple(m for m in scanned.merges if m[0]) if scanned is not None else ()
    return _Sheet(sheet.title, rows, merges, frozenset(calculated))


def _add_uncalculated(sheet: Any, read: _Sheet) -> None:
    """Into `read`, as kind "f": each formula of `sheet` (read with its formulas) whose cell had
    no value when read for values: never calculated (a generator wrote the formula alone), not
    an empty cell."""
    for number, column, value, kind in _cells(sheet):
        if kind != "f" or (number, column) in read.calculated:
            continue
        if read.rows.get(number, {}).get(column) is None:
            formula = getattr(value, "text", value)  # an array formula's text
            read.rows.setdefault(number, {})[column] = _Value(str(formula), "f")


def _find_header(sheet: _Sheet, where: _Where) -> tuple[int, dict[str, int]] | None:
    """(row, field → column) of the header row, None for a sheet without one."""
    for row_number in sorted(sheet.rows):
        if row_number > _HEADER_SCAN_ROWS:
            break
        columns: dict[str, int] = {}
        for column, cell in sorted(sheet.rows[row_number].items()):
            if cell.kind != "s":
                continue
            field = HEADERS.get(_normalise(cell.value))
            if field and field not in columns:
                columns[field] = column
        if len(columns) < 3:
            continue
        for field in REQUIRED:
            if field not in columns:
                raise where.error(
                    f"okänd layout: rubriken «{COLUMN_LABELS[field]}» saknas i rubrikraden "
                    f"(fann {', '.join(COLUMN_LABELS[f] for f in columns)})",
                    sheet.title, row_number,
                )  # fmt: skip
        return row_number, columns
    return None


def _merged_fill(sheet: _Sheet) -> dict[tuple[int, int], _Value]:
    """Values that vertically merged cells show in the rows they span with content of their own
    (a merge over a million rows costs only the rows that exist)."""
    fill: dict[tuple[int, int], _Value] = {}
    numbers = sorted(sheet.rows)
    for min_col, min_row, _max_col, max_row in sheet.merges:
        if max_row == min_row:
            continue
        value = sheet.rows.get(min_row, {}).get(min_col)
        if value is None:
            continue
        for row in numbers[bisect_right(numbers, min_row) : bisect_right(numbers, max_row)]:
            fill[(row, min_col)] = value
    return fill


def _read_area(
    sheet: _Sheet, header: tuple[int, dict[str, int]], where: _Where, notes: list[str]
) -> Area:
    header_row, columns = header
    fill = _merged_fill(sheet)
    area_name: str | None = None
    measures: list[Measure] = []
    for row in sorted(sheet.rows):
        if row <= header_row:
            continue
        cells = sheet.rows[row]
        own = {f: where.text(cells.get(c), sheet.title, row, c) for f, c in columns.items()}
        # A row whose only content is a merged cell's continuation (an area name merged down
        # over the blank row under it) is no measure.
        if not any(v and not _is_instruction(v) for v in own.values()):
            continue
        values = {
            f: own[f] or where.text(fill.get((row, c)), sheet.title, row, c)
            for f, c in columns.items()
        }
        content = {f: v for f, v in values.items() if v and not _is_instruction(v)}
        if area_name is None and set(content) == {"title"}:
            area_name = content["title"]
            continue
        if area_name is None:
            area_name = sheet.title.strip()
            notes.append(
                f"Fliken «{sheet.title}»: områdets namn saknas under rubrikraden; flikens namn används."
            )
        if not values["title"]:
            raise where.error(
                "åtgärden saknar titel (första kolumnen är tom men raden har innehåll)",
                sheet.title, row, columns["title"],
            )  # fmt: skip
        texts: dict[str, Any] = {f: ("" if _is_instruction(v) else v) for f, v in values.items()}
        measures.append(Measure(**texts))
    if area_name is None:
        area_name = sheet.title.strip()
    return Area(name=area_name, measures=tuple(measures))


def _metadata(sheet: _Sheet, where: _Where) -> tuple[int | None, str | None]:
    year: int | None = None
    organisation: str | None = None
    for row in sorted(sheet.rows):
        if row > 15:
            break
        for column, cell in sorted(sheet.rows[row].items()):
            if cell.kind != "s":
                continue
            if year is None and (match := _YEAR.search(cell.value)):
                year = int(match[1])
            if organisation is None and (match := _ORGANISATION.match(cell.value)):
                where.text(cell, sheet.title, row, column)  # refuses control characters
                organisation = match[1]
    return year, organisation


def _settings_rows(sheet: _Sheet, where: _Where) -> list[tuple[int, list[Any]]]:
    """The hidden sheet's rows under its header: (row number, [Område, Titel, Nr, convener,
    schedule]), texts checked like any cell."""
    out: list[tuple[int, list[Any]]] = []
    for row in sorted(sheet.rows):
        if row < 2:
            continue
        cells = sheet.rows[row]
        values: list[Any] = []
        for column in range(1, 6):
            cell = cells.get(column)
            if column == 3 and cell is not None and cell.kind == "n":
                values.append(cell.value)
            else:
                values.append(where.text(cell, sheet.title, row, column) or None)
        out.append((row, values))
    return out


def _year_from_name(path: Path) -> int | None:
    match = re.search(r"(?<!\d)(20\d\d)(?!\d)", path.stem)
    return int(match[1]) if match else None


def _apply_settings(plan: Plan, rows: Iterable[tuple[int, list[Any]]], where: _Where) -> Plan:
    """Put the hidden sheet's convener and schedule overrides back on their measures."""
    by_key: dict[tuple[str, str, int], tuple[str | None, PolicyOverrides]] = {}
    for number, row in rows:
        if row[0] is None:
            continue
        area, title, nth, convener, raw = row

        def fail(message: str, number: int = number) -> PlanFileError:
            return where.error(message, SETTINGS_SHEET, number)

        try:
            mapping = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            raise fail("kolumnen schedule innehåller ingen giltig JSON") from None
        if not isinstance(mapping, dict):
            raise fail("kolumnen schedule ska vara ett JSON-objekt")
        by_key[(str(area), str(title), _nth(nth, where, number))] = (
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


def _nth(value: Any, where: _Where, row: int) -> int:
    """The Nr column: which of the measures sharing a title (0, 1, …); empty means 0."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise where.error(
            f"kolumnen Nr ska vara ett heltal 0 eller större, inte «{_shorten(str(value))}»",
            SETTINGS_SHEET, row, 3,
        )  # fmt: skip
    return value


# --- writing -------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = {"title": 30, "cause": 40, "operational_goal": 30, "action": 40, "when_text": 24,
           "responsible_text": 36, "followup_text": 50}  # fmt: skip


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one cell. Text is always a string cell, never a formula or an error value, whatever
    its first character (`=HYPERLINK(…)` typed into an answer stays that text), and loses any
    control character (refused at input; dropped here for rows stored before that check) so a
    save never dies with IllegalCharacterError."""
    cell: Cell = sheet.cell(row, column)
    if isinstance(value, str):
        # openpyxl infers the type from the value ('f' for "=…", 'e' for "#N/A"); the type set
        # after assigning is what it writes (t="inlineStr").
        cell.value = without_control_characters(value)[:EXCEL_MAX_CELL_CHARS]
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def sheet_title(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    name = without_control_characters(name)
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Område"
    base = base[:31]
    title, n = base, 2
    while title.casefold() in taken or title.casefold() == SETTINGS_SHEET:
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
    put(intro, 1, 1, f"Åtgärdsplan {plan.year}").font = Font(bold=True, size=16)
    put(intro, 2, 1, f"Organisation: {plan.organisation}")
    put(intro, 4, 1, (
        "Det finns en flik per prioriterat samverkansområde. Kolumnen Uppföljning fylls i "
        "i samband med uppföljningen i slutet av året."
    ))  # fmt: skip
    intro.column_dimensions["A"].width = 100
    workbook.properties.title = f"Åtgärdsplan {plan.year}"

    has_goals = any(m.operational_goal for _, m in plan.measures())
    fields = [f for f in COLUMN_LABELS if f != "operational_goal" or has_goals]
    taken: set[str] = {"instruktion"}
    settings_rows: list[list[Any]] = []
    for area in plan.areas:
        sheet = workbook.create_sheet(sheet_title(area.name, taken))
        for column, field in enumerate(fields, start=1):
            cell = put(sheet, 1, column, COLUMN_LABELS[field])
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = _WRAP
            sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS[field]
            value = area.name if field == "title" else INSTRUCTIONS.get(field, "")
            second = put(sheet, 2, column, value)
            second.alignment = _WRAP
            second.font = Font(bold=True) if field == "title" else Font(italic=True, color="808080")
        seen: dict[str, int] = {}
        for offset, measure in enumerate(area.measures):
            row = 3 + offset
            for column, field in enumerate(fields, start=1):
                value = getattr(measure, field)
                put(sheet, row, column, value or None).alignment = _WRAP
            nth = seen.get(measure.title, 0)
            seen[measure.title] = nth + 1
            if measure.convener or not measure.schedule.is_empty():
                settings_rows.append([
                    area.name, measure.title, nth, measure.convener,
                    json.dumps(without_control_characters_in(settings_to_mapping(measure.schedule)),
                               ensure_ascii=False),
                ])  # fmt: skip
        sheet.freeze_panes = "B2"
    if settings_rows:
        hidden = workbook.create_sheet(SETTINGS_SHEET)
        hidden.sheet_state = "hidden"
        rows = [["Område", "Titel", "Nr", "convener", "schedule"], *settings_rows]
        for row, values in enumerate(rows, start=1):
            for column, value in enumerate(values, start=1):
                put(hidden, row, column, value)
    return workbook
