"""Placing a När in a year: a table of real-sounding phrases, DST, RRULE round trips, policy.

The table is how a coordinator writes: each row says what kind the text is, how many dated
occurrences 2025 gets, and a constraint the dates must meet (weekday, months, window).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from dateutil.rrule import rrule, rruleset, rrulestr

from scheduler.base.errors import ConfigError
from scheduler.base.time import STOCKHOLM
from scheduler.cadence import (
    AS_NEEDED,
    CONTINUOUS,
    DEADLINE,
    DEADLINE_LABEL,
    RECURRING,
    TRIGGERED,
    UNSPECIFIED,
    CalendarPolicy,
    MonthDay,
    PlacedCadence,
    PlacedSeries,
    blocked_days,
    parse_when,
    place_cadence,
    year_calendar,
)
from scheduler.cadence.calendar import is_working_day
from scheduler.model.plan import PolicyOverrides
from scheduler.settings.config import settings_from_mapping
from scheduler.settings.model import Calendar

YEAR = 2025
POLICY = CalendarPolicy.from_section(Calendar())
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def assert_series_is_its_rule(series: PlacedSeries) -> None:
    """RRULE from DTSTART, minus EXDATE, plus RDATE: exactly the series' occurrence starts."""
    rules = rruleset()
    rule = rrulestr(series.rrule, dtstart=series.dtstart)
    assert isinstance(rule, rrule)
    rules.rrule(rule)
    for day in series.exdates:
        rules.exdate(day)
    for day in series.rdates:
        rules.rdate(day)
    assert list(rules) == [o.start for o in series.occurrences], series.rrule


def assert_all_open(
    schedule: PlacedCadence,
    year: int,
    policy: CalendarPolicy = POLICY,
    *,
    inactive_ok: bool = False,
) -> None:
    """No dated occurrence outside the plan year; no meeting on a closed day or in an inactive
    month; no task on a holiday or in a blackout (school breaks close days to meetings only).

    `inactive_ok`: the text named an inactive month ("under sommaren" opens July).
    """
    closed = blocked_days(year, policy)
    calendar = year_calendar(year, policy)
    for occurrence in schedule.occurrences:
        day = occurrence.start.date()
        assert day.year == year, occurrence
        if inactive_ok and closed.get(day, "").startswith("inga möten"):
            continue
        if occurrence.kind == "task":
            assert calendar.closed_to_work(day) is None, (occurrence, calendar.closed_to_work(day))
        else:
            assert day not in closed, (occurrence, closed.get(day))
    if schedule.deadline is not None and schedule.deadline.year == year:
        assert is_working_day(schedule.deadline, policy), schedule.deadline


@dataclass(frozen=True)
class Case:
    text: str
    kind: str
    n: int | tuple[int, int]  # dated occurrences in 2025: exact, or (at least, at most)
    day: str | None = None  # every occurrence not moved is on this weekday
    nth: int | None = None  # … and is that weekday's n:th (-1: last) in its month
    months: tuple[int, ...] | None = None  # every occurrence is in these months
    between: tuple[str, str] | None = None  # every occurrence is in this window
    deadline: str | None = None  # the due date
    flags: frozenset[str] = frozenset()  # which of as_needed / continuous are set
    labels: tuple[str, ...] | None = None  # labels of the recurring series
    work: str | None = None  # "meeting" or "task"
    at: str | None = None  # local start time of meetings, "HH:MM"
    minutes: int | None = None  # meeting length
    extra: dict[str, Any] = field(default_factory=dict)


def case(text: str, kind: str, n: int | tuple[int, int], **constraints: Any) -> Any:
    flags = frozenset(constraints.pop("flags", ()))
    return pytest.param(Case(text, kind, n, flags=flags, **constraints), id=text[:50])


R, D, C, A, T, U = RECURRING, DEADLINE, CONTINUOUS, AS_NEEDED, TRIGGERED, UNSPECIFIED
SPRING, AUTUMN = (3, 4, 5, 6), (8, 9, 10, 11)
WARM = (4, 5, 6, 8, 9, 10)
ACTIVE = (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)
QUARTERLY = (2, 5, 9, 11)
WEEKLY = (38, 47)  # Tuesdays of the active months, less sportlov, påsklov, höstlov, holidays

