"""The golden corpus (issue 12): hundreds of real-sounding När phrases, each with its expected
kinds, occurrences, constraint and warnings (tests/cadence_corpus.tsv), and property tests that
assert what a reading means: a count per year gives that many dates, a named weekday is kept,
every date is inside the plan year, a named month holds the dates, unused words are quoted.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.base.swedish import MONTH_NAMES, WEEKDAY_CODES, WEEKDAY_NAMES
from scheduler.cadence import (
    DEADLINE_LABEL,
    Cadence,
    CalendarPolicy,
    PlacedCadence,
    blocked_days,
    parse_when,
    place_cadence,
    year_calendar,
)
from scheduler.cadence.calendar import is_working_day
from scheduler.cadence.periods import resolve_periods
from scheduler.settings.model import Calendar
from tests.test_cadence_place import assert_series_is_its_rule

CORPUS: Final = Path(__file__).with_name("cadence_corpus.tsv")
YEAR: Final = 2025
POLICY: Final = CalendarPolicy.from_section(Calendar())

# Warning keys of the corpus → a phrase every such warning contains.
WARNING_KEYS: Final[dict[str, str]] = {
    "senast": "läses som en tidsfrist",  # a deadline from a bare season
    "datera": "att datera",  # a named occasion no one can date
    "oläst": "Delvis tolkat",  # words the reading did not use
    "otolkad": "inga datum planeras",  # nothing readable ("Kunde inte tolka", "Inget annat i")
    "per år": "säger inte per vad",
    "hur ofta": "säger inte hur ofta",
    "intervall": "resten får läggas vid behov",
    "vartannat": "kontrollera att det är rätt år",
    "finns inte": "finns inte; det ignoreras",
    "totalen": "Totalen",
    "skollov": "kalendern håller skollov stängda",
    # issue 23
    "alternativ": "anger alternativ",
    "giltighet": "säger hur länge åtgärden gäller",
    "utanför åren": "inte planåret",
    "stängda dagar": "dagar som kalendern stänger",
    "stryks": "kunde inte flyttas till en öppen dag och stryks",
    "en dag": "den första av dagarna texten nämner",
}


@dataclass(frozen=True)
class Row:
    text: str
    kinds: frozenset[str]
    low: int
    high: int
    constraint: dict[str, str]
    warnings: tuple[str, ...]
    line: int


def corpus_rows(path: Path) -> list[Row]:
    """The rows of a corpus file in this format (tests/cadence_corpus*.tsv)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        text, kinds, count, constraint, warnings = line.split("\t")
        low, _, high = count.partition("-")
        pairs = [] if constraint == "-" else [c.split("=", 1) for c in constraint.split(";")]
        rows.append(
            Row(
                text,
                frozenset(kinds.split("+")),
                int(low),
                int(high or low),
                {key: value for key, value in pairs},
                () if warnings == "-" else tuple(warnings.split(";")),
                number,
            )
        )
    return rows


ROWS: Final = corpus_rows(CORPUS)


def _reading(text: str) -> tuple[Cadence, PlacedCadence, Cadence]:
    cadence = parse_when(text)
    schedule = place_cadence(cadence, year=YEAR, policy=POLICY)
    return cadence, schedule, resolve_periods(cadence, year=YEAR, policy=POLICY)


def _nth(day: date) -> tuple[int, int]:
    """Which weekday of its month `day` is, counted from the start (1, 2 …) and the end (-1 …)."""
    last = calendar.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 + 1, -((last - day.day) // 7 + 1)


def _inside(day: date, window: str) -> bool:
    start, end = (date.fromisoformat(f"{YEAR}-{part}") for part in window.split(".."))
    return start <= day <= end if start <= end else (day >= start or day <= end)


def test_the_corpus_holds_at_least_300_phrases_and_the_issues_examples() -> None:
    texts = {row.text for row in ROWS}
    assert len(ROWS) >= 300 and len(texts) == len(ROWS)
    for example in (
        "Veckovis under sommarlovet",
        "Första veckan i varje kvartal",
        "En gång på våren och en på hösten",
        "Under våren och hösten",
        "Vår och höst 2025",
        "Vecka 12 och vecka 40",
        "Vår och höst",
        "Vid en händelse",
        "När en händelse inträffar",
        "Vid allvarliga händelser",
        "Sista fredagen i månaden",
        "Var tredje månad",
        "Under valrörelsen",
        "Vid Kulturnatten",
        "Höstterminen",
        "Under vårterminen",
        "En gång under jullovet",
        "Varje vecka under terminerna",
    ):
        assert example in texts, example


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.line}: {r.text[:40]}")
def test_a_corpus_phrase_reads_and_places_as_written(row: Row) -> None:
    check_row(row)


