"""Reading När texts: what each phrase says, what cannot be read, and that nothing breaks it.

Robustness is tested on arbitrary text and on arbitrary heaps of Swedish cadence words: parsing,
placing and describing never raise, and ten thousand characters of noise come back at once.
"""

from __future__ import annotations

import json
import random
import string
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.cadence import (
    AS_NEEDED,
    CONTINUOUS,
    DEADLINE,
    RECURRING,
    TRIGGERED,
    UNSPECIFIED,
    Cadence,
    CalendarPolicy,
    MonthDay,
    SeriesSpec,
    blocked_days,
    describe_cadence,
    parse_when,
    place_cadence,
    year_calendar,
)
from scheduler.settings.model import Calendar
from tests.test_cadence_place import assert_series_is_its_rule

POLICY = CalendarPolicy.from_section(Calendar())


def only(text: str) -> SeriesSpec:
    (series,) = parse_when(text).series
    return series


# The main kind of a combined När.
@pytest.mark.parametrize(
    ("kinds", "main"),
    [
        ({RECURRING, AS_NEEDED, CONTINUOUS}, RECURRING),
        ({DEADLINE, CONTINUOUS}, DEADLINE),
        ({RECURRING, DEADLINE}, RECURRING),
        ({TRIGGERED, AS_NEEDED}, TRIGGERED),
        ({AS_NEEDED, CONTINUOUS}, AS_NEEDED),
        ({CONTINUOUS}, CONTINUOUS),
        (set(), UNSPECIFIED),
    ],
)
def test_the_main_kind_follows_the_documented_order(kinds: set[str], main: str) -> None:
    cadence = Cadence("", frozenset(kinds))
    assert cadence.kind == main
    assert cadence.as_needed == (AS_NEEDED in kinds)
    assert cadence.continuous == (CONTINUOUS in kinds)


@pytest.mark.parametrize(
    ("text", "count", "per"),
    [
        ("4 ggr/år", 4, "year"),
        ("fyra gånger per år", 4, "year"),
        ("en gång i månaden", 1, "month"),
        ("En gång/månad", 1, "month"),
        ("2 ggr/termin", 2, "term"),
        ("en gång per halvår", 1, "half_year"),
        ("3 ggr/kvartal", 3, "quarter"),
        ("en gång per tertial", 1, "tertial"),
        ("2 ggr/vecka", 2, "week"),
        ("två gånger om dagen", 2, "day"),
        ("4/år", 4, "year"),
        ("1 g/mån", 1, "month"),
        ("6 ggr under läsåret", 6, "year"),
        ("månadsvis", 1, "month"),
        ("kvartalsvis", 1, "quarter"),
        ("årligen", 1, "year"),
        ("veckovis", 1, "week"),
        ("dagligen", 1, "day"),
        ("terminsvis", 1, "term"),
        ("halvårsvis", 1, "half_year"),
        ("varje vecka", 1, "week"),
        ("ett par gånger per termin", 2, "term"),
        ("Tolv gånger per år", 12, "year"),
    ],
)
def test_a_count_per_period_is_read_in_digits_and_words(text: str, count: int, per: str) -> None:
    series = only(text)
    assert (series.count, series.per, series.interval) == (count, per, 1)


@pytest.mark.parametrize(
    ("text", "per", "interval", "weekday"),
    [
        ("varannan vecka", "week", 2, None),
        ("var tredje månad", "month", 3, None),
        ("var 14:e dag", "day", 14, None),
        ("var fjärde vecka", "week", 4, None),
        ("varannan onsdag", "week", 2, "WE"),
        ("varje måndag", "week", 1, "MO"),
        ("tisdagar", "week", 1, "TU"),
        ("vartannat år", "year", 2, None),
    ],
)
def test_every_other_and_every_third_are_intervals(
    text: str, per: str, interval: int, weekday: str | None
) -> None:
    series = only(text)
    assert (series.per, series.interval, series.weekday) == (per, interval, weekday)