CASES = [
    # Counts per year, in digits and words.
    case("Styrgruppsmöte en gång per kvartal", R, 4, day="TU", nth=2, months=QUARTERLY),
    case("4 ggr/år", R, 4, day="TU", months=QUARTERLY),
    case("fyra gånger per år", R, 4, months=QUARTERLY),
    case("Fyra gånger om året", R, 4, months=QUARTERLY),
    case("Möten fyra gånger per år", R, 4, months=QUARTERLY, work="meeting"),
    case("Två gånger per år", R, 2, months=(4, 10)),
    case("2 ggr per år, vår och höst", R, 2, months=(3, 4, 5, 6, 8, 9, 10, 11)),  # in the seasons
    case("Tre gånger per år", R, 3, months=(2, 5, 10)),
    case("3 ggr/år", R, 3, months=(2, 5, 10)),
    case("6 ggr/år", R, 6, day="TU", months=(2, 4, 6, 8, 10, 12)),
    case("Sex gånger per år", R, 6),
    case("En gång per år", R, 1, months=(4,)),
    case("1 gång/år", R, 1),
    case("Årligen", R, 1),
    case("Årligen i maj", R, 1, months=(5,)),
    case("En gång om året, i oktober", R, 1, months=(10,)),
    case("Årligt möte i november", R, 1, months=(11,)),
    case("Två gånger per år (mars och oktober)", R, 2, months=(3, 10)),
    case("8 ggr/år", R, 8, day="TU"),
    case("Åtta gånger per år", R, 8),
    case("10 ggr per år", R, 10),
    case("Tolv gånger per år", R, (11, 12)),
    case("Ca 6 gånger per år", R, 6),
    case("Minst 4 ggr/år", R, 4),
    case("3-4 ggr/år", R, 3),
    case("Möten 5 ggr/år", R, 5),
    case("4 möten per år", R, 4),
    case("Fyra träffar om året", R, 4),
    # Terms, halves, quarters, tertials.
    case("Två till tre gånger per termin", R, 4, between=("2025-01-15", "2025-12-20")),
    case("Halvårsvis", R, 2, months=(4, 10)),
    case("En gång per halvår", R, 2, months=(4, 10)),
    case("Varje halvår", R, 2),
    case("Två gånger per termin", R, 4, months=(2, 5, 9, 11)),
    case("2 ggr/termin", R, 4),
    case("En gång per termin", R, 2, months=(4, 10)),
    case("Terminsvis", R, 2),
    case("4 ggr/termin", R, 8, between=("2025-01-15", "2025-12-20")),
    case("Kvartalsvis", R, 4, months=QUARTERLY),
    case("En gång i kvartalet", R, 4, months=QUARTERLY),
    case("Varje kvartal", R, 4),
    case("Kvartalsvis avstämning med polisen", R, 4, work="meeting"),
    case("En gång per tertial", R, 3, months=(3, 6, 11)),
    case("Tertialvis", R, 3),
    case("Varje tertial i samband med tertialrapporten", R, 3, work="task"),
    case("Varannan månad", R, 6, months=(2, 4, 6, 8, 10, 12)),
    case("Var tredje månad", R, 4, months=QUARTERLY),
    case("Var sjätte månad", R, 2),
    case("Var fjärde månad", R, 3),
    # Monthly.
    case("En gång i månaden", R, 11, day="TU", nth=2, months=ACTIVE),
    case("1 gång/månad", R, 11),
    case("Månadsvis", R, 11),
    case("Varje månad", R, 11),
    case("Månatligen", R, 11),
    case("Månadsmöte", R, 11, work="meeting"),
    case("Ett möte i månaden", R, 11),
    case("Två gånger i månaden", R, (20, 22), day="TU"),
    case("2 ggr/mån", R, (20, 22)),
    case("Tre gånger i månaden", R, (30, 33)),
    case("Första tisdagen varje månad", R, 11, day="TU", nth=1),
    case("Avstämning första måndagen varje månad", R, 11, day="MO"),
    case("Sista torsdagen i månaden", R, 11, day="TH"),
    case("Den sista fredagen i varje månad", R, 11, day="FR"),
    case("Andra onsdagen i månaden kl 9-11", R, 11, day="WE", nth=2, at="09:00", minutes=120),
    case("Månadsvis, andra tisdagen kl. 13.00-15.00", R, 11, day="TU", at="13:00", minutes=120),
    case("Tredje torsdagen i månaden", R, 11, day="TH"),
    case("En gång per månad utom juli", R, 11, months=ACTIVE),
    case("Varje månad förutom sommaren", R, 9, months=(1, 2, 3, 4, 5, 9, 10, 11, 12)),
    case("Månadsvis utom i december", R, 10),
    case("Månadsvis kl 10", R, 11, at="10:00"),
    # Weekly.
    case("Varje vecka", R, WEEKLY),
    case("En gång i veckan", R, WEEKLY),
    case("Veckovis", R, WEEKLY),
    case("1 gång/vecka", R, WEEKLY),
    case("Veckomöte varje måndag", R, WEEKLY, day="MO"),
    case("Varje måndag", R, WEEKLY, day="MO"),
    case("Måndagar kl 9", R, WEEKLY, day="MO", at="09:00"),
    case("Tisdagar och torsdagar", R, (76, 94)),
    case("Varannan vecka", R, (19, 24), day="TU"),
    case("Varannan onsdag kl 13", R, (19, 24), day="WE", at="13:00"),
    case("Var tredje vecka", R, (13, 16)),
    case("Var 14:e dag", R, (19, 24)),
    case("2 ggr/vecka", R, (76, 94)),
    case("Två gånger i veckan", R, (76, 94)),
    case("Återkommande varje vecka", R, WEEKLY),
    case("Varje vecka under terminerna", R, (30, 40), between=("2025-01-15", "2025-12-20")),
    case("Veckovis under hösten", R, (14, 17), months=AUTUMN),
    # The text asks for summer, so July is open (issue 12); midsommarafton moves within its week.
    case("Varje fredag under sommaren", R, (12, 13), months=(6, 7, 8)),
    case("Kl 18-21 varje fredag", R, (40, 48), day="FR", at="18:00", minutes=180),
    case("Varje onsdag kl. 8.30", R, (40, 48), day="WE", at="08:30"),
    # Daily.
    case("Dagligen", R, (190, 225)),
    case("Varje dag", R, (190, 225)),
    case("Varje vardag", R, (190, 225)),
    # A count inside a window.
    case("Två gånger under våren", R, 2, months=SPRING),
    case("En gång under hösten", R, 1, months=AUTUMN),
    case("Tre gånger under hösten 2025", R, 3, months=AUTUMN),
    case("4 ggr under vårterminen", R, 4, between=("2025-01-15", "2025-06-14")),
    case("Två gånger per år, en på våren och en på hösten", R, 2, months=(5, 10)),
    case("En gång under första halvåret", R, 1, months=(1, 2, 3, 4, 5, 6)),
    case("Två gånger under andra halvåret", R, 2, months=(8, 9, 10, 11, 12)),
    case("En gång per kvartal under 2025", R, 4),
    case("En gång per kvartal under 2026", R, 0),
    case("Varje månad under våren 2025", R, 4, months=SPRING),
    case("Månadsvis från och med mars", R, 9, months=(3, 4, 5, 6, 8, 9, 10, 11, 12)),
    case("Varannan vecka från och med augusti", R, (9, 12), months=(8, 9, 10, 11, 12)),
    # Named months, weeks and dates.
    case("I mars och oktober", R, 2, months=(3, 10)),
    case("Mars, juni och oktober", R, 3, months=(3, 6, 10)),
    case("Maj och november", R, 2, months=(5, 11)),
    case("I februari, maj, september och november", R, 4, months=QUARTERLY),
    case("Vecka 12 och 38", R, 2, day="TU", between=("2025-03-17", "2025-09-21")),
    case("V. 10, 20 och 40", R, 3),
    case("Första måndagen i mars och oktober", R, 2, day="MO", nth=1, months=(3, 10)),
    case("12/3 och 8/10", R, 2, between=("2025-03-12", "2025-10-08")),
    case("15 mars och 15 september", R, 2, months=(3, 9)),
    case("Den 4 juni", D, 1, deadline="2025-06-04"),
    # Deadlines: due at the window's last open working day.
    case("Senast vecka 40", D, 1, deadline="2025-10-03"),
    case("Under hösten 2025", D, 1, deadline="2025-11-28"),
    case("Q2 2025", D, 1, deadline="2025-06-30"),
    case("Q3", D, 1, deadline="2025-09-30"),
    case("Kvartal 1", D, 1, deadline="2025-03-31"),
    case("Första kvartalet 2025", D, 1, deadline="2025-03-31"),
    case("Utbildning genomförs under T2", D, 1, deadline="2025-08-29", work="task"),
    case("Tertial 3", D, 1, deadline="2025-12-23"),
    case("T1 2025", D, 1, deadline="2025-04-30"),
    case("Våren 2025", D, 1, deadline="2025-06-13"),
    case("Hösten", D, 1, deadline="2025-11-28"),
    case("Under sommaren", D, 1, deadline="2025-08-29"),
    case("Senast 31 mars 2025", D, 1, deadline="2025-03-31"),
    case("2025-03-31", D, 1, deadline="2025-03-31"),
    case("Till 15/6", D, 1, deadline="2025-06-13"),
    case("Klart senast 30 september", D, 1, deadline="2025-09-30"),
    case("Före sommaren", D, 1, deadline="2025-06-13"),
    case("Innan jul", D, 1, deadline="2025-12-19"),
    case("Före årsskiftet", D, 1, deadline="2025-12-23"),
    case("Under första halvåret", D, 1, deadline="2025-06-30"),
    case("Andra halvåret 2025", D, 1, deadline="2025-12-23"),
    case("Maj 2025", D, 1, deadline="2025-05-30"),
    case("I slutet av maj", D, 1, deadline="2025-05-30"),
    case("Början av september", D, 1, deadline="2025-09-10"),
    case("Vecka 12", D, 1, deadline="2025-03-21"),
    case("v. 45", D, 1, deadline="2025-11-07"),
    case("Senast v 20", D, 1, deadline="2025-05-16"),
    case("Under 2025", D, 1, deadline="2025-12-23"),
    case("VT 2025", D, 1, deadline="2025-06-13"),
    case("HT25", D, 1, deadline="2025-12-19"),
    case("Höstterminen 2025", D, 1, deadline="2025-12-19"),
    case("Vårterminen", D, 1, deadline="2025-06-13"),
    case("Starta upp under våren 2026", D, 0, deadline="2026-06-15"),
    case("Klart 2024", D, 0, deadline="2024-12-23"),
    case("Påbörjas Q1 och ska vara klart Q4", D, 1, deadline="2025-12-23"),
    case("Under vintern", D, 1, deadline="2025-02-28"),  # sportlov closes no deadline
    case("Senast 15 juni 2025", D, 1, deadline="2025-06-13"),
    case("31/3", D, 1, deadline="2025-03-31"),
    case("Uppstart i april", D, 1, deadline="2025-04-30"),
    case("Klart till sommaren, därefter löpande", D, 1, deadline="2025-06-13", flags={C}),
    # Continuous.
    case("Löpande", C, 0, flags={C}),
    case("Kontinuerligt", C, 0, flags={C}),
    case("Löpande under hela året", C, 0, flags={C}),
    case("Pågår hela året", C, 0, flags={C}),
    case("Ingår i det ordinarie arbetet", C, 0, flags={C}),
    case("Linjearbete", C, 0, flags={C}),
    case("Året runt", C, 0, flags={C}),
    case("Under året", C, 0, flags={C}),
    case("Fortlöpande", C, 0, flags={C}),
    case("Ständigt pågående arbete", C, 0, flags={C}),
    case("Kontinuerligt, i det dagliga arbetet", C, 0, flags={C}),
    case("Återkommande", C, 0, flags={C}),
    # As needed, alone and with a floor.
    case("Vid behov", A, 0, flags={A}),
    case("Efter behov", A, 0, flags={A}),
    case("Vid behov, dock minst 2 ggr/år", R, 2, flags={A}),
    case("Vid behov och minst en gång per termin", R, 2, flags={A}),
    case("Enligt behov", A, 0, flags={A}),
    case("Ad hoc", A, 0, flags={A}),
    case("När behov uppstår", A, 0, flags={A}),
    case("Behovsstyrt", A, 0, flags={A}),
    case("Vid förfrågan från skolan", A, 0, flags={A}),
    case("4 ggr/år och vid behov", R, 4, flags={A}),
    case("Kvartalsvis samt vid behov", R, 4, flags={A}),
    case("Månadsvis samt vid behov", R, 11, flags={A}),
    case("En gång per år/vid behov", R, 1, flags={A}),
    case("Löpande och vid behov", A, 0, flags={A, C}),
    # Triggered by an event.
    case("Efter varje incident", T, 0),
    case("Vid varje anmälan", T, 0),
    case("Vid akuta händelser", T, 0),
    case("Vid skottlossning i området", T, 0),
    case("I samband med större händelser", T, 0),
    case("När det uppstår oro kring en elev", T, 0),
    case("Vid misstanke om brott", T, 0),
    case("Vid orosanmälan", T, 0),
    case("Händelsestyrt", T, 0),
    case("Akut vid behov", T, 0, flags={A}),
    case("I händelse av kris", T, 0),
    case("Vid kontakt med polisen", T, 0),
    # Unreadable: unspecified, with a warning.
    case("Se bilaga", U, 0),
    case("?", U, 0),
    case("Enligt plan", U, 0),
    case("Oklart", U, 0),
    case("TBD", U, 0),
    case("31/2", U, 0),
    # Several series and forums; meetings or tasks.
    case("Styrgrupp 4 ggr/år, arbetsgrupp varannan vecka", R, (23, 30),
         labels=("Styrgrupp", "Arbetsgrupp")),
    case("Ledningsgrupp en gång per kvartal och referensgrupp två gånger per år", R, 6,
         labels=("Ledningsgrupp", "Referensgrupp")),
    case("Samverkansmöte 6 ggr/år för Kungsholmen och Essingeöarna", R, 12,
         labels=("Kungsholmen", "Essingeöarna")),
    case("Möten 6 ggr/år (3 ggr/år för högstadiet och 3 ggr/år för gymnasiet)", R, 6,
         labels=("Högstadiet", "Gymnasiet"), between=("2025-01-15", "2025-12-20")),
    case("Trygghetsvandring två gånger per år, en på våren och en på hösten", R, 2,
         work="meeting"),
    case("Möten varannan vecka under terminerna", R, (17, 22),
         between=("2025-01-15", "2025-12-20")),
    case("SSP-möte 2 ggr/termin", R, 4, between=("2025-01-15", "2025-12-20")),
    case("Möte med rektorer 1 gång/termin", R, 2),
    case("Träff med eleverna 2 ggr/år", R, 2, between=("2025-01-15", "2025-12-20")),
    case("Nattvandring varje fredag och lördag under sommarhalvåret", R, (40, 56),
         months=WARM),
    case("Utskick av nyhetsbrev en gång i månaden", R, 11, work="task"),
    case("Enkät till samtliga elever en gång per år", R, 1, work="task"),
    case("Kartläggning två gånger per år", R, 2, work="task"),
    case("Lägesbild uppdateras kvartalsvis", R, 4, work="task"),
    case("Rapport till nämnden varje tertial", R, 3, work="task"),
    case("Nätverksträff 3 ggr/termin kl 14-16", R, 6, at="14:00", minutes=120),
    case("Platssamverkan 4 ggr/år, säsongsbetonat", R, 4, months=WARM),
    case("Styrgruppen träffas fyra gånger per år och arbetsgruppen en gång i månaden.", R, 15,
         labels=("Styrgruppen", "Arbetsgruppen")),
    # More of what coordinators write.
    case("Varje månad (ej juli)", R, 11, months=ACTIVE),
    case("Möten ca en gång i månaden, ej under sommaren", R, 9),
    case("4 ggr/år (feb, maj, sep, nov)", R, 4, months=QUARTERLY),
    case("Jan, apr, aug, okt", R, 4, months=(1, 4, 8, 10)),
    case("Vecka 5, 15, 35 och 45", R, 4, day="TU"),
    case("Genomförs v. 12 och v. 40", R, 2),
    case("Två gånger per läsår", R, 2, between=("2025-01-15", "2025-12-20")),
    case("4 ggr/år, första gången i mars", R, 4, months=(3, 4, 5, 6, 8, 9, 10, 11, 12)),
    case("Vid 2 tillfällen under hösten", R, 2, months=AUTUMN),
    case("Vid två tillfällen under året", R, 2),
    case("Kvartalsvis (Q1-Q4)", R, 4, months=QUARTERLY),
    case("Varje tisdag kl 9.00–10.30", R, WEEKLY, day="TU", at="09:00", minutes=90),
    case("Efter sommaren", D, 1, deadline="2025-09-01"),
    case("Från och med oktober", D, 1, deadline="2025-10-01"),
    case("Minst en gång per år, gärna oftare", R, 1),
]  # fmt: skip


