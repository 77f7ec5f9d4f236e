"""The four silent losses of issue 23, each read whole now or said: a period's end, the days of
an every-day period (July and weekends), either/or, and evenings on two weekdays; and
`cadence --json` carrying the reading's parts, through the real command line."""

from __future__ import annotations

import json
from datetime import date, timedelta

from scheduler.cadence import CalendarPolicy, parse_when, place_cadence
from scheduler.settings.model import Calendar
from tests.support.cli import Cli

POLICY = CalendarPolicy.from_section(Calendar())


def dates(text: str, year: int = 2025) -> list[date]:
    return [
        o.start.date()
        for o in place_cadence(parse_when(text), year=year, policy=POLICY).occurrences
    ]


def warnings(text: str, year: int = 2025) -> tuple[str, ...]:
    return place_cadence(parse_when(text), year=year, policy=POLICY).warnings


def test_a_period_keeps_its_end() -> None:
    """ "Från april till mitten av juni" was placed April–December, the end said nowhere."""
    text = "Trygghetsvandringar varannan vecka från april till mitten av juni"
    days = dates(text)
    assert days and all(date(2025, 4, 1) <= d <= date(2025, 6, 20) for d in days), days
    assert len(days) >= 5
    assert not parse_when(text).partial
    deadline = place_cadence(
        parse_when("Från mars till mitten av maj"), year=2025, policy=POLICY
    ).deadline
    assert deadline == date(2025, 5, 20)  # the end of the period, not 3 March


def test_every_day_of_a_period_is_every_day_july_and_weekends_included() -> None:
    """ "Every day and evening from 4/6 to 31/8" became the weekdays of June and August."""
    text = "Varje dag och kväll från 4/6 till 31/8"
    days = set(dates(text))
    closed = {date(2025, 6, 6), date(2025, 6, 8), date(2025, 6, 20), date(2025, 6, 21)}
    every = {date(2025, 6, 4) + timedelta(days=n) for n in range(89)}
    assert days == every - closed
    assert any(d.month == 7 for d in days) and any(d.weekday() >= 5 for d in days)
    said = " ".join(warnings(text))
    for day in closed:  # the days the calendar closes are named, not silently gone
        assert str(day) in said
    assert {
        o.start.hour for o in place_cadence(parse_when(text), year=2025, policy=POLICY).occurrences
    } == {18}


def test_either_or_is_one_of_them_never_the_sum() -> None:
    """ "Either 10 or 5 times during the season" became 15 meetings."""
    for text in ("Antingen 10 gånger eller 5 gånger under säsongen", "10 eller 5 gånger per år"):
        assert len(dates(text)) == 5, text
        assert any("anger alternativ" in w and "inte båda" in w for w in warnings(text)), text
    assert len(dates("Sex alternativt åtta gånger per år")) == 6
    assert len(dates("I mars eller maj")) == 1


def test_evenings_on_two_weekdays_keep_both_days_and_name_the_closed_ones() -> None:
    """Friday and Saturday evenings became Fridays only, the dropped school-break and July
    Fridays unsaid."""
    text = "Fredags- och lördagskvällar under sommarlovet"
    days = dates(text)
    assert {d.weekday() for d in days} >= {4, 5} and any(d.month == 7 for d in days)
    assert all(date(2025, 6, 15) <= d <= date(2025, 8, 19) for d in days)
    said = " ".join(warnings(text))
    assert "2025-06-20 (midsommarafton) flyttas till 2025-06-19" in said
    all_year = " ".join(warnings("Nattvandring fredags- och lördagsnätter"))
    assert "2025-02-28 (sportlov v. 9) stryks" in all_year  # a closed Friday is said


def test_weekend_phrases_are_placed_where_they_say_not_on_meeting_weekdays() -> None:
    days = dates("Helger i december")
    assert days and {d.weekday() for d in days} == {5, 6}
    assert all(d.month == 12 and d.day < 24 for d in days)  # the blackout's weekend is said
    assert any("2025-12-27" in w and "stryks" in w for w in warnings("Helger i december"))


def test_cadence_json_has_the_readings_parts(sqlite_cli: Cli) -> None:
    text = "Torsdags- och fredagskvällar under hösten, sex alternativt åtta gånger i stadsdelshuset"
    result = sqlite_cli("cadence", text, "--year", "2025", "--json")
    assert result.code == 0
    data = json.loads(result.out)
    (part,) = data["parts"]
    assert part["count"] == 6 and part["days"] == ["TH", "FR"]
    assert part["alternatives"] == [
        {"count": 6, "per": "year", "interval": 1},
        {"count": 8, "per": "year", "interval": 1},
    ]
    assert part["period"] == [{"from": "2025-08-01", "to": "2025-11-30"}]
    assert (part["time"], part["time_of_day"]) == ("18:00", "kväll")
    assert {"fredagskvällar", "hösten", "alternativt", "åtta"} <= set(data["words_used"])
    assert data["words_not_used"] == ["i", "stadsdelshuset"] and data["partial"] is True
    assert len(data["series"][0]["dates"]) == 6

    inspections = json.loads(
        sqlite_cli("cadence", "Minst åtta tillsyner under året", "--year", "2025", "--json").out
    )
    assert inspections["parts"][0]["activity"] == {"noun": "tillsyner", "kind": "inspection"}
    assert inspections["occurrences"] == 8 and inspections["words_not_used"] == []
    valid = json.loads(sqlite_cli("cadence", "Gäller 2024–2026", "--year", "2025", "--json").out)
    assert valid["valid_years"] == {"from": 2024, "to": 2026} and valid["kind"] == "continuous"
    period = json.loads(
        sqlite_cli("cadence", "Sista veckan i juni", "--year", "2025", "--json").out
    )
    assert period["deadline_period"] == {"from": "2025-06-24", "to": "2025-06-30"}