@pytest.mark.parametrize(
    ("text", "ordinal", "weekday", "per"),
    [
        ("första tisdagen varje månad", 1, "TU", "month"),
        ("sista torsdagen i månaden", -1, "TH", "month"),
        ("Den andra onsdagen i månaden", 2, "WE", "month"),
        ("3:e måndagen varje månad", 3, "MO", "month"),
        ("näst sista fredagen i månaden", -2, "FR", "month"),
    ],
)
def test_an_ordinal_weekday_of_the_month(text: str, ordinal: int, weekday: str, per: str) -> None:
    series = only(text)
    assert (series.ordinal, series.weekday, series.per) == (ordinal, weekday, per)


def test_a_clock_time_and_a_length_are_read() -> None:
    assert only("Varannan onsdag kl 13").time == (13, 0)
    series = only("Andra tisdagen i månaden kl. 9.30-11")
    assert (series.time, series.duration_minutes) == ((9, 30), 90)
    assert only("Måndagar 13:00-14:30").duration_minutes == 90


def test_named_months_weeks_and_dates_make_a_series() -> None:
    assert only("i mars och oktober").months == (3, 10)
    assert only("Mars, juni och oktober").count == 3
    assert only("Vecka 12 och 38").iso_weeks == (12, 38)
    assert only("v. 10-12").iso_weeks == (10, 11, 12)
    assert only("12/3 och 8/10").dates == (MonthDay(3, 12), MonthDay(10, 8))
    assert only("Årligen i maj").months == (5,)


def test_a_window_limits_a_series() -> None:
    series = only("Två gånger under våren 2025")
    assert series.windows == ((MonthDay(3, 1), MonthDay(6, 15)),)
    assert series.year == 2025 and series.count == 2
    both = only("2 ggr/år, en på våren och en på hösten")
    assert len(both.windows) == 2
    assert only("Månadsvis utom juli").excluded_months == (7,)
    assert only("Varje månad förutom sommaren").excluded_months == (6, 7, 8)


@pytest.mark.parametrize(
    ("text", "start", "end", "year", "week"),
    [
        ("Våren 2024", (3, 1), (6, 15), 2024, None),
        ("hösten", (8, 1), (11, 30), None, None),
        ("Under sommaren", (6, 1), (8, 31), None, None),
        ("Q3", (7, 1), (9, 30), None, None),
        ("kvartal 1 2026", (1, 1), (3, 31), 2026, None),
        ("tertial 2", (5, 1), (8, 31), None, None),
        ("T3", (9, 1), (12, 31), None, None),
        ("första halvåret", (1, 1), (6, 30), None, None),
        ("senast 31 mars 2025", (3, 31), (3, 31), 2025, None),
        ("2025-03-31", (3, 31), (3, 31), 2025, None),
        ("till 15/6", (6, 15), (6, 15), None, None),
        ("Senast vecka 40", (1, 1), (12, 31), None, 40),
        ("v. 12", (1, 1), (12, 31), None, 12),
        ("i maj", (5, 1), (5, 31), None, None),
        ("före sommaren", (1, 1), (6, 14), None, None),  # the end of the spring term
        ("VT25", (1, 15), (6, 14), 2025, None),
    ],
)
def test_a_deadline_window(
    text: str, start: tuple[int, int], end: tuple[int, int], year: int | None, week: int | None
) -> None:
    cadence = parse_when(text)
    assert cadence.kind == DEADLINE
    assert cadence.deadline is not None
    assert (cadence.deadline.start, cadence.deadline.end) == (MonthDay(*start), MonthDay(*end))
    assert (cadence.deadline.year, cadence.deadline.iso_week) == (year, week)


def test_a_deadline_then_continuous_work() -> None:
    cadence = parse_when("Påbörja implementering våren 2024 för att sedan användas kontinuerligt")
    assert cadence.kinds == frozenset({DEADLINE, CONTINUOUS})
    assert cadence.deadline is not None and cadence.deadline.description == "våren 2024"


@pytest.mark.parametrize(
    "text", ["4 ggr/år samt vid behov", "4 ggr/år och vid behov", "4 ggr/år/vid behov"]
)
def test_as_needed_joins_a_count_in_every_spelling(text: str) -> None:
    cadence = parse_when(text)
    assert cadence.kinds == frozenset({RECURRING, AS_NEEDED})
    assert only(text).count == 4