@pytest.mark.parametrize("c", CASES)
def test_a_phrase_reads_and_places_as_a_coordinator_means_it(c: Case) -> None:
    cadence = parse_when(c.text)
    schedule = place_cadence(cadence, year=YEAR, policy=POLICY)
    occurrences = schedule.occurrences

    assert cadence.kind == c.kind, cadence
    low, high = (c.n, c.n) if isinstance(c.n, int) else c.n
    assert low <= len(occurrences) <= high, [o.start.date() for o in occurrences]
    assert cadence.as_needed == (A in c.flags)
    assert cadence.continuous == (C in c.flags)
    if c.kind == U:
        assert cadence.warnings and any(c.text.strip()[:20] in w for w in cadence.warnings)
    assert_all_open(schedule, YEAR, inactive_ok=bool(c.months and 7 in c.months))
    for occurrence in occurrences:
        day = occurrence.start.date()
        if c.day and occurrence.moved_from is None:
            assert WEEKDAYS[day.weekday()] == c.day, day
        if c.nth and occurrence.moved_from is None:
            assert _nth_weekday_of_month(day) == c.nth, day
        if c.months:
            assert day.month in c.months, day
        if c.between:
            assert date.fromisoformat(c.between[0]) <= day <= date.fromisoformat(c.between[1])
        if c.work:
            assert occurrence.kind == c.work
        if c.at and occurrence.kind == "meeting":
            assert occurrence.start.strftime("%H:%M") == c.at
        if c.minutes and occurrence.kind == "meeting":
            assert occurrence.end - occurrence.start == timedelta(minutes=c.minutes)
    if c.deadline:
        assert schedule.deadline == date.fromisoformat(c.deadline)
    if c.labels is not None:
        assert tuple(s.label for s in schedule.series if s.label != DEADLINE_LABEL) == c.labels


