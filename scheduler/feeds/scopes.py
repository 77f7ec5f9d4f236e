"""Which occurrences a feed holds: the whole plan, an area, a measure, one series, or a role.

A scope has a URL name (`roll-kommunpolis`) and a Swedish calendar name. Pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from scheduler.base.errors import NotFoundError
from scheduler.schedule.occurrences import PlanSchedule

PLAN, AREA, MEASURE, SERIES, ROLE = "plan", "area", "measure", "series", "role"


def slugify(text: str) -> str:
    """ASCII, lower case, dashes: "Hornsbergs- och Kristinebergs strand" → "hornsbergs-och-kristinebergs-strand"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


@dataclass(frozen=True)
class Scope:
    name: str  # in the URL: /feeds/<token>/<name>.ics
    kind: str
    title: str  # the calendar's name in the client
    area: str | None = None
    measure_id: int | None = None
    series_label: str | None = None
    role: str | None = None

    def includes(
        self, *, area: str, measure_id: int, series_label: str, roles: tuple[str, ...]
    ) -> bool:
        if self.kind == PLAN:
            return True
        if self.kind == AREA:
            return area == self.area
        if self.kind == MEASURE:
            return measure_id == self.measure_id
        if self.kind == SERIES:
            return measure_id == self.measure_id and series_label == self.series_label
        return self.role in roles


class UniqueNames:
    """Names that slug alike ("Trygg miljö", "Trygg-miljö!") get a suffix in the order they come:
    `omrade-trygg-miljo`, `omrade-trygg-miljo-2`. Every calendar keeps a URL and a file of its own."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._by_text: dict[str, str] = {}

    def __call__(self, base: str, text: str) -> str:
        if text in self._by_text:  # the same text asked again keeps its name
            return self._by_text[text]
        name, number = base, 1
        while name in self._taken:
            number += 1
            name = f"{base}-{number}"
        self._taken.add(name)
        self._by_text[text] = name
        return name


def all_scopes(schedule: PlanSchedule) -> list[Scope]:
    plan = schedule.stored.plan
    scopes = [Scope("plan", PLAN, f"Åtgärdsplan {plan.year}: alla möten och uppgifter")]
    dated_areas = {
        item.stored.area
        for item in schedule.measures
        if any(s.occurrences for s in item.schedule.series)
    }
    # Names are given over every area in plan order, dated or not, so an area that gains or loses
    # its dates does not rename another area's calendar.
    area_names = UniqueNames()
    for area in plan.areas:
        name = area_names(f"omrade-{slugify(area.name)}", area.name)
        if area.name in dated_areas:  # an area with nothing dated would be an empty calendar
            scopes.append(Scope(name, AREA, f"{area.name} ({plan.year})", area=area.name))
    roles: dict[str, None] = {}
    for item in schedule.measures:
        measure = item.stored
        dated = [s for s in item.schedule.series if s.occurrences]
        if not dated:
            continue
        for role in item.responsibility.participants:
            roles.setdefault(role, None)
        scopes.append(Scope(f"atgard-{measure.id}", MEASURE, f"{measure.measure.title} ({plan.year})",
                            measure_id=measure.id))  # fmt: skip
        labelled = [s for s in dated if s.label]
        if len(labelled) > 1:
            series_names = UniqueNames()
            for series in labelled:
                scopes.append(Scope(
                    series_names(f"atgard-{measure.id}-{slugify(series.label)}", series.label), SERIES,
                    f"{measure.measure.title}: {series.label} ({plan.year})",
                    measure_id=measure.id, series_label=series.label,
                ))  # fmt: skip
    role_names = UniqueNames()
    for role in roles:
        name = role_names(f"roll-{slugify(role)}", role)
        scopes.append(Scope(name, ROLE, f"{role}: möten och uppgifter {plan.year}", role=role))
    return scopes


def find_scope(schedule: PlanSchedule, name: str) -> Scope:
    for scope in all_scopes(schedule):
        if scope.name == name:
            return scope
    raise NotFoundError(f"Det finns ingen kalender som heter «{name}».")