def check_row(row: Row, *, placed_warnings: bool = False) -> None:
    """The row's reading and placement in 2025 are the ones it names. `placed_warnings`: the
    row names every warning of the placement too (moved and dropped days), not only those of
    the reading and its school periods."""
    cadence, schedule, resolved = _reading(row.text)
    assert cadence.kinds == row.kinds
    occurrences = schedule.occurrences
    assert row.low <= len(occurrences) <= row.high, [str(o.start.date()) for o in occurrences]
    _check_constraint(row, cadence, schedule)
    _check_warnings(row, cadence, schedule if placed_warnings else resolved)
    closed = blocked_days(YEAR, POLICY)
    work = year_calendar(YEAR, POLICY)  # the days closed to tasks: holidays and blackouts
    opens_months = "months" in row.constraint or "between" in row.constraint
    for occurrence in occurrences:
        day = occurrence.start.date()
        assert day.year == YEAR
        if occurrence.kind == "task":
            # Tasks and deadlines avoid weekends, holidays and blackouts, not school breaks.
            assert is_working_day(day, POLICY), (day, work.closed_to_work(day))
            continue
        reason = closed.get(day, "")
        assert not reason or (opens_months and reason.startswith("inga möten")), (day, reason)
    for series in schedule.series:
        assert_series_is_its_rule(series)


def _check_constraint(row: Row, cadence: Cadence, schedule: PlacedCadence) -> None:
    expected = row.constraint
    first = cadence.series[0] if cadence.series else None
    dated = [o for s in schedule.series if s.label != DEADLINE_LABEL for o in s.occurrences]
    days = [o.start.date() for o in dated]
    unmoved = [o.start.date() for o in dated if o.moved_from is None]
    if "per" in expected:
        assert first is not None
        assert (first.per, str(first.count)) == (expected["per"], expected["count"])
        assert first.interval == int(expected.get("interval", "1"))
    else:
        assert first is None or not days
    if "series" in expected:
        assert len(cadence.series) == int(expected["series"])
    if "labels" in expected:
        assert tuple(s.label for s in cadence.series) == tuple(expected["labels"].split("|"))
    if "day" in expected:
        named = set(expected["day"].split(","))
        assert unmoved and {WEEKDAY_CODES[d.weekday()] for d in unmoved} <= named
    if "nth" in expected:
        nth = int(expected["nth"])
        assert unmoved and all(nth in _nth(d) for d in unmoved), unmoved
    if "months" in expected:
        months = {int(m) for m in expected["months"].split(",")}
        assert days and {d.month for d in days} == months
    if "between" in expected:
        assert days and all(_inside(d, expected["between"]) for d in days), days
    if "weeks" in expected:
        weeks = {int(w) for w in expected["weeks"].split(",")}
        assert {d.isocalendar().week for d in days} == weeks
    if "dates" in expected:
        assert sorted(f"{d:%m-%d}" for d in days) == expected["dates"].split(",")
    if "deadline" in expected:
        assert schedule.deadline == date.fromisoformat(expected["deadline"])
    if "at" in expected:
        assert dated and {f"{o.start:%H:%M}" for o in dated} == {expected["at"]}
    # The reading's parts (issue 23), of the first series.
    if "activity" in expected:
        assert first is not None and first.activity_kind == expected["activity"]
    if "alternatives" in expected:
        assert first is not None
        assert [c for c, _, _ in first.alternatives] == _numbers(expected["alternatives"])
    if "range" in expected:
        assert first is not None and [first.count, first.upper] == _numbers(expected["range"])
    if "part" in expected:
        assert first is not None and first.daypart == expected["part"]
    if "valid" in expected:
        assert cadence.valid_years == tuple(_numbers(expected["valid"]))


def _numbers(text: str) -> list[int]:
    return [int(n) for n in text.split(",")]


def _check_warnings(row: Row, cadence: Cadence, resolved: Cadence | PlacedCadence) -> None:
    assert cadence.partial == ("partial" in row.warnings)
    if not row.warnings:
        assert resolved.warnings == ()
    for key in row.warnings:
        if key != "partial":
            assert any(WARNING_KEYS[key] in w for w in resolved.warnings), (key, resolved.warnings)
    # Every warning of the reading is one the corpus row names.
    for warning in resolved.warnings:
        assert any(WARNING_KEYS[k] in warning for k in row.warnings if k != "partial"), warning