@pytest.mark.parametrize("c", CASES)
def test_every_placed_series_is_exactly_its_rrule_with_exdates_and_rdates(c: Case) -> None:
    schedule = place_cadence(parse_when(c.text), year=YEAR, policy=POLICY)
    for series in schedule.series:
        assert_series_is_its_rule(series)
        assert series.dtstart.tzinfo is not None
        assert all(o.start.tzinfo is not None for o in series.occurrences)


def _nth_weekday_of_month(day: date) -> int:
    if (day + timedelta(weeks=1)).month != day.month:
        return -1 if (day.day - 1) // 7 + 1 >= 4 else (day.day - 1) // 7 + 1
    return (day.day - 1) // 7 + 1


def test_four_a_year_is_the_documented_rule() -> None:
    (series,) = place_cadence(parse_when("4 ggr/år"), year=2024, policy=POLICY).series
    assert series.rrule.startswith("FREQ=MONTHLY;BYMONTH=2,5,9,11;BYDAY=2TU")
    assert series.per == "year" and series.count == 4


# A meeting at 09:00 is 09:00 local on both sides of both DST changes (30 March, 26 October
# 2025). Höstlov (week 44) would close the Tuesday after the October change, so it is off here.
NO_HOSTLOV = CalendarPolicy.from_section(Calendar(hostlov_week=None))


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        ("2025-03-25", 1),
        ("2025-04-01", 2),
        ("2025-10-21", 2),
        ("2025-10-28", 1),
    ],
)
def test_a_weekly_meeting_keeps_its_local_time_across_dst(day: str, offset: int) -> None:
    schedule = place_cadence(parse_when("Varje tisdag"), year=YEAR, policy=NO_HOSTLOV)
    starts = {o.start.date(): o.start for o in schedule.occurrences}
    start = starts[date.fromisoformat(day)]
    assert start.time() == time(9, 0)
    assert start.utcoffset() == timedelta(hours=offset)
    assert str(start.tzinfo) == "Europe/Stockholm"


