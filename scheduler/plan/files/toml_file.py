"""The TOML plan file: read and write. The format is documented in docs/plan-files.md."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from reprlib import repr as shown  # a value in a message: bounded, however large
from typing import Any

import tomli_w

from scheduler.base.errors import PlanFileError
from scheduler.base.text_safety import describe_control_character, without_control_characters_in
from scheduler.base.toml_nesting import too_deep
from scheduler.model.plan import Area, Measure, Plan
from scheduler.model.policy_overrides import settings_from_mapping, settings_to_mapping
from scheduler.plan.files.content import binary_content
from scheduler.plan.files.limits import ReadLimits, default_limits, too_long

TOML_TEXT_FIELDS = (
    "title",
    "cause",
    "action",
    "when_text",
    "responsible_text",
    "followup_text",
    "operational_goal",
)
_MEASURE_KEYS = {*TOML_TEXT_FIELDS, "convener", "schedule"}
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml_plan(
    path: Path,
    *,
    year: int | None = None,
    organisation: str | None = None,
    default_organisation: str | None = None,
    limits: ReadLimits | None = None,
    name: str | None = None,
) -> Plan:
    """`name`: the file as its user named it, for messages (see `read_plan`)."""
    source = name or str(path)
    limits = limits or default_limits()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise PlanFileError(
            f"filen är {size / 1024 / 1024:.0f} MB; gränsen är {limits.max_uncompressed_mb} MB "
            "(limits.max_uncompressed_mb i config.toml)",
            path=source,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        instead = binary_content(path)
        raise PlanFileError(
            f"filen är ingen TOML-plan: innehållet är {instead}" if instead
            else "filen är inte UTF-8-kodad text", path=source,
        ) from None  # fmt: skip
    deep = too_deep(text, limits.max_nesting)
    if deep is not None:  # tomllib would recurse (or take minutes) on it: refused before
        raise PlanFileError(
            f"tabeller och listor är nästlade i fler än {limits.max_nesting} nivåer "
            "(limits.max_nesting i config.toml)",
            path=source, row=deep.line,
        )  # fmt: skip
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        row, column = (int(position[1]), position[2]) if position else (None, None)
        detail = _TOML_POSITION.sub("", str(exc)).strip()
        raise PlanFileError(
            f"TOML-syntaxfel: {detail}", path=source, row=row, column=column
        ) from None
    lines = _table_header_lines(text)
    return plan_from_mapping(
        raw,
        source=source,
        lines=lines,
        year=year,
        organisation=organisation,
        default_organisation=default_organisation,
        limits=limits,
    )


def clean_text(value: str, limits: ReadLimits) -> str:
    """A text field as stored: outer whitespace trimmed and line ends made \\n (as a workbook
    cell reads), so a plan reads the same from either format. Raises ValueError with the Swedish
    reason for a disallowed control character or a text over the limit."""
    problem = describe_control_character(value)
    if problem:
        raise ValueError(problem)
    if len(value) > limits.max_text_chars:
        raise ValueError(too_long(len(value), limits))
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def plan_from_mapping(
    raw: Mapping[str, Any],
    *,
    source: str,
    lines: dict[tuple[int, int | None], int] | None = None,
    year: int | None = None,
    organisation: str | None = None,
    default_organisation: str | None = None,
    limits: ReadLimits | None = None,
) -> Plan:
    lines = lines or {}
    limits = limits or default_limits()

    def fail(message: str, area: int | None = None, measure: int | None = None) -> PlanFileError:
        where = []
        if area is not None:
            name = _area_name(raw, area)
            where.append(f"område {area + 1}" + (f" «{name}»" if name else ""))
        if measure is not None:
            where.append(f"åtgärd {measure + 1}")
        prefix = ", ".join(where)
        row = lines.get((area, measure)) if area is not None else None
        return PlanFileError(f"{prefix}: {message}" if prefix else message, path=source, row=row)

    for key in raw:
        if key not in {"organisation", "year", "areas"}:
            raise fail(f"okänd nyckel «{key}» (kända: organisation, year, areas)")
    plan_year = year if year is not None else raw.get("year")
    if (
        not isinstance(plan_year, int)
        or isinstance(plan_year, bool)
        or not 2000 <= plan_year <= 2100
    ):
        raise fail(f"«year» ska vara planens år, t.ex. year = 2025 (fick {shown(plan_year)})")
    # --organisation, then the file's own, then the config's.
    plan_organisation = organisation if organisation is not None else raw.get("organisation")
    if plan_organisation is None:
        plan_organisation = default_organisation
    if not isinstance(plan_organisation, str) or not plan_organisation.strip():
        raise fail(
            '«organisation» saknas: ange organisationens namn, t.ex. organisation = "Kungsholmens stadsdelsförvaltning"'
        )
    try:
        plan_organisation = clean_text(plan_organisation, limits)
    except ValueError as exc:
        raise fail(f"«organisation»: {exc}") from None
    raw_areas = raw.get("areas", [])
    if not isinstance(raw_areas, list) or not raw_areas:
        raise fail('planen har inga områden: lägg till minst ett [[areas]] med name = "…"')

    areas: list[Area] = []
    first_of_name: dict[str, int] = {}
    for a, raw_area in enumerate(raw_areas):
        if not isinstance(raw_area, Mapping):
            raise fail("ska vara en tabell [[areas]]", a)
        for key in raw_area:
            if key not in {"name", "measures"}:
                raise fail(f"okänd nyckel «{key}» (kända: name, measures)", a)
        name = raw_area.get("name")
        if not isinstance(name, str) or not name.strip():
            raise fail("områdets namn (name) saknas", a)
        try:
            name = clean_text(name, limits)
        except ValueError as exc:
            raise fail(f"«name»: {exc}", a) from None
        if name in first_of_name:
            first = first_of_name[name]
            line = lines.get((first, None))
            raise fail(
                f"området «{name}» finns redan som område {first + 1}"
                + (f" (rad {line})" if line else "")
                + ": ett område får bara finnas en gång",
                a,
            )
        first_of_name[name] = a
        measures: list[Measure] = []
        raw_measures = raw_area.get("measures", [])
        if not isinstance(raw_measures, list):
            raise fail("measures ska vara en lista [[areas.measures]]", a)
        for m, raw_measure in enumerate(raw_measures):
            measures.append(_measure(raw_measure, lambda msg, a=a, m=m: fail(msg, a, m), limits))
        areas.append(Area(name=name, measures=tuple(measures)))
    return Plan(organisation=plan_organisation, year=plan_year, areas=tuple(areas))


def _measure(raw: Any, fail: Any, limits: ReadLimits) -> Measure:
    if not isinstance(raw, Mapping):
        raise fail("ska vara en tabell [[areas.measures]]")
    for key in raw:
        if key not in _MEASURE_KEYS:
            raise fail(f"okänd nyckel «{key}» (kända: {', '.join(sorted(_MEASURE_KEYS))})")
    texts: dict[str, str] = {}
    for key in TOML_TEXT_FIELDS:
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise fail(f"«{key}» ska vara en text, inte {shown(value)}")
        try:
            texts[key] = clean_text(value, limits)
        except ValueError as exc:
            raise fail(f"«{key}»: {exc}") from None
    if not texts["title"]:
        raise fail("åtgärden saknar titel (title)")
    convener = raw.get("convener")
    if convener is not None and (not isinstance(convener, str) or not convener.strip()):
        raise fail("«convener» ska vara namnet på den sammankallande rollen")
    if convener is not None:
        try:
            convener = clean_text(convener, limits)
        except ValueError as exc:
            raise fail(f"«convener»: {exc}") from None
    schedule = raw.get("schedule", {})
    if not isinstance(schedule, Mapping):
        raise fail("«schedule» ska vara en tabell")
    return Measure(
        **texts,
        convener=convener or None,
        schedule=settings_from_mapping(schedule, fail),
    )


def _area_name(raw: Mapping[str, Any], index: int) -> str | None:
    areas = raw.get("areas")
    if isinstance(areas, list) and index < len(areas) and isinstance(areas[index], Mapping):
        name = areas[index].get("name")
        return name if isinstance(name, str) else None
    return None


def _table_header_lines(text: str) -> dict[tuple[int, int | None], int]:
    """Line numbers of `[[areas]]` and `[[areas.measures]]` headers, for error messages."""
    found: dict[tuple[int, int | None], int] = {}
    area, measure = -1, -1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped == "[[areas]]":
            area, measure = area + 1, -1
            found[(area, None)] = number
        elif stripped == "[[areas.measures]]" and area >= 0:
            measure += 1
            found[(area, measure)] = number
    return found


def plan_to_toml(plan: Plan) -> str:
    """The plan as a TOML plan file. Control characters are dropped (refused at input; this is
    the last line of defence for rows stored before that check)."""
    areas: list[dict[str, Any]] = []
    for area in plan.areas:
        measures: list[dict[str, Any]] = []
        for measure in area.measures:
            entry: dict[str, Any] = {key: getattr(measure, key) for key in TOML_TEXT_FIELDS}
            if not entry["operational_goal"]:
                del entry["operational_goal"]
            if measure.convener:
                entry["convener"] = measure.convener
            if not measure.schedule.is_empty():
                entry["schedule"] = settings_to_mapping(measure.schedule)
            measures.append(entry)
        areas.append({"name": area.name, "measures": measures} if measures else {"name": area.name})
    body = tomli_w.dumps(
        without_control_characters_in(
            {"organisation": plan.organisation, "year": plan.year, "areas": areas}
        ),
        multiline_strings=True,
    )
    return (
        f"# Åtgärdsplan {plan.year}: plan file of the Åtgärdsplan scheduler (see README).\n{body}"
    )
