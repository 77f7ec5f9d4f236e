"""One convener, one meeting at a time: overlapping meetings of the same convener move apart.

The spread (cadence/spread.py) gives the seed's series days of their own, so deconfliction is the
last resort: here two forums whose När names the same day (the first Tuesday) need it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from dateutil.rrule import rrulestr

from scheduler.base.time import STOCKHOLM
from scheduler.model.plan import Area, Measure, Plan
from tests.support.feeds_fixture import Scheduled, scheduled_plan, seed_with_dst_measure


def same_day_forums(tmp_path: Path) -> Scheduled:
    """The seed with two forums the Trygghetssamordnare convenes on the first Tuesday."""
    plan: Plan = seed_with_dst_measure()
    forums = tuple(
        Measure(title=f"Nätverk {name}", when_text="Första tisdagen varje månad",
                responsible_text="Trygghetssamordnaren är sammankallande.")
        for name in ("öst", "väst")
    )  # fmt: skip
    last = plan.areas[-1]
    areas = (*plan.areas[:-1], Area(last.name, (*last.measures, *forums)))
    return scheduled_plan(tmp_path, plan=replace(plan, areas=areas))


def test_no_convener_is_called_to_two_meetings_at_once(tmp_path: Path) -> None:
    schedule = same_day_forums(tmp_path).schedule()
    per_convener: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for item in schedule.measures:
        for series in item.schedule.series:
            for occurrence in series.occurrences:
                if occurrence.kind == "meeting" and item.responsibility.convener:
                    per_convener[item.responsibility.convener].append(
                        (occurrence.start, occurrence.end, item.stored.measure.title)
                    )
    assert per_convener["Trygghetssamordnare"]
    for meetings in per_convener.values():
        meetings.sort()
        for (_, end, first), (start, _, second) in pairwise(meetings):
            assert end <= start, (first, second, start)


def test_a_moved_meeting_is_an_exception_of_its_series_and_keeps_its_day(tmp_path: Path) -> None:
    schedule = same_day_forums(tmp_path).schedule()
    shifted = [
        (series, occurrence)
        for item in schedule.measures for series in item.schedule.series for occurrence in series.occurrences
        if occurrence.move_reason == "samma sammankallande har ett annat möte då"
    ]  # fmt: skip
    assert shifted, "both forums are on the first Tuesday: one moves to after the other"
    assert {series.label for series, _ in shifted} == {""}
    for series, occurrence in shifted:
        assert occurrence.start.astimezone(STOCKHOLM).date() == occurrence.moved_from
        assert occurrence.start in series.rdates
        rule = rrulestr(series.rrule, dtstart=series.dtstart)
        expanded = (set(rule) - set(series.exdates)) | set(series.rdates)
        assert sorted(expanded) == [o.start for o in series.occurrences]