def test_a_monthly_meeting_keeps_its_local_time_across_dst_2024() -> None:
    # Last Tuesday of March 2024 is before the change (31 March), last of October after (27th).
    schedule = place_cadence(parse_when("Sista tisdagen i månaden"), year=2024, policy=NO_HOSTLOV)
    by_month = {o.start.month: o.start for o in schedule.occurrences}
    assert by_month[3].utcoffset() == timedelta(hours=1)
    assert by_month[4].utcoffset() == timedelta(hours=2)
    assert by_month[10].utcoffset() == timedelta(hours=1)
    assert {s.time() for s in by_month.values()} == {time(9, 0)}
    assert_series_is_its_rule(schedule.series[0])


def test_a_meeting_on_a_closed_day_moves_a_week_and_says_why() -> None:
    # 2025: the 1st Tuesday of January (7th) is open, of April (1st) too; sportlov is week 9.
    schedule = place_cadence(parse_when("Sista torsdagen i månaden"), year=YEAR, policy=POLICY)
    moved = {o.moved_from: o for o in schedule.occurrences if o.moved_from}
    # Last Thursday of February 2025 (27th) is in sportlov week 9: it moves to 6 March.
    feb = moved[date(2025, 2, 27)]
    assert feb.start.date() == date(2025, 3, 6)
    assert feb.move_reason == "sportlov v. 9"
    # Last Thursday of December (25th, juldagen): no later week in the year, so a week earlier.
    dec = moved[date(2025, 12, 25)]
    assert dec.start.date() == date(2025, 12, 18)
    assert dec.move_reason == "juldagen"
    (series,) = schedule.series
    assert datetime(2025, 2, 27, 9, tzinfo=STOCKHOLM) in series.exdates
    assert datetime(2025, 3, 6, 9, tzinfo=STOCKHOLM) in series.rdates