def test_a_breakdown_in_parentheses_is_the_series_not_the_total() -> None:
    cadence = parse_when("Möten 8 ggr/år (4 ggr/år mellan- och högstadiet och 4 ggr/år gymnasiet)")
    assert [(s.label, s.count, s.school_bound) for s in cadence.series] == [
        ("Mellan- och högstadiet", 4, True),
        ("Gymnasiet", 4, True),
    ]
    assert cadence.warnings == ()


def test_a_breakdown_that_does_not_add_up_is_planned_with_a_warning() -> None:
    cadence = parse_when("Möten 10 ggr/år (4 ggr/år för högstadiet och 4 ggr/år för gymnasiet)")
    assert [s.count for s in cadence.series] == [4, 4]
    assert any("10" in w and "8" in w for w in cadence.warnings)


def test_a_wrapped_cell_reads_like_a_joined_one() -> None:
    wrapped = "Möten 8 ggr/år (4\nggr/år mellan- och\nhögstadiet och 4 ggr/år\ngymnasiet)"
    assert [s.label for s in parse_when(wrapped).series] == ["Mellan- och högstadiet", "Gymnasiet"]
    lines = "Styrgrupp 4 ggr/år\nArbetsgrupp varannan vecka"
    assert [s.label for s in parse_when(lines).series] == ["Styrgrupp", "Arbetsgrupp"]


def test_forums_named_after_a_plural_noun_are_separate_series() -> None:
    cadence = parse_when("4 ggr/år för forumen Fridhemsplan och Stadshagen.")
    assert [s.label for s in cadence.series] == ["Fridhemsplan", "Stadshagen"]
    one = parse_when("3 ggr/år för Hornsbergs- och Kristinebergs strand.")
    assert len(one.series) == 1  # a shared compound is one place


def test_a_restatement_is_not_a_second_series() -> None:
    assert len(parse_when("2 ggr/termin, dvs 4 ggr/år").series) == 1


def test_school_and_seasonal_words_mark_a_series() -> None:
    assert only("4 ggr/år med eleverna").school_bound
    assert only("SSP 2 ggr/termin").school_bound
    assert not only("4 ggr/år med förskolan").school_bound  # förskola runs all year
    assert only("3 ggr/år, säsongsbetonat").seasonal
    assert only("varje vecka under sommarhalvåret").seasonal


def test_a_count_without_a_period_is_per_year_and_says_so() -> None:
    cadence = parse_when("Möten 4 gånger")
    assert (cadence.series[0].count, cadence.series[0].per) == (4, "year")
    assert any("per år" in w for w in cadence.warnings)


def test_every_other_year_is_planned_this_year_and_says_so() -> None:
    cadence = parse_when("Vartannat år")
    assert (cadence.series[0].per, cadence.series[0].interval) == ("year", 2)
    assert any("planåret" in w for w in cadence.warnings)


def test_a_range_of_counts_plans_the_lower_and_says_so() -> None:
    cadence = parse_when("3-4 ggr/år")
    assert cadence.series[0].count == 3
    assert any("3–4" in w for w in cadence.warnings)


@pytest.mark.parametrize("text", ["Se bilaga", "Enligt överenskommelse", "xyz", "   ", ""])
def test_unreadable_text_is_unspecified_with_a_swedish_warning_quoting_it(text: str) -> None:
    cadence = parse_when(text)
    assert cadence.kind == UNSPECIFIED
    assert cadence.series == () and cadence.deadline is None
    (warning,) = cadence.warnings
    assert text.strip() in warning
    assert "När" in warning


def test_partly_readable_text_is_read_and_the_rest_reported() -> None:
    cadence = parse_when("Möten 4 ggr/år. Dessutom 3 tillf. enl. ök.")
    assert cadence.kind == RECURRING and cadence.partial
    assert any("Dessutom 3" in w for w in cadence.warnings)


def test_an_impossible_date_is_reported_not_planned() -> None:
    cadence = parse_when("senast 31/2")
    assert cadence.kind == UNSPECIFIED
    assert any('"31/2"' in w for w in cadence.warnings)