# Properties: what a reading means, on phrases built from their parts.
WORK_WEEKDAYS: Final = tuple(WEEKDAY_NAMES[code] for code in WEEKDAY_CODES[:5])
PER_YEAR_WORDS: Final = ("ggr/år", "gånger per år", "gånger om året", "ggr per år")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(1, 10), unit=st.sampled_from(PER_YEAR_WORDS), year=st.integers(2024, 2030))
def test_a_count_per_year_gives_that_many_dates_in_that_year(
    count: int, unit: str, year: int
) -> None:
    schedule = place_cadence(parse_when(f"{count} {unit}"), year=year, policy=POLICY)
    days = [o.start.date() for o in schedule.occurrences]
    assert len(days) == count
    assert all(d.year == year for d in days)
    assert len({d.month for d in days}) == count  # spread: never two in one month


PERIODS_PER_YEAR: Final = {"kvartal": 4, "termin": 2, "halvår": 2, "tertial": 3, "månad": 11}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(1, 2),
    unit=st.sampled_from(sorted(PERIODS_PER_YEAR)),
    year=st.integers(2024, 2030),
)
def test_a_count_per_period_gives_that_many_in_each_period(
    count: int, unit: str, year: int
) -> None:
    """ "2 ggr/termin" is four a year; "1 gång/månad" is one in each of the 11 active months."""
    schedule = place_cadence(parse_when(f"{count} ggr/{unit}"), year=year, policy=POLICY)
    days = [o.start.date() for o in schedule.occurrences]
    assert len(days) == count * PERIODS_PER_YEAR[unit]
    assert all(d.year == year and d.month != 7 for d in days)
    if unit == "månad":  # a closed day moves a meeting within its own month
        months = [d.month for d in days]
        assert {m: months.count(m) for m in set(months)} == dict.fromkeys(
            POLICY.active_months, count
        )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weekday=st.sampled_from(WORK_WEEKDAYS),
    form=st.sampled_from(("Varje {d}", "{d}ar", "Varannan {d}", "Första {d}en i månaden",
                          "Sista {d}en i månaden", "{d}ar kl 13", "Var tredje {d}")),
    year=st.integers(2024, 2030),
)  # fmt: skip
def test_a_named_weekday_is_kept_on_every_date_not_moved(
    weekday: str, form: str, year: int
) -> None:
    text = form.format(d=weekday)
    schedule = place_cadence(parse_when(text), year=year, policy=POLICY)
    assert schedule.occurrences, text
    code = next(c for c in WEEKDAY_CODES if WEEKDAY_NAMES[c] == weekday)
    for occurrence in schedule.occurrences:
        day = occurrence.start.date()
        assert day.year == year
        if occurrence.moved_from is None:
            assert WEEKDAY_CODES[day.weekday()] == code, (text, day)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    months=st.sets(st.sampled_from([1, 2, 3, 4, 5, 6, 8, 9, 10, 11]), min_size=1, max_size=4),
    year=st.integers(2024, 2030),
)
def test_named_months_hold_one_date_each_inside_the_plan_year(months: set[int], year: int) -> None:
    names = [MONTH_NAMES[m] for m in sorted(months)]
    text = "Årligen i " + (
        names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]
    )
    schedule = place_cadence(parse_when(text), year=year, policy=POLICY)
    days = [o.start.date() for o in schedule.occurrences]
    assert len(days) == len(months), (text, days)
    assert {d.month for d in days} == months and all(d.year == year for d in days)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weeks=st.sets(st.integers(2, 50), min_size=2, max_size=4), year=st.integers(2024, 2030))
def test_an_iso_week_list_gives_one_date_in_each_week(weeks: set[int], year: int) -> None:
    """Each named week has its date; a week the calendar closes (höstlov) moves it, and the
    occurrence says which week it came from."""
    ordered = sorted(weeks)
    text = ", ".join(f"vecka {w}" for w in ordered[:-1]) + f" och vecka {ordered[-1]}"
    schedule = place_cadence(parse_when(text), year=year, policy=POLICY)
    occurrences = schedule.occurrences
    assert all(o.start.year == year for o in occurrences)
    planned = [o.moved_from or o.start.date() for o in occurrences]
    assert sorted(d.isocalendar().week for d in planned) == ordered


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    noise=st.sampled_from(("blåbärssoppa", "Zyxtrum", "plingeliplong", "kvastfening")),
    base=st.sampled_from(("4 ggr/år", "Varje månad", "Vid behov", "Kontinuerligt", "Senast 31 mars")),
)  # fmt: skip
def test_an_unknown_word_is_quoted_and_makes_the_reading_partial(noise: str, base: str) -> None:
    cadence = parse_when(f"{base}, {noise}")
    assert cadence.partial
    assert any(noise in w and "Delvis tolkat" in w for w in cadence.warnings)
    clean = parse_when(base)
    assert not clean.partial and cadence.kinds == clean.kinds