def test_a_weekly_meeting_on_a_holiday_moves_within_its_week() -> None:
    # Friday 6 June 2025 is nationaldagen: the Friday meeting is held on Thursday the 5th.
    schedule = place_cadence(parse_when("Varje fredag"), year=YEAR, policy=POLICY)
    starts = {o.start.date(): o for o in schedule.occurrences}
    assert starts[date(2025, 6, 5)].moved_from == date(2025, 6, 6)
    assert starts[date(2025, 6, 5)].move_reason == "nationaldagen"
    # Sportlov closes the whole week: no meeting that week, nothing doubled elsewhere.
    assert not any(date(2025, 2, 24) <= d <= date(2025, 3, 2) for d in starts)
    assert len(starts) == len(schedule.occurrences)


def test_midsommarafton_and_other_de_facto_holidays_are_closed() -> None:
    closed = blocked_days(2024, POLICY)
    assert closed[date(2024, 6, 21)] == "midsommarafton"
    assert closed[date(2024, 12, 31)] == "nyårsafton"
    assert closed[date(2024, 12, 24)] == "julafton"
    assert closed[date(2024, 1, 6)] == "trettondedag jul"
    assert closed[date(2024, 1, 3)].startswith("uppehåll")
    assert closed[date(2024, 2, 27)] == "sportlov v. 9"
    assert closed[date(2024, 4, 2)] == "påsklov v. 14"  # the week of Annandag påsk, 1 April
    assert closed[date(2024, 10, 29)] == "höstlov v. 44"
    assert closed[date(2024, 7, 16)] == "inga möten i juli"
    assert date(2024, 6, 23) not in closed  # an ordinary Sunday is not a holiday
    assert date(2024, 3, 5) not in closed


def test_pasklov_can_be_the_week_before_easter_or_a_fixed_week() -> None:
    before = CalendarPolicy.from_section(Calendar(pasklov_week="fore_pask"))
    assert blocked_days(2025, before)[date(2025, 4, 15)] == "påsklov v. 16"
    fixed = CalendarPolicy.from_section(Calendar(pasklov_week=15))
    assert blocked_days(2025, fixed)[date(2025, 4, 8)] == "påsklov v. 15"
    assert blocked_days(2025, POLICY)[date(2025, 4, 22)] == "påsklov v. 17"


def test_a_school_forum_follows_the_terms_two_a_term() -> None:
    cadence = parse_when("4 ggr/år")
    schedule = place_cadence(cadence, year=YEAR, policy=POLICY, title="SSP")
    days = [o.start.date() for o in schedule.occurrences]
    assert len(days) == 4
    spring = [d for d in days if date(2025, 1, 15) <= d <= date(2025, 6, 14)]
    autumn = [d for d in days if date(2025, 8, 20) <= d <= date(2025, 12, 20)]
    assert len(spring) == len(autumn) == 2


def test_a_school_term_meeting_before_term_start_moves_into_the_term() -> None:
    policy = CalendarPolicy.from_section(Calendar(autumn_term=((8, 25), (12, 19))))
    schedule = place_cadence(parse_when("Varje månad"), year=YEAR, policy=policy, title="SSP")
    august = [o for o in schedule.occurrences if o.start.month == 8]
    assert [o.start.date() for o in august] == [date(2025, 8, 26)]
    assert august[0].moved_from == date(2025, 8, 12)
    assert august[0].move_reason == "utanför terminerna"


