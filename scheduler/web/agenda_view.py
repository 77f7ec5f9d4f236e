"""The agenda as a work list: its entries, the filters a coordinator narrows it by (from–to, area,
role, forum, status, kind, free text), how many entries each choice would show, and the shown
entries grouped by month with their ISO weeks. The page (/agenda) and its downloads
(/agenda.xlsx, /agenda.ics) read the same query string through `shown_entries`, so a download
holds exactly the rows the page shows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine

from scheduler.base.swedish import MONTH_NAMES
from scheduler.base.time import STOCKHOLM
from scheduler.model.occurrence import OccurrenceStatus
from scheduler.plan.review import lexicon_for
from scheduler.services.agenda import AgendaEntry, agenda_entries
from scheduler.services.plans import chosen_plan_id
from scheduler.services.refresh import plans_in_time
from scheduler.web.session import Coordinator

# The filters' names in the query string, in the form's order.
FILTERS = ("fran", "till", "omrade", "roll", "forum", "status", "typ", "sok")
# Status and kind as the query string names them, and as the page says them.
AGENDA_STATUSES = {"planerat": "Planerat", "andrat": "Ändrat", "installt": "Inställt"}
AGENDA_KINDS = {"mote": "Möten", "uppgift": "Uppgifter"}


@dataclass(frozen=True)
class Entry:
    key: str  # the row's id in the page (form fields, error links); from the UID, stable
    uid: str
    day: date
    start: datetime
    end: datetime
    all_day: bool
    kind: str
    title: str
    series: str
    area: str
    convener: str | None
    participants: tuple[str, ...]
    location: str | None
    cancelled: bool
    sequence: int
    source: AgendaEntry  # the service's entry: what the .ics download writes from

    @property
    def forums(self) -> tuple[str, ...]:
        """The forums a meeting belongs to: its measure, and its series when it has one. A task
        (the plan's hand-in, a measure's "klart senast") meets nowhere: no forum."""
        if self.kind == "task":
            return ()
        return (self.title, f"{self.title} – {self.series}") if self.series else (self.title,)

    @property
    def week(self) -> int:
        return self.day.isocalendar().week

    @property
    def status(self) -> str:
        return "installt" if self.cancelled else "andrat" if self.sequence else "planerat"

    @property
    def name(self) -> str:
        """What it is called on a line of the list: a meeting by its forum, a task as a task."""
        text = f"{self.title} – {self.series}" if self.series else self.title
        return f"Uppgift: {text}" if self.kind == "task" else text

    def mentions(self, words: str) -> bool:
        """The free-text search: every word somewhere in what the line says."""
        haystack = " ".join((self.name, self.area, self.convener or "", " ".join(self.participants),
                             self.location or "")).casefold()  # fmt: skip
        return all(word in haystack for word in words.casefold().split())


def row_key(uid: str) -> str:
    return "m" + hashlib.sha256(uid.encode()).hexdigest()[:12]


def _plan_ids(engine: Engine, coordinator: Coordinator, *, now: datetime) -> list[int]:
    """The organisation's plans whose time it is; without any, its newest (or this year's)."""
    found = plans_in_time(engine, now=now, organisation=coordinator.organisation)
    return found or [
        chosen_plan_id(engine, year=None, now=now, organisation=coordinator.organisation)
    ]


def entries(engine: Engine, coordinator: Coordinator, *, now: datetime, year: int | None = None) -> list[Entry]:  # fmt: skip
    """Every meeting and task of the organisation's plans whose time it is, by start; with a
    `year` (the year switcher), those of that year's plan."""
    plan_ids = _plan_ids(engine, coordinator, now=now) if year is None else [
        chosen_plan_id(engine, year=year, now=now, organisation=coordinator.organisation)]  # fmt: skip
    found = []
    for item in agenda_entries(engine, coordinator.config, plan_ids, now=now):
        row = item.occurrence
        start = row.start.astimezone(STOCKHOLM)
        found.append(Entry(
            row_key(row.uid), row.uid, start.date(), start, row.end.astimezone(STOCKHOLM),
            row.all_day, row.kind, item.title, row.series_label, item.area, item.convener,
            item.participants, row.location, row.status == OccurrenceStatus.CANCELLED, row.sequence, item,
        ))  # fmt: skip
    found.sort(key=lambda e: (e.start, e.uid))
    return found


@dataclass(frozen=True)
class Filters:
    """The chosen filters as typed ("" for none). `first`, `last`: the from–to dates read."""

    fran: str = ""
    till: str = ""
    omrade: str = ""
    roll: str = ""
    forum: str = ""
    status: str = ""
    typ: str = ""
    sok: str = ""
    first: date | None = None
    last: date | None = None

    @property
    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FILTERS}

    @property
    def narrowed(self) -> bool:
        """Anything chosen beyond the default (from today on)."""
        return any(getattr(self, name) for name in FILTERS if name != "fran")


