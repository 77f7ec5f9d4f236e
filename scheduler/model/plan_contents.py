"""A plan's areas and measures with their ids, as the workspace edits them and as a revision
keeps them: the values an edit is made on, compared field by field, and written to and read
from a revision's JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Final

from scheduler.base.errors import NotFoundError
from scheduler.model.plan import Measure, PolicyOverrides
from scheduler.model.policy_overrides import settings_from_mapping, settings_to_mapping

# The texts a coordinator edits, as the form names them, with the Measure field and the label
# the pages and the history show.
TEXT_FIELDS: Final = (
    ("orsak", "cause", "Orsak"),
    ("atgard", "action", "Åtgärd"),
    ("nar", "when_text", "När"),
    ("vem", "responsible_text", "Vem"),
    ("uppfoljning", "followup_text", "Uppföljning"),
)
# What a revision compares of a measure: its title and every text, then its overrides.
_COMPARED: Final = (("title", "Rubrik"), *((name, label) for _, name, label in TEXT_FIELDS),
                    ("operational_goal", "Operativa mål"))  # fmt: skip


@dataclass(frozen=True)
class MeasureContents:
    """A measure; `id` None for one not stored yet."""

    id: int | None
    measure: Measure


@dataclass(frozen=True)
class AreaContents:
    """An area and its measures in order; `id` None for one not stored yet."""

    id: int | None
    name: str
    measures: tuple[MeasureContents, ...] = ()


@dataclass(frozen=True)
class PlanContents:
    areas: tuple[AreaContents, ...]

    def measure(self, measure_id: int) -> tuple[AreaContents, MeasureContents] | None:
        for area in self.areas:
            for item in area.measures:
                if item.id == measure_id:
                    return area, item
        return None

    def area(self, area_id: int) -> AreaContents | None:
        return next((area for area in self.areas if area.id == area_id), None)

    def with_area(self, area: AreaContents) -> PlanContents:
        """The same plan with `area` in place of the area of its id."""
        return PlanContents(tuple(area if a.id == area.id else a for a in self.areas))

    # The edits the workspace makes, each on the contents as stored when it is saved. An id no
    # longer in the plan (removed meanwhile) raises NotFoundError.

    def found_measure(self, measure_id: int) -> tuple[AreaContents, MeasureContents]:
        found = self.measure(measure_id)
        if found is None:
            raise NotFoundError(f"åtgärd {measure_id} finns inte i planen")
        return found

    def found_area(self, area_id: int) -> AreaContents:
        found = self.area(area_id)
        if found is None:
            raise NotFoundError(f"området {area_id} finns inte i planen")
        return found

    def with_texts(self, measure_id: int, texts: dict[str, str]) -> PlanContents:
        """The measure's texts (by form name) replaced."""
        area, item = self.found_measure(measure_id)
        edited = MeasureContents(measure_id, with_texts(item.measure, texts))
        measures = tuple(edited if m.id == measure_id else m for m in area.measures)
        return self.with_area(replace(area, measures=measures))

    def with_measure_added(self, area_id: int, measure: Measure) -> PlanContents:
        area = self.found_area(area_id)
        return self.with_area(replace(area, measures=(*area.measures, MeasureContents(None, measure))))  # fmt: skip

    def without_measure(self, measure_id: int) -> PlanContents:
        area, _ = self.found_measure(measure_id)
        return self.with_area(replace(area, measures=tuple(m for m in area.measures if m.id != measure_id)))  # fmt: skip

    def with_measure_moved(self, measure_id: int, area_id: int) -> PlanContents:
        """The measure moved to the end of the area `area_id`."""
        _, item = self.found_measure(measure_id)
        self.found_area(area_id)
        return PlanContents(tuple(
            replace(area, measures=tuple(m for m in area.measures if m.id != measure_id)
                    + ((item,) if area.id == area_id else ()))
            for area in self.areas
        ))  # fmt: skip

    def with_area_added(self, name: str) -> PlanContents:
        return PlanContents((*self.areas, AreaContents(None, name)))

    def with_area_renamed(self, area_id: int, name: str) -> PlanContents:
        return self.with_area(replace(self.found_area(area_id), name=name))


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class MeasureChange:
    """What changed of one measure between two contents: added, removed, moved or edited."""

    title: str
    what: str  # "ny", "borttagen", "ändrad"
    area_before: str | None
    area_after: str | None
    fields: tuple[FieldChange, ...] = ()