def test_a_task_is_all_day_and_a_meeting_has_the_policy_length() -> None:
    newsletter = place_cadence(
        parse_when("En gång/månad"), year=YEAR, policy=POLICY, title="Nyhetsbrev"
    )
    first = newsletter.occurrences[0]
    assert first.kind == "task" and first.all_day
    assert first.start.time() == time(0, 0) and first.end - first.start == timedelta(days=1)
    forum = place_cadence(
        parse_when("En gång/månad"), year=YEAR, policy=POLICY, title="Samverkansforum"
    )
    meeting = forum.occurrences[0]
    assert meeting.kind == "meeting" and not meeting.all_day
    assert meeting.end - meeting.start == timedelta(minutes=90)


def test_settings_override_weekday_time_length_place_months_and_kind() -> None:
    settings = PolicyOverrides(
        weekday="torsdag",
        time="13:30",
        duration_minutes=60,
        location="Kungsholmsgatan 24",
        months=(3, 9),
        kind="task",
    )
    schedule = place_cadence(parse_when("2 ggr/år"), year=YEAR, policy=POLICY, settings=settings)
    (series,) = schedule.series
    assert series.kind == "task" and series.location == "Kungsholmsgatan 24"
    assert [o.start.date() for o in series.occurrences] == [date(2025, 3, 13), date(2025, 9, 11)]
    meeting = place_cadence(
        parse_when("2 ggr/år"),
        year=YEAR,
        policy=POLICY,
        settings=PolicyOverrides(weekday="TH", time="13:30", duration_minutes=60),
    ).occurrences[0]
    assert meeting.start.strftime("%a %H:%M") == "Thu 13:30"
    assert meeting.end - meeting.start == timedelta(minutes=60)


def test_settings_per_series_reach_only_that_series() -> None:
    settings = PolicyOverrides(
        time="10:00",
        series=(("Stadshagen", PolicyOverrides(weekday="onsdag", location="Stadshagen")),),
    )
    text = "4 ggr/år för forumen Fridhemsplan och Stadshagen."
    schedule = place_cadence(parse_when(text), year=YEAR, policy=POLICY, settings=settings)
    by_label = {s.label: s for s in schedule.series}
    assert {o.start.strftime("%a") for o in by_label["Stadshagen"].occurrences} == {"Wed"}
    assert by_label["Stadshagen"].location == "Stadshagen"
    assert {o.start.strftime("%a") for o in by_label["Fridhemsplan"].occurrences} == {"Tue"}
    assert {o.start.strftime("%H:%M") for o in schedule.occurrences} == {"10:00"}


def test_an_explicit_rrule_replaces_the_text_and_still_skips_holidays() -> None:
    settings = PolicyOverrides(rrule="RRULE:FREQ=MONTHLY;BYMONTH=5,6;BYDAY=1FR")
    schedule = place_cadence(parse_when("Vid behov"), year=YEAR, policy=POLICY, settings=settings)
    (series,) = schedule.series
    # 1st Friday of May 2025 is 2 May; of June the 6th (nationaldagen) → 13 June.
    assert [o.start.date() for o in series.occurrences] == [date(2025, 5, 2), date(2025, 6, 13)]
    assert series.rrule == "FREQ=MONTHLY;BYMONTH=5,6;BYDAY=1FR;COUNT=2"
    assert_series_is_its_rule(series)


def test_an_explicit_rrule_keeps_its_own_count_within_the_year() -> None:
    settings = PolicyOverrides(rrule="FREQ=MONTHLY;BYMONTH=3,4,5,6;BYDAY=1WE;COUNT=2")
    (series,) = place_cadence(parse_when(""), year=YEAR, policy=POLICY, settings=settings).series
    assert [o.start.date() for o in series.occurrences] == [date(2025, 3, 5), date(2025, 4, 2)]
    assert series.rrule == "FREQ=MONTHLY;BYMONTH=3,4,5,6;BYDAY=1WE;COUNT=2"
    assert_series_is_its_rule(series)


@pytest.mark.parametrize(
    "rule",
    ["FREQ=SECONDLY", "FREQ=MONTHLY;BYDAY=XX", "FREQ=WEEKLY;UNTIL=20250601", "BYDAY=MO", ""],
)
def test_an_unusable_explicit_rrule_falls_back_to_the_text_with_a_warning(rule: str) -> None:
    settings = PolicyOverrides(rrule=rule)
    schedule = place_cadence(parse_when("2 ggr/år"), year=YEAR, policy=POLICY, settings=settings)
    assert len(schedule.occurrences) == 2
    assert any("RRULE" in w for w in schedule.warnings) or not rule


def test_a_bad_setting_is_a_warning_not_a_crash() -> None:
    settings = PolicyOverrides(weekday="tisdg", time="25:00", rrule="FREQ=SECONDLY")
    schedule = place_cadence(parse_when("2 ggr/år"), year=YEAR, policy=POLICY, settings=settings)
    assert len(schedule.occurrences) == 2
    text = " ".join(schedule.warnings)
    assert '"tisdg"' in text and '"25:00"' in text and "FREQ" in text