def chosen_filters(
    params: Mapping[str, str], coordinator: Coordinator, *, today: date
) -> tuple[Filters, list[tuple[str, str]]]:
    """The query string's filters and, for a date that is not one, (field id, message). No
    from-date means today: the agenda is a work list of what is coming."""
    values = {name: params.get(name, "").strip() for name in FILTERS}
    if "fran" not in params:
        values["fran"] = today.isoformat()
    if values["roll"]:  # as `agenda --role`: "kommunpolisen" is Kommunpolis
        values["roll"] = lexicon_for(coordinator.config).canonical(values["roll"]) or values["roll"]
    errors: list[tuple[str, str]] = []
    first = _day(values["fran"], "fran", "Från", errors)
    last = _day(values["till"], "till", "Till", errors)
    if first and last and last < first:
        errors.append(("till", f"Till: {last.isoformat()} ligger före från-datumet "
                               f"{first.isoformat()}. Ange ett senare datum."))  # fmt: skip
        last = None
    return Filters(**values, first=first, last=last), errors


def _day(text: str, field_id: str, label: str, errors: list[tuple[str, str]]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append((field_id, f"{label}: «{text}» är inget datum. Skriv ÅÅÅÅ-MM-DD, "
                                 "till exempel 2024-05-14."))  # fmt: skip
        return None


# Each filter as a test of one entry against the chosen value (which is never "" here).
_TESTS: dict[str, Callable[[Entry, Filters], bool]] = {
    "fran": lambda e, f: f.first is None or e.day >= f.first,
    "till": lambda e, f: f.last is None or e.day <= f.last,
    "omrade": lambda e, f: e.area == f.omrade,
    "roll": lambda e, f: f.roll.casefold() in {p.casefold() for p in e.participants},
    "forum": lambda e, f: f.forum in e.forums,
    "status": lambda e, f: e.status == f.status,
    "typ": lambda e, f: e.kind == ("task" if f.typ == "uppgift" else "meeting"),
    "sok": lambda e, f: e.mentions(f.sok),
}


def _keeps(entry: Entry, chosen: Filters, *, but: str | None = None) -> bool:
    return all(_TESTS[name](entry, chosen) for name in FILTERS
               if name != but and getattr(chosen, name))  # fmt: skip


def shown_entries(all_entries: list[Entry], chosen: Filters) -> list[Entry]:
    return [entry for entry in all_entries if _keeps(entry, chosen)]


@dataclass(frozen=True)
class Choices:
    """Each select's options with how many entries choosing it would show (the other filters
    kept): (value, label, count)."""

    omrade: list[tuple[str, str, int]]
    roll: list[tuple[str, str, int]]
    forum: list[tuple[str, str, int]]
    status: list[tuple[str, str, int]]
    typ: list[tuple[str, str, int]]
    # How many "all" would show, per select.
    everything: dict[str, int]


def choices(all_entries: list[Entry], chosen: Filters) -> Choices:
    options: dict[str, list[tuple[str, str, int]]] = {}
    everything: dict[str, int] = {}
    values: dict[str, Callable[[Entry], tuple[str, ...]]] = {
        "omrade": lambda e: (e.area,) if e.area else (),  # the plan's own tasks: no area
        "roll": lambda e: e.participants,
        "forum": lambda e: e.forums,
        "status": lambda e: (e.status,),
        "typ": lambda e: ("uppgift" if e.kind == "task" else "mote",),
    }
    labels = {"status": AGENDA_STATUSES, "typ": AGENDA_KINDS}
    for name, of in values.items():
        others = [e for e in all_entries if _keeps(e, chosen, but=name)]
        everything[name] = len(others)
        every = sorted({v for e in all_entries for v in of(e)}, key=str.casefold)
        if name in labels:
            every = list(labels[name])
        counts = {value: 0 for value in every}
        for entry in others:
            for value in set(of(entry)):
                counts[value] = counts.get(value, 0) + 1
        if name == "roll":  # the lexicon's casefold match: one count per spelling
            counts = {value: sum(value.casefold() in {p.casefold() for p in e.participants}
                                 for e in others) for value in every}  # fmt: skip
        options[name] = [(value, labels.get(name, {}).get(value, value), counts[value])
                         for value in every]  # fmt: skip
    return Choices(**options, everything=everything)


@dataclass(frozen=True)
class Month:
    first: date
    entries: list[Entry]

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.first.month].capitalize()} {self.first.year}"

    @property
    def weeks(self) -> str:
        """The ISO weeks it spans, as "v. 18–22"."""
        numbers = [entry.week for entry in self.entries]
        return f"v. {numbers[0]}" if numbers[0] == numbers[-1] else f"v. {numbers[0]}–{numbers[-1]}"


def by_month(shown: list[Entry]) -> list[Month]:
    months: list[Month] = []
    for entry in shown:
        first = entry.day.replace(day=1)
        if not months or months[-1].first != first:
            months.append(Month(first, []))
        months[-1].entries.append(entry)
    return months
