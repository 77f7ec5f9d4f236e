"""A meeting's UID is the same from one version to the next (calendars that subscribed keep their
entries): the hash of organisation, year, measure, series and the date its rule gave, whether one
is asked for or a plan's are made together (the series' part made once)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from scheduler.cadence import CalendarPolicy, parse_when, place_cadence
from scheduler.model.plan import Area, Measure, Plan
from scheduler.model.stored import StoredMeasure, StoredPlan
from scheduler.schedule.occurrences import occurrence_uid, planned_occurrences
from scheduler.settings.model import Calendar

MEASURE = Measure("Skolforum", when_text="Möten 8 ggr/år (4 ggr/år mellan- och högstadiet och 4 ggr/år gymnasiet)")  # fmt: skip
STORED = StoredMeasure(id=7, key="område|skolforum|1", area="Område", measure=MEASURE)
PLAN = StoredPlan(1, 1, datetime(2025, 1, 1, tzinfo=UTC),
                  Plan("Kungsholmen", 2025, (Area("Område", (MEASURE,)),)), (STORED,))  # fmt: skip


def _expected(label: str, day: date) -> str:
    identity = f"Kungsholmen|2025|område|skolforum|1|{label}|{day.isoformat()}"
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24] + "@atgardsplan-scheduler"


def test_a_uid_hashes_organisation_year_measure_series_and_rule_date() -> None:
    assert occurrence_uid(PLAN, STORED, "Gymnasiet", date(2025, 3, 11)) == _expected(
        "Gymnasiet", date(2025, 3, 11)
    )


def test_each_series_of_a_plan_gets_its_own_uids_as_when_asked_one_by_one() -> None:
    schedule = place_cadence(
        parse_when(MEASURE.when_text), year=2025, policy=CalendarPolicy.from_section(Calendar())
    )
    made = {
        series.label: [o.uid for o in planned_occurrences(PLAN, STORED, series)]
        for series in schedule.series
    }
    assert set(made) == {"Mellan- och högstadiet", "Gymnasiet"}
    for series in schedule.series:
        days = [o.moved_from or o.start.date() for o in series.occurrences]
        assert made[series.label] == [_expected(series.label, day) for day in days]
    assert not set(made["Gymnasiet"]) & set(made["Mellan- och högstadiet"])