def test_an_impossible_explicit_rrule_gives_no_dates_quickly() -> None:
    settings = PolicyOverrides(rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")
    schedule = place_cadence(parse_when(""), year=YEAR, policy=POLICY, settings=settings)
    assert schedule.occurrences == ()
    assert any("inga datum" in w for w in schedule.warnings)


def test_a_deadline_in_another_year_is_kept_but_not_dated_this_year() -> None:
    schedule = place_cadence(parse_when("Våren 2024"), year=2025, policy=POLICY)
    assert schedule.deadline == date(2024, 6, 14)
    assert schedule.series == ()
    assert any("2024" in w and "2025" in w for w in schedule.warnings)


def test_a_deadline_is_a_single_task_series_labelled_klart_senast() -> None:
    schedule = place_cadence(parse_when("Senast 31 mars 2025"), year=YEAR, policy=POLICY)
    (series,) = schedule.series
    assert series.label == DEADLINE_LABEL == "Klart senast"
    assert series.kind == "task" and series.per == "once" and series.count == 1
    assert [o.start.date() for o in series.occurrences] == [date(2025, 3, 31)]
    assert series.occurrences[0].all_day
    assert_series_is_its_rule(series)


# The policy from config.toml [calendar], read through the one settings object.
def policy_from(table: dict[str, Any]) -> CalendarPolicy:
    return CalendarPolicy.from_section(settings_from_mapping({"calendar": table}).calendar)


def test_an_empty_calendar_table_gives_the_defaults() -> None:
    assert policy_from({}) == CalendarPolicy.from_section(Calendar())


def test_a_calendar_table_is_read_with_swedish_and_rrule_weekdays() -> None:
    policy = policy_from(
        {
            "default_weekday": "Onsdag",
            "default_time": "08:30",
            "default_duration_minutes": 60,
            "week_of_month": 3,
            "active_months": [1, 2, 3, 4, 5, 6, 9, 10, 11, 12],
            "blackouts": ["12-20..01-10"],
            "sportlov_week": 8,
            "pasklov_week": "fore_pask",
            "hostlov_week": False,
            "spring_term": "01-10..06-12",
            "autumn_term": "08-18..12-19",
            "seasonal_months": [5, 6, 7, 8],
            "public_holidays": True,
            "de_facto_holidays": True,
        }
    )
    assert policy.default_weekday == "WE" and policy.default_time == time(8, 30)
    assert policy.hostlov_week is None and policy.pasklov_week == "fore_pask"
    assert policy.blackouts == ((MonthDay(12, 20), MonthDay(1, 10)),)
    assert policy_from({"default_weekday": "TH"}).default_weekday == "TH"
    assert policy_from({"default_weekday": "tisdagar"}).default_weekday == "TU"
    assert policy_from({"pasklov_week": 14}).pasklov_week == 14
    assert policy_from({"pasklov_week": False}).pasklov_week is None
    schedule = place_cadence(parse_when("4 ggr/år"), year=YEAR, policy=policy)
    assert {o.start.strftime("%a %H:%M") for o in schedule.occurrences} == {"Wed 08:30"}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"default_weekday": "tisdg"},
            '«calendar.default_weekday» ska vara en vardag, "måndag"–"fredag" eller "MO"–"FR" (fick "tisdg").',
        ),
        ({"default_weekday": "lördag"}, "«calendar.default_weekday»"),
        (
            {"default_time": "9"},
            '«calendar.default_time» ska vara en tid "TT:MM", t.ex. "09:00" (fick "9")',
        ),
        ({"default_duration_minutes": "90"}, "«calendar.default_duration_minutes»"),
        ({"default_duration_minutes": True}, "«calendar.default_duration_minutes»"),
        ({"week_of_month": 5}, "«calendar.week_of_month»"),
        ({"active_months": [0, 13]}, "«calendar.active_months»"),
        ({"active_months": "juli"}, "«calendar.active_months»"),
        ({"active_months": []}, "«calendar.active_months»"),
        ({"blackouts": ["24 dec"]}, "«calendar.blackouts»"),
        ({"blackouts": "12-24..01-06"}, "«calendar.blackouts»"),
        ({"sportlov_week": 60}, "«calendar.sportlov_week»"),
        ({"sportlov_week": True}, "«calendar.sportlov_week»"),
        ({"pasklov_week": "påsk"}, "«calendar.pasklov_week»"),
        ({"spring_term": "01-15"}, "«calendar.spring_term»"),
        ({"autumn_term": "13-01..12-20"}, "«calendar.autumn_term»"),
        ({"public_holidays": "ja"}, "«calendar.public_holidays»"),
        ({"default_wekday": "TU"}, "okänd nyckel «calendar.default_wekday» (kända: active_months,"),
    ],
)
def test_a_bad_calendar_value_names_its_key_in_swedish(
    mapping: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        policy_from(mapping)
    assert message in str(error.value)
