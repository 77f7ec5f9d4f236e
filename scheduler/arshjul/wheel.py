"""What the årshjul shows: the plan year's dated meetings and tasks as published (cancelled ones
left out), one ring per area, for the whole plan or for one area or one role. Pure: the schedule,
the occurrences and today are arguments.

An area keeps its number (plan order, from 1) and so its colour whatever is chosen, so a wheel for
one area or role matches the whole plan's wheel.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scheduler.base.errors import UsageError
from scheduler.base.templating import swedish_date, swedish_time
from scheduler.base.time import STOCKHOLM
from scheduler.cadence.placed import DEADLINE_LABELS
from scheduler.model.display_words import kind_word
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule


@dataclass(frozen=True)
class Mark:
    """One meeting or task on its day."""

    uid: str
    day: date
    kind: OccurrenceKind
    lane: int  # which of its ring's measures, from the outside in
    title: str  # "SSP – Gymnasiet: tisdag 13 februari 2024 kl. 13:00"


@dataclass(frozen=True)
class Period:
    """A measure that goes on over a stretch of the year rather than on dates ("Löpande under
    året", "Kontinuerligt under sommaren"): drawn as an arc in its lane."""

    lane: int
    first: date
    last: date
    title: str  # "Trygghetsvandring (löpande): 1 januari–31 december 2024"


@dataclass(frozen=True)
class Ring:
    """One priority area: its measures with marks (a lane each, plan order) and the marks."""

    area: str
    number: int  # the area's place in the plan, from 1: its colour, alike on every wheel
    lanes: tuple[str, ...]
    marks: tuple[Mark, ...]
    label: int = 0  # its place on this wheel, from 1 outside in: rings read 1, 2, 3
    periods: tuple[Period, ...] = ()

    def lane_marks(self, lane: int) -> tuple[Mark, ...]:
        """The marks of one measure (its lane), in date order."""
        return tuple(mark for mark in self.marks if mark.lane == lane)

    def lane_period(self, lane: int) -> Period | None:
        return next((period for period in self.periods if period.lane == lane), None)

    @property
    def meetings(self) -> int:
        return sum(mark.kind == OccurrenceKind.MEETING for mark in self.marks)

    @property
    def tasks(self) -> int:
        return sum(mark.kind == OccurrenceKind.TASK for mark in self.marks)


@dataclass(frozen=True)
class Wheel:
    organisation: str
    year: int
    today: date
    rings: tuple[Ring, ...]  # plan order; areas without marks have none
    without_marks: tuple[str, ...]  # the chosen areas with nothing dated, plan order
    chosen: str | None  # "Område: …" or "Roll: …"; None for the whole plan

    @property
    def marks(self) -> tuple[Mark, ...]:
        return tuple(mark for ring in self.rings for mark in ring.marks)


def known_areas(schedule: PlanSchedule) -> list[str]:
    return [area.name for area in schedule.stored.plan.areas]


def known_roles(schedule: PlanSchedule) -> list[str]:
    """Every role the plan names as convener or participant, in plan order."""
    roles: dict[str, None] = {}
    for item in schedule.measures:
        for role in item.responsibility.participants:
            roles.setdefault(role, None)
    return list(roles)


def choose_area(schedule: PlanSchedule, name: str) -> str:
    """The plan's area called `name` (in any case); else a UsageError naming the plan's areas."""
    return _choose(name, known_areas(schedule), "okänt område", "planens områden")


def choose_role(schedule: PlanSchedule, name: str) -> str:
    """The role called `name` (in any case) among those the plan names; else a UsageError
    naming them."""
    return _choose(name, known_roles(schedule), "okänd roll", "planens roller")


def _choose(name: str, known: list[str], unknown: str, listing: str) -> str:
    wanted = name.strip().casefold()
    for candidate in known:
        if candidate.casefold() == wanted:
            return candidate
    names = ", ".join(known) or "inga"
    raise UsageError(f"{unknown} «{name}» ({listing}: {names}).")


def build_wheel(
    schedule: PlanSchedule,
    occurrences: Iterable[Occurrence],
    *,
    today: date,
    area: str | None = None,
    role: str | None = None,
) -> Wheel:
    """The wheel of the plan's year. `area` and `role` (names as the plan has them; see
    `choose_area` and `choose_role`) keep only that area's or role's measures; both: the
    role's measures in that area."""
    plan = schedule.stored.plan
    by_measure = {item.stored.id: item for item in schedule.measures}
    kept: dict[int, list[Occurrence]] = {}
    for row in sorted(occurrences, key=lambda o: (o.start, o.uid)):
        item = by_measure.get(row.measure_id)
        if (
            item is None or row.status == OccurrenceStatus.CANCELLED
        ):  # a retired measure's, or called off
            continue
        if row.start.astimezone(STOCKHOLM).year != plan.year:  # moved out of the plan's year
            continue
        if _chosen(item, area, role):
            kept.setdefault(item.stored.id, []).append(row)
    # A measure that goes on ("löpande", "kontinuerligt") and has no dates of its own: a period.
    periods = {item.stored.id: period for item in schedule.measures
               if item.stored.id not in kept and _chosen(item, area, role)
               and (period := _period(item, plan.year)) is not None}  # fmt: skip
    rings: list[Ring] = []
    without: list[str] = []
    # The plan's own tasks (handing it in) are a ring of their own, after the areas.
    groups = [(plan_area.name, False) for plan_area in plan.areas] + [(PLAN_RING, True)]
    for number, (name, own) in enumerate(groups, 1):
        items = [
            item
            for item in schedule.measures
            if (item.stored.id in kept or item.stored.id in periods)
            and (item.is_plan_task if own else item.stored.area == name and not item.is_plan_task)
        ]
        if not items:
            if not own and ((area is None and role is None) or area == name):
                without.append(name)
            continue
        marks = [
            _mark(item, row, lane)
            for lane, item in enumerate(items)
            for row in kept.get(item.stored.id, ())
        ]
        marks.sort(key=lambda mark: (mark.day, mark.lane, mark.uid))
        arcs = tuple(Period(lane, *periods[item.stored.id]) for lane, item in enumerate(items)
                     if item.stored.id in periods)  # fmt: skip
        rings.append(Ring(name, number, tuple(i.stored.measure.title for i in items),
                          tuple(marks), label=len(rings) + 1, periods=arcs))  # fmt: skip
    chosen = ", ".join(f"{word}: {value}" for word, value in (("Område", area), ("Roll", role))
                       if value) or None  # fmt: skip
    return Wheel(plan.organisation, plan.year, today, tuple(rings), tuple(without), chosen)


# The ring of the plan's own tasks (its hand-in), inside the areas' rings.
PLAN_RING = "Åtgärdsplanen"


def _chosen(item: MeasureSchedule, area: str | None, role: str | None) -> bool:
    if area is not None and item.stored.area != area:
        return False
    return role is None or role in item.responsibility.participants


def _period(item: MeasureSchedule, year: int) -> tuple[date, date, str] | None:
    """A continuing measure's stretch of `year`: its first series' window where it names one
    ("under våren"), else the whole year; None for a measure that does not go on."""
    if not item.cadence.continuous or item.is_plan_task:
        return None
    first, last = date(year, 1, 1), date(year, 12, 31)
    windows = [w for spec in item.cadence.series for w in spec.windows]
    if windows:
        start, end = (_day_of(year, *windows[0][0]), _day_of(year, *windows[0][1]))
        if start <= end:  # a window over the new year is drawn as the whole year
            first, last = start, end
    when = f"{swedish_date(first).split(' ', 1)[1]}–{swedish_date(last).split(' ', 1)[1]}"
    return first, last, f"{item.stored.measure.title} (löpande): {when}"


def _day_of(year: int, month: int, day: int) -> date:
    """Day 31 of a shorter month is its end (as cadence.model.MonthDay has it)."""
    return date(year, month, min(day, monthrange(year, month)[1]))


def _mark(item: MeasureSchedule, row: Occurrence, lane: int) -> Mark:
    day = row.start.astimezone(STOCKHOLM).date()
    return Mark(row.uid, day, row.kind, lane, mark_title(item, row))


def mark_title(item: MeasureSchedule, row: Occurrence) -> str:
    """ "SSP – Gymnasiet: tisdag 13 februari 2024 kl. 13:00", "Nyhetsbrev (uppgift): fredag 23
    februari 2024", "Nattvandring (klart senast): fredag 31 maj 2024"."""
    title = item.stored.measure.title
    when = swedish_date(row.start)
    deadline = row.series_label.casefold() in DEADLINE_LABELS
    name = f"{title} – {row.series_label}" if row.series_label and not deadline else title
    if row.kind == OccurrenceKind.TASK:
        return f"{name} ({'klart senast' if deadline else kind_word(row.kind)}): {when}"
    return f"{name}: {when}" if row.all_day else f"{name}: {when} kl. {swedish_time(row.start)}"
