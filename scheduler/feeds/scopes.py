"""Which occurrences a feed holds: the whole plan, an area, a measure, one series, or a role.

A scope has a URL name (`roll-kommunpolis`) and a Swedish calendar name. Pure.

A measure's name comes from its title (`atgard-ssp`, a series `atgard-ssp-gymnasiet`), not from its
database id, so it is the same after a rollover or a re-import and a link keeps working. The names of
earlier versions (`atgard-24`, `atgard-24-gymnasiet`) are still understood, for the measure that has
that id, so links already given out keep working too.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass

from scheduler.base.errors import NotFoundError
from scheduler.schedule.occurrences import PlanSchedule

PLAN, AREA, MEASURE, SERIES, ROLE = "plan", "area", "measure", "series", "role"
# The calendars besides the whole plan, grouped under their headings as the subscribe page and
# the workspace's links form show them, in that order.
SCOPE_GROUPS = (
    ("Områden", (AREA,)),
    ("Åtgärder och forum", (MEASURE, SERIES)),
    ("Roller", (ROLE,)),
)


def slugify(text: str) -> str:
    """ASCII, lower case, dashes: "Hornsbergs- och Kristinebergs strand" → "hornsbergs-och-kristinebergs-strand"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


# A calendar's name is a file name too (`NAME.serie.ics` from `feeds export`), and so is an
# organisation's folder, and a file name is at most 255 bytes on Linux and most file systems
# (NAME_MAX): this leaves room for the longest suffix (`.serie.ics`) and the temporary file
# written beside it (`.NAME.serie.ics.PID-N.ics`, scheduler/base/files.py). A fact of the file
# systems, not a choice: not a setting.
MAX_NAME_BYTES = 200
_DIGITS = 10  # of SHA-256, after a cut name: 40 bits, so two cut names never meet in practice


def bounded(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """`name` when it fits in `limit` bytes of UTF-8; else cut on a character boundary and ended
    with `-` and the first digits of the whole name's SHA-256, so that two long names beginning
    alike stay two, and the same name is always cut the same way."""
    encoded = name.encode()
    if len(encoded) <= limit:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:_DIGITS]
    head = encoded[: limit - _DIGITS - 1].decode("utf-8", "ignore").rstrip("-")
    return f"{head}-{digest}"


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


class ScopeIndex:
    """The names of the scopes that hold an occurrence, as `Scope.includes` decides, found by the
    occurrence's area, measure, series and roles instead of by asking every scope: a plan has
    dozens of calendars, and an export goes through every occurrence of every plan."""

    def __init__(self, scopes: list[Scope]) -> None:
        self._every: list[str] = []
        self._by: dict[tuple[str, Hashable], list[str]] = {}
        for scope in scopes:
            if scope.kind == PLAN:
                self._every.append(scope.name)
                continue
            key: Hashable = {
                AREA: scope.area, MEASURE: scope.measure_id,
                SERIES: (scope.measure_id, scope.series_label),
            }.get(scope.kind, scope.role)  # fmt: skip
            kind = scope.kind if scope.kind in (AREA, MEASURE, SERIES) else ROLE
            self._by.setdefault((kind, key), []).append(scope.name)

    def holders(
        self, *, area: str, measure_id: int, series_label: str, roles: tuple[str, ...]
    ) -> list[str]:
        found = list(self._every)
        keys = [(AREA, area), (MEASURE, measure_id), (SERIES, (measure_id, series_label))]
        keys += [(ROLE, role) for role in dict.fromkeys(roles)]
        for key in keys:
            found += self._by.get(key, ())
        return found


