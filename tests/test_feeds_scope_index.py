"""`ScopeIndex` finds the calendars that hold an occurrence without asking every calendar; it must
find exactly those `Scope.includes` says, each once, or a feed would lose or repeat events."""

from __future__ import annotations

from pathlib import Path

from scheduler.feeds.scopes import AREA, MEASURE, PLAN, ROLE, SERIES, Scope, ScopeIndex, all_scopes
from tests.support.feeds_fixture import scheduled_plan


def included(scopes: list[Scope], **occurrence: object) -> list[str]:
    return sorted(s.name for s in scopes if s.includes(**occurrence))  # type: ignore[arg-type]


def test_the_index_finds_the_calendars_each_occurrence_of_the_seed_plan_is_in(tmp_path: Path) -> None:  # fmt: skip
    scheduled = scheduled_plan(tmp_path)
    schedule, rows = scheduled.schedule(), scheduled.rows()
    by_measure = {item.stored.id: item for item in schedule.measures}
    kinds = set()
    for year_in_titles in (True, False):
        scopes = all_scopes(schedule, year_in_titles=year_in_titles)
        index = ScopeIndex(scopes)
        for row in rows:
            item = by_measure[row.measure_id]
            occurrence = {
                "area": item.stored.area, "measure_id": row.measure_id,
                "series_label": row.series_label, "roles": item.responsibility.participants,
            }  # fmt: skip
            found = index.holders(**occurrence)  # type: ignore[arg-type]
            assert sorted(found) == included(scopes, **occurrence), row.uid
            kinds |= {s.kind for s in scopes if s.name in found}
    assert kinds == {PLAN, AREA, MEASURE, SERIES, ROLE}  # every kind of calendar was asked


def test_a_role_named_twice_and_a_calendar_of_no_occurrence() -> None:
    scopes = [
        Scope("plan", PLAN, "Plan"), Scope("omrade-a", AREA, "A", area="A"),
        Scope("atgard-x", MEASURE, "X", measure_id=1),
        Scope("atgard-x-b", SERIES, "X: B", measure_id=1, series_label="B"),
        Scope("roll-p", ROLE, "P", role="P"), Scope("roll-q", ROLE, "Q", role="Q"),
    ]  # fmt: skip
    index = ScopeIndex(scopes)
    for occurrence in (
        {"area": "A", "measure_id": 1, "series_label": "B", "roles": ("P", "P", "R")},
        {"area": "Z", "measure_id": 1, "series_label": "", "roles": ()},
        {"area": "A", "measure_id": 2, "series_label": "B", "roles": ("Q", "P")},
    ):
        found = index.holders(**occurrence)  # type: ignore[arg-type]
        assert sorted(found) == included(scopes, **occurrence)
        assert len(found) == len(set(found))
