"""Honest reading (issue 12): what the reader did not use is said, and the phrases it used to get
wrong are read: lists of seasons, school periods from the configured calendar, weeks of a period,
ISO week lists, triggers with articles, and times no one can know.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from scheduler.cadence import (
    RECURRING,
    TRIGGERED,
    UNSPECIFIED,
    CalendarPolicy,
    parse_when,
    place_cadence,
)
from scheduler.settings.model import Calendar
from tests.support.cli import Cli

POLICY = CalendarPolicy.from_section(Calendar())


def dates(text: str, year: int = 2025, policy: CalendarPolicy = POLICY) -> list[date]:
    return [
        o.start.date()
        for o in place_cadence(parse_when(text), year=year, policy=policy).occurrences
    ]


def test_a_word_the_reading_did_not_use_is_quoted_but_filler_and_who_or_what_are_not() -> None:
    cadence = parse_when("4 ggr/år i stadsdelshuset")
    assert cadence.partial and cadence.kind == RECURRING
    assert any('"i stadsdelshuset"' in w and "lästes inte" in w for w in cadence.warnings)
    assert dates("4 ggr/år i stadsdelshuset") == dates("4 ggr/år")
    for text in (
        "Månadsvis, digitalt via Teams",
        "Socialsekreterare samsitter och deltar aktivt i det dagliga arbetet hos polisen.",
        "Styrgruppen träffas fyra gånger per år och arbetsgruppen en gång i månaden.",
        "Påbörja implementering och utbildning till relevanta aktörer våren 2024 för att sedan "
        "användas kontinuerligt",
    ):
        assert not parse_when(text).partial, text
        assert not any("Delvis" in w for w in parse_when(text).warnings), text


def test_a_deadline_from_a_bare_season_is_warned_about() -> None:
    bare = parse_when("Våren 2025")
    assert bare.deadline is not None
    assert any("senast" in w and "Våren 2025" in w for w in bare.warnings)
    for marked in ("Senast våren 2025", "Klart hösten 2025", "Påbörjas våren 2025"):
        assert parse_when(marked).warnings == (), marked


def test_weekly_during_the_summer_break_is_only_the_summer_break_july_included() -> None:
    days = dates("Veckovis under sommarlovet")
    assert days and len(days) < 15  # not 43 Tuesdays all year
    assert all(date(2025, 6, 15) <= d <= date(2025, 8, 19) for d in days)
    assert any(d.month == 7 for d in days)


def test_school_periods_come_from_the_configured_terms_not_fixed_dates() -> None:
    policy = CalendarPolicy.from_section(
        Calendar(spring_term=((1, 8), (6, 5)), autumn_term=((8, 14), (12, 17)))
    )
    spring_deadline = place_cadence(
        parse_when("Senast vårterminen"), year=2025, policy=policy
    ).deadline
    assert spring_deadline == date(2025, 6, 5)
    summer = dates("Veckovis under sommarlovet", policy=policy)
    assert summer[0] >= date(2025, 6, 6) and summer[-1] <= date(2025, 8, 13)
    assert date(2025, 6, 10) in summer  # in this district's summer break, not the default's
    autumn = dates("Två gånger under höstterminen", policy=policy)
    assert len(autumn) == 2 and all(date(2025, 8, 14) <= d <= date(2025, 12, 17) for d in autumn)
    term_weeks = dates("Varje vecka under terminerna", policy=policy)
    assert date(2025, 1, 14) in term_weeks  # the default spring term starts on the 15th


def test_the_first_week_of_each_quarter_is_in_each_quarters_first_active_month() -> None:
    days = dates("Första veckan i varje kvartal")
    assert [d.month for d in days] == [1, 4, 8, 10]  # July is not active: August opens Q3
    assert all(d.day <= 7 or d.month == 1 for d in days)
    with_july = CalendarPolicy.from_section(Calendar(active_months=tuple(range(1, 13))))
    assert [d.month for d in dates("Första veckan i varje kvartal", policy=with_july)] == [
        1,
        4,
        7,
        10,
    ]
    assert [d.month for d in dates("Sista veckan i varje kvartal")] == [3, 6, 9, 12]


@pytest.mark.parametrize(
    "text",
    [
        "Vår och höst",
        "Vår och höst 2025",
        "En gång på våren och en på hösten",
        "Under våren och hösten",
    ],
)
def test_a_list_of_seasons_is_one_occurrence_in_each(text: str) -> None:
    cadence = parse_when(text)
    assert cadence.kind == RECURRING and cadence.deadline is None and not cadence.partial
    spring, autumn = dates(text)
    assert date(2025, 3, 1) <= spring <= date(2025, 6, 15)
    assert date(2025, 8, 1) <= autumn <= date(2025, 11, 30)


def test_an_iso_week_list_is_one_dated_occurrence_in_each_week() -> None:
    days = dates("Vecka 12 och vecka 40")
    assert [d.isocalendar().week for d in days] == [12, 40]
    assert parse_when("Vecka 12 och vecka 40").deadline is None


@pytest.mark.parametrize(
    "text",
    ["Vid en händelse", "När en händelse inträffar", "Vid en allvarlig händelse",
     "När något inträffar"],
)  # fmt: skip
def test_a_trigger_with_an_article_or_adjective_is_triggered(text: str) -> None:
    cadence = parse_when(text)
    assert cadence.kind == TRIGGERED and not cadence.partial and cadence.warnings == ()
    assert parse_when("Enkät om brott 1 gång/år").kinds == frozenset({RECURRING})


@pytest.mark.parametrize(
    "text", ["Under valrörelsen", "Vid Kulturnatten", "Inför valet", "Veckovis under valrörelsen"]
)
def test_a_time_no_one_can_know_warns_rather_than_guesses(text: str) -> None:
    cadence = parse_when(text)
    assert cadence.kind == UNSPECIFIED
    assert any("går inte att datera" in w for w in cadence.warnings)
    assert dates(text) == []


def test_an_occasion_beside_a_count_keeps_the_count_and_says_what_it_did_not_plan() -> None:
    cadence = parse_when("2 ggr/år samt under valrörelsen")
    assert cadence.kind == RECURRING and cadence.partial
    assert len(dates("2 ggr/år samt under valrörelsen")) == 2
    assert any('"under valrörelsen"' in w for w in cadence.warnings)


def test_a_school_break_the_calendar_closes_is_said_not_silently_empty() -> None:
    schedule = place_cadence(parse_when("En gång under sportlovet"), year=2025, policy=POLICY)
    assert any("sportlov_week" in w for w in schedule.warnings)


def test_cadence_json_has_partial(sqlite_cli: Cli) -> None:
    partial = json.loads(sqlite_cli("cadence", "4 ggr/år i stadsdelshuset", "--json").out)
    assert partial["partial"] is True
    assert any("stadsdelshuset" in w for w in partial["warnings"])
    whole = json.loads(sqlite_cli("cadence", "4 ggr/år", "--json").out)
    assert whole["partial"] is False


def test_check_shows_the_words_a_reading_did_not_use(sqlite_cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'organisation = "X"\nyear = 2025\n[[areas]]\nname = "A"\n'
        '[[areas.measures]]\ntitle = "Forum"\nwhen_text = "4 ggr/år i stadsdelshuset"\n'
        'responsible_text = "Trygghetssamordnaren sammankallar."\n',
        encoding="utf-8",
    )
    assert sqlite_cli("import", str(plan)).code == 0
    result = sqlite_cli("check")
    assert result.code == 1
    assert "delvis" in result.out and "i stadsdelshuset" in result.out
