"""The real plan: every När of the Kungsholmen 2024 seed reads and places as the plan means it.

Phrases are copied verbatim from the seed text (tests/data/atgardsplan-2024.txt), wrapped
lines joined with spaces; titles and actions are the measures' own, because they decide meeting
or task and school terms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import cast

import pytest

from scheduler.cadence import (
    AS_NEEDED,
    CONTINUOUS,
    DEADLINE,
    DEADLINE_LABEL,
    RECURRING,
    TRIGGERED,
    UNSPECIFIED,
    CalendarPolicy,
    PlacedDate,
    describe_cadence,
    parse_when,
    place_cadence,
)
from scheduler.settings.model import Calendar
from tests.support.seed import SEED_TEXT
from tests.test_cadence_place import assert_all_open, assert_series_is_its_rule

POLICY = CalendarPolicy.from_section(Calendar())
PLAN_YEAR = 2024
SPRING_TERM = (date(2024, 1, 15), date(2024, 6, 14))
AUTUMN_TERM = (date(2024, 8, 20), date(2024, 12, 20))


@dataclass(frozen=True)
class Row:
    title: str
    when: str
    kind: str
    occurrences: tuple[int, int]  # in 2024: at least, at most
    kinds: frozenset[str]
    labels: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()  # per series, in label order
    work: str | None = None  # meeting or task
    action: str = ""


SSP_WHEN = "Möten 8 ggr/år (4 ggr/år mellan- och högstadiet och 4 ggr/år gymnasiet)"
PLATSSAMVERKAN_WHEN = (
    "4 ggr/år för forumen Fridhemsplan och Stadshagen. 3 ggr/år för Hornsbergs- och "
    "Kristinebergs strand på grund av mer säsongsbetonat behov."
)
POINTSURVEY_WHEN = (
    "Påbörja implementering och utbildning till relevanta aktörer våren 2024 för att sedan "
    "användas kontinuerligt"
)

ROWS = [
    Row("SSP", SSP_WHEN, RECURRING, (8, 8), frozenset({RECURRING}),
        ("Mellan- och högstadiet", "Gymnasiet"), (4, 4), "meeting",
        "Nätverksmöten för skola, socialtjänst och polis (SSP). Fokus på mötena ska främst vara "
        "att besluta om konkreta åtgärder utifrån lägesbild på regional och lokal nivå."),
    Row("Samverkan mellan polis och fältassistenter", "Vid behov", AS_NEEDED, (0, 0),
        frozenset({AS_NEEDED})),
    Row("Nytt samverkansforum gällande unga med risk för destruktivt beteende",
        "En gång/månad", RECURRING, (11, 12), frozenset({RECURRING}), work="meeting",
        action="Nytt samverkansforum polis och socialtjänst"),
    Row("ANDTS-programmet", "", UNSPECIFIED, (0, 0), frozenset({UNSPECIFIED})),
    Row("Platsaktivering/platssamverkan", "", UNSPECIFIED, (0, 0), frozenset({UNSPECIFIED})),
    Row("Nyhetsbrev", "En gång/månad", RECURRING, (11, 12), frozenset({RECURRING}), work="task",
        action="Nyhetsbrev till förskola, skola, fastighetsägare och andra aktörer"),
    Row("Kungsholmens trygghets- och säkerhetsråd", "Möten 4 ggr/år", RECURRING, (4, 4),
        frozenset({RECURRING}), work="meeting"),
    Row("EST", "2 ggr/månad", RECURRING, (20, 24), frozenset({RECURRING}), work="meeting",
        action="Effektiv samordning för trygghet (EST)"),
    Row("Trygghetsvandring", "2 ggr/år", RECURRING, (2, 2), frozenset({RECURRING}),
        work="meeting", action="Trygghetsvandringar"),
    Row("Platssamverkan", PLATSSAMVERKAN_WHEN, RECURRING, (11, 11), frozenset({RECURRING}),
        ("Fridhemsplan", "Stadshagen", "Hornsbergs- och Kristinebergs strand"), (4, 4, 3),
        "meeting", "Platssamverkan"),
    Row("Platsaktivering", "Kontinuerligt under året", CONTINUOUS, (0, 0),
        frozenset({CONTINUOUS})),
    Row("Kartläggning ÖDS", "En gång per år/vid behov", RECURRING, (1, 1),
        frozenset({RECURRING, AS_NEEDED}), counts=(1,), work="task"),
    Row("PointSurvey", POINTSURVEY_WHEN, DEADLINE, (1, 1), frozenset({DEADLINE, CONTINUOUS})),
    Row("Nattvandring", "Våren 2024", DEADLINE, (1, 1), frozenset({DEADLINE}),
        action="Starta nattvandring"),
    Row("Bedrägerier/Äldre", "Kontinuerligt under året", CONTINUOUS, (0, 0),
        frozenset({CONTINUOUS})),
    Row("Bedrägerier/Funktionshindrade", "Kontinuerligt under året", CONTINUOUS, (0, 0),
        frozenset({CONTINUOUS})),
    Row("Våld i nära relation/Islandsmodellen", "Akuta situationer med barn närvarande",
        TRIGGERED, (0, 0), frozenset({TRIGGERED})),
    Row("Våld i nära relation/Vuxna",
        "Socialsekreterare samsitter och deltar aktivt i det dagliga arbetet hos polisen.",
        CONTINUOUS, (0, 0), frozenset({CONTINUOUS})),
    Row("Våld i nära relation/Våldsutövare",
        "Alla våldsutövare ska erbjudas motiverande samtal med socialsekreterare.",
        TRIGGERED, (0, 0), frozenset({TRIGGERED})),
    Row("Våld i nära relation/Våldsutsatta",
        "Alla våldsutsatta erbjuds stöd och motiverande samtal.",
        TRIGGERED, (0, 0), frozenset({TRIGGERED})),
    Row("Våld i nära relation/Barn",
        "Vid kontakter med våldsutövare och våldsutsatta hos polisen",
        TRIGGERED, (0, 0), frozenset({TRIGGERED})),
    Row("Våld i nära relation/Barn", "Kontinuerligt under året", CONTINUOUS, (0, 0),
        frozenset({CONTINUOUS}), action="Öka samarbetet mellan socialtjänst och förskola."),
    Row("Avhopparverksamhet", "Löpande under året", CONTINUOUS, (0, 0),
        frozenset({CONTINUOUS})),
]  # fmt: skip


def by_title(title: str) -> Row:
    return next(row for row in ROWS if row.title == title)


def test_every_phrase_is_verbatim_from_the_seed() -> None:
    seed = " ".join(SEED_TEXT.read_text(encoding="utf-8").split())
    for row in ROWS:
        assert row.when in seed, row.when


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.title[:30]}: {r.when[:30]}")
def test_a_seed_phrase_reads_as_the_plan_means_it(row: Row) -> None:
    cadence = parse_when(row.when)
    assert cadence.kind == row.kind
    assert cadence.kinds == row.kinds
    assert not cadence.partial
    if row.labels:
        assert tuple(s.label for s in cadence.series) == row.labels
    if row.counts:
        assert tuple(s.count for s in cadence.series) == row.counts
        assert {s.per for s in cadence.series} == {"year"}
    if row.kind == UNSPECIFIED:
        assert cadence.warnings


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.title[:30]}: {r.when[:30]}")
def test_a_seed_phrase_places_as_the_plan_means_it_in_2024(row: Row) -> None:
    schedule = place_cadence(
        parse_when(row.when), year=PLAN_YEAR, policy=POLICY, title=row.title, action=row.action
    )
    low, high = row.occurrences
    assert low <= len(schedule.occurrences) <= high
    if row.labels:
        assert tuple(s.label for s in schedule.series) == row.labels
        assert tuple(len(s.occurrences) for s in schedule.series) == row.counts
    if row.work:
        assert {o.kind for o in schedule.occurrences} == {row.work}
    for series in schedule.series:
        assert_series_is_its_rule(series)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_no_seed_occurrence_falls_on_a_closed_day_in_any_year(year: int) -> None:
    for row in ROWS:
        schedule = place_cadence(
            parse_when(row.when), year=year, policy=POLICY, title=row.title, action=row.action
        )
        assert_all_open(schedule, year)
        for occurrence in schedule.occurrences:
            day = occurrence.start.date()
            assert day.month != 7
            assert not (day.month == 12 and day.day >= 24)
            assert not (day.month == 1 and day.day <= 6)
        for series in schedule.series:
            assert_series_is_its_rule(series)


def test_ssp_is_two_series_of_four_with_two_meetings_a_term_each() -> None:
    row = by_title("SSP")
    schedule = place_cadence(parse_when(row.when), year=PLAN_YEAR, policy=POLICY, title=row.title)
    assert len(schedule.series) == 2  # eight in all, not sixteen
    for series in schedule.series:
        days = [o.start.date() for o in series.occurrences]
        assert sum(SPRING_TERM[0] <= d <= SPRING_TERM[1] for d in days) == 2
        assert sum(AUTUMN_TERM[0] <= d <= AUTUMN_TERM[1] for d in days) == 2
    first, second = (set(o.start.date() for o in s.occurrences) for s in schedule.series)
    assert not first & second  # the two school levels do not meet on the same day


def test_trygghetsvandring_is_once_in_spring_and_once_in_autumn() -> None:
    row = by_title("Trygghetsvandring")
    spring, autumn = (o.start.date() for o in _occurrences(row))
    assert 3 <= spring.month <= 6
    assert 8 <= autumn.month <= 11


def test_platssamverkan_puts_the_seasonal_forum_in_the_warm_months() -> None:
    row = by_title("Platssamverkan")
    cadence = parse_when(row.when)
    assert [s.seasonal for s in cadence.series] == [False, False, True]
    schedule = place_cadence(cadence, year=PLAN_YEAR, policy=POLICY, title=row.title)
    strand = schedule.series[2]
    assert all(4 <= o.start.month <= 10 for o in strand.occurrences)


def test_the_spring_deadlines_are_due_in_spring_on_an_open_working_day() -> None:
    for title in ("PointSurvey", "Nattvandring"):
        schedule = place_cadence(parse_when(by_title(title).when), year=PLAN_YEAR, policy=POLICY)
        assert schedule.deadline is not None
        assert date(2024, 3, 1) <= schedule.deadline <= date(2024, 6, 30)
        assert schedule.deadline.weekday() < 5
        (series,) = schedule.series
        assert series.label == DEADLINE_LABEL and series.kind == "task"


def test_a_spring_2024_deadline_is_kept_but_not_dated_in_2025() -> None:
    schedule = place_cadence(parse_when(by_title("Nattvandring").when), year=2025, policy=POLICY)
    assert schedule.occurrences == ()
    assert schedule.deadline is not None and schedule.deadline.year == 2024
    assert schedule.warnings


def test_the_describe_contract_for_every_seed_phrase() -> None:
    for row in ROWS:
        described = describe_cadence(row.when, year=PLAN_YEAR, policy=POLICY)
        assert set(described) == {
            "text", "kind", "as_needed", "continuous", "deadline", "occurrences", "series",
            "warnings", "partial",
            # issue 23: the reading's parts, added beside the keys above
            "parts", "deadline_period", "valid_years", "words_used", "words_not_used",
        }  # fmt: skip
        assert described["words_not_used"] == []  # every seed phrase is read whole
        assert described["text"] == row.when and described["kind"] == row.kind
        series = described["series"]
        assert isinstance(series, list)
        assert described["occurrences"] == sum(len(s["dates"]) for s in series)
        for item in series:
            assert set(item) == {"label", "count", "per", "interval", "rrule", "dates"}
        json.dumps(described)


def test_describe_ssp_in_2024() -> None:
    described = describe_cadence(by_title("SSP").when, year=PLAN_YEAR, policy=POLICY)
    assert described["kind"] == "recurring" and described["occurrences"] == 8
    assert described["deadline"] is None
    series = cast(list[dict[str, object]], described["series"])
    assert [s["label"] for s in series] == ["Mellan- och högstadiet", "Gymnasiet"]


def _occurrences(row: Row) -> list[PlacedDate]:
    schedule = place_cadence(
        parse_when(row.when), year=PLAN_YEAR, policy=POLICY, title=row.title, action=row.action
    )
    return list(schedule.occurrences)