def test_long_text_is_read_up_to_a_limit_and_says_so() -> None:
    cadence = parse_when("4 ggr/år " + "och mycket mer text " * 100)
    assert cadence.kind == RECURRING
    assert any("tecken" in w for w in cadence.warnings)


# Robustness: whatever arrives, nothing raises and nothing hangs.
WORDS = [
    "en", "två", "tre", "fyra", "4", "12", "0", "99", "999", "gång", "gånger", "ggr", "per",
    "/", "i", "om", "varje", "varannan", "var", "tredje", "första", "sista", "näst",
    "vecka", "veckan", "v.", "v", "månad", "månaden", "kvartal", "tertial", "termin", "halvår",
    "år", "året", "dag", "dagligen", "månadsvis", "kvartalsvis", "årligen", "veckovis",
    "måndag", "tisdagen", "fredagar", "lördag", "mars", "oktober", "juli", "december", "våren",
    "hösten", "sommaren", "vintern", "VT", "HT25", "2024", "2025", "2026", "1899", "Q2", "T1",
    "vid", "behov", "samt", "och", "löpande", "kontinuerligt", "akuta", "efter", "incident",
    "senast", "till", "från", "utom", "15/6", "31/2", "2025-03-31", "2025-02-30", "(", ")",
    ",", ".", ";", "\n", "kl", "13", "25:00", "-", "säsongsbetonat", "gymnasiet", "för",
    "forumen", "Fridhemsplan", "Stadshagen", "vecka 53", "53", "dvs", "minst", "ca",
]  # fmt: skip
cadence_words = st.lists(st.sampled_from(WORDS), max_size=16).map(" ".join)


def _placed_anywhere(text: str, year: int) -> None:
    """Parse, place and describe `text`: no exception, sane dates, JSON out."""
    cadence = parse_when(text)
    schedule = place_cadence(cadence, year=year, policy=POLICY, title="SSP")
    closed = blocked_days(year, POLICY)
    for occurrence in schedule.occurrences:
        day = occurrence.start.date()
        assert day.year == year
        # Named months may open July; holidays, breaks and blackouts never open to meetings;
        # tasks and deadlines avoid holidays and blackouts, not school breaks.
        if occurrence.kind == "task":
            assert year_calendar(year, POLICY).closed_to_work(day) is None, (text, day)
        else:
            assert day not in closed or closed[day].startswith("inga möten"), (text, day)
    for series in schedule.series:
        assert_series_is_its_rule(series)
    json.dumps(describe_cadence(text, year=year, policy=POLICY))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200), year=st.integers(2020, 2030))
def test_arbitrary_text_never_breaks_anything(text: str, year: int) -> None:
    _placed_anywhere(text, year)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=cadence_words, year=st.sampled_from([2024, 2025, 2026]))
def test_any_heap_of_cadence_words_never_breaks_anything(text: str, year: int) -> None:
    _placed_anywhere(text, year)


def _noise() -> list[str]:
    rng = random.Random(2024)
    letters = string.ascii_letters + string.digits + "åäöÅÄÖ /()-.,:"
    return [
        "1 gång " * 1500,
        "".join(rng.choice(letters) for _ in range(10_000)),
        "(" * 10_000,
        "(" * 5_000 + ")" * 5_000,
        "vecka " * 1700,
        "v. 1, " * 1700,
        "4 ggr/år för forumen " * 500,
        "a" * 10_000,
        "1" * 10_000,
        "första " * 1500,
        "varannan " * 1100,
        "2025-01-01 " * 900,
        "kl 13-" * 1700,
    ]


@pytest.mark.parametrize("noise", _noise(), ids=lambda n: f"{n[:12]!r}×{len(n)}")
def test_ten_thousand_characters_of_noise_come_back_quickly(noise: str) -> None:
    started = time.perf_counter()
    cadence = parse_when(noise)
    json.dumps(describe_cadence(noise, year=2025, policy=POLICY))
    # A guard against runaway regex backtracking (which takes minutes), not a speed target:
    # the time is measured in bench/ (~10 ms); the bound is wide so a busy machine never trips it.
    assert time.perf_counter() - started < 15.0
    assert any("tecken" in w for w in cadence.warnings)