def changes_between(before: PlanContents, after: PlanContents) -> list[MeasureChange]:
    """Per measure (by id), field by field; then the areas added, renamed or removed."""
    old = {item.id: (area.name, item.measure) for area in before.areas for item in area.measures}
    new = {item.id: (area.name, item.measure) for area in after.areas for item in area.measures}
    out: list[MeasureChange] = []
    for measure_id, (area, measure) in new.items():
        if measure_id not in old:
            out.append(MeasureChange(measure.title, "ny", None, area))
            continue
        old_area, old_measure = old[measure_id]
        fields = tuple(
            FieldChange(label, _shown(getattr(old_measure, name)), _shown(getattr(measure, name)))
            for name, label in _COMPARED
            if getattr(old_measure, name) != getattr(measure, name)
        )
        if old_measure.convener != measure.convener or old_measure.schedule != measure.schedule:
            fields += (FieldChange("Schemainställningar", _settings_text(old_measure),
                                   _settings_text(measure)),)  # fmt: skip
        if fields or old_area != area:
            out.append(MeasureChange(measure.title, "ändrad", old_area, area, fields))
    for measure_id, (area, measure) in old.items():
        if measure_id not in new:
            out.append(MeasureChange(measure.title, "borttagen", area, None))
    return out


def area_changes(before: PlanContents, after: PlanContents) -> list[str]:
    """The areas added, renamed and removed, in Swedish."""
    old = {area.id: area.name for area in before.areas}
    new = {area.id: area.name for area in after.areas}
    lines = [f"Nytt område «{name}»" for area_id, name in new.items() if area_id not in old]
    lines += [f"Området «{old[area_id]}» heter nu «{name}»" for area_id, name in new.items()
              if area_id in old and old[area_id] != name]  # fmt: skip
    lines += [f"Området «{name}» togs bort" for area_id, name in old.items() if area_id not in new]
    return lines


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _settings_text(measure: Measure) -> str:
    mapping = settings_to_mapping(measure.schedule)
    if measure.convener:
        mapping = {"sammankallande": measure.convener, **mapping}
    return json.dumps(mapping, ensure_ascii=False, sort_keys=True) if mapping else "inga"


def contents_to_json(contents: PlanContents) -> str:
    return json.dumps(
        [
            {
                "id": area.id,
                "name": area.name,
                "measures": [_measure_mapping(item) for item in area.measures],
            }
            for area in contents.areas
        ],
        ensure_ascii=False,
        sort_keys=True,
    )


def _measure_mapping(item: MeasureContents) -> dict[str, Any]:
    measure = item.measure
    return {
        "id": item.id,
        **{name: getattr(measure, name) for name, _ in _COMPARED},
        "convener": measure.convener,
        "schedule": settings_to_mapping(measure.schedule),
    }


def contents_from_json(text: str) -> PlanContents:
    def fail(message: str) -> Exception:  # a revision holds what was validated when saved
        return ValueError(message)

    areas = []
    for area in json.loads(text):
        measures = []
        for raw in area["measures"]:
            texts = {name: raw[name] for name, _ in _COMPARED}
            schedule: PolicyOverrides = settings_from_mapping(raw["schedule"], fail)
            measure = Measure(**texts, convener=raw["convener"], schedule=schedule)
            measures.append(MeasureContents(raw["id"], measure))
        areas.append(AreaContents(area["id"], area["name"], tuple(measures)))
    return PlanContents(tuple(areas))


def with_texts(measure: Measure, texts: dict[str, str]) -> Measure:
    """The measure with the edited texts (by form name) in place."""
    names = {form: name for form, name, _ in TEXT_FIELDS} | {"rubrik": "title"}
    changes: dict[str, Any] = {names[form]: value for form, value in texts.items()}
    return replace(measure, **changes)