class UniqueNames:
    """Names that slug alike ("Trygg miljö", "Trygg-miljö!") get a suffix in the order they come:
    `omrade-trygg-miljo`, `omrade-trygg-miljo-2`. Every calendar keeps a URL and a file of its own.
    The names are whole here; `bounded` cuts a long one afterwards (each its own way).

    `key` says what is named: the same key asked again keeps its name (an area's name, say), while
    two things with the same text but different keys (two measures both titled "Barn") get two."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._by_key: dict[Hashable, str] = {}

    def __call__(self, base: str, key: Hashable) -> str:
        if key in self._by_key:
            return self._by_key[key]
        name, number = base, 1
        while name in self._taken:
            number += 1
            name = f"{base}-{number}"
        self._taken.add(name)
        self._by_key[key] = name
        return name


def all_scopes(schedule: PlanSchedule, *, year_in_titles: bool = True) -> list[Scope]:
    """The plan's calendars. A subscription outlives the year, so its titles name no year
    (`year_in_titles=False`); one year's exported files do."""
    plan = schedule.stored.plan

    def of_year(title: str) -> str:
        return f"{title} ({plan.year})" if year_in_titles else title

    plan_title = f"Åtgärdsplan {plan.year}" if year_in_titles else "Åtgärdsplan"
    scopes = [Scope("plan", PLAN, f"{plan_title}: alla möten och uppgifter")]
    dated_areas = {
        item.stored.area
        for item in schedule.measures
        if any(s.occurrences for s in item.schedule.series)
    }
    # Names are given over every area in plan order, dated or not, so an area that gains or loses
    # its dates does not rename another area's calendar.
    area_names = UniqueNames()
    for area in plan.areas:
        name = bounded(area_names(f"omrade-{slugify(area.name)}", area.name))
        if area.name in dated_areas:  # an area with nothing dated would be an empty calendar
            scopes.append(Scope(name, AREA, of_year(area.name), area=area.name))
    # Measures are named from their titles over every measure in plan order, dated or not, before
    # any series, so neither a measure gaining its dates nor a new series renames another calendar.
    # Measures and series share one namespace: "SSP" + series "Gymnasiet" and a measure titled
    # "SSP Gymnasiet" cannot both be `atgard-ssp-gymnasiet`.
    measure_names = UniqueNames()
    names: dict[int, str] = {}
    for item in schedule.workbook_measures:
        title = item.stored.measure.title
        names[item.stored.id] = measure_names(f"atgard-{slugify(title)}", item.stored.id)
    roles: dict[str, None] = {}
    for item in schedule.measures:
        measure = item.stored
        dated = [s for s in item.schedule.series if s.occurrences]
        if not dated:
            continue
        for role in item.responsibility.participants:
            roles.setdefault(role, None)
        if item.is_plan_task:
            continue  # in the plan's and its role's calendars, not a calendar of its own
        name = names[measure.id]
        scopes.append(Scope(bounded(name), MEASURE, of_year(measure.measure.title),
                            measure_id=measure.id))  # fmt: skip
        labelled = [s for s in dated if s.label]
        if len(labelled) > 1:
            for series in labelled:
                scopes.append(Scope(
                    bounded(measure_names(f"{name}-{slugify(series.label)}", ("series", measure.id, series.label))),
                    SERIES, of_year(f"{measure.measure.title}: {series.label}"),
                    measure_id=measure.id, series_label=series.label,
                ))  # fmt: skip
    role_names = UniqueNames()
    for role in roles:
        name = bounded(role_names(f"roll-{slugify(role)}", role))
        title = f"{role}: möten och uppgifter" + (f" {plan.year}" if year_in_titles else "")
        scopes.append(Scope(name, ROLE, title, role=role))
    return scopes


# The names before they came from titles: the measure's database id, then the series' slug.
_BY_ID = re.compile(r"atgard-(\d+)(?:-(.+))?")


def find_scope(schedule: PlanSchedule, name: str, *, year_in_titles: bool = True) -> Scope:
    """The calendar called `name`; an old id name (`atgard-24`) finds the measure with that id,
    and a name too long for a file (from before names were cut) the calendar of its cut name."""
    scopes = all_scopes(schedule, year_in_titles=year_in_titles)
    wanted = bounded(name)
    for scope in scopes:
        if scope.name == wanted:
            return scope
    by_id = _BY_ID.fullmatch(name)
    if by_id is not None:
        measure_id, series_slug = int(by_id[1]), by_id[2]
        old_names = UniqueNames()  # rebuilt as they were given: per measure, in series order
        for scope in scopes:
            if scope.measure_id != measure_id:
                continue
            if scope.kind == MEASURE and series_slug is None:
                return scope
            if scope.kind == SERIES and scope.series_label is not None:
                old = old_names(slugify(scope.series_label), scope.series_label)
                if old == series_slug:
                    return scope
    raise NotFoundError(f"Det finns ingen kalender som heter «{name}».")
