"""`bounded` re-anchors a rule at its first date in the year and adds COUNT; for a rule that
`anchor_free` calls so it skips the expansion that checks the counted rule gives the same dates.
Here that claim is checked against the expansion itself, for rules of every shape plan files and
the cadence engine write (and some they do not), anchored anywhere in a year."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.base.rrules import _expand_occurring, _without_bounds, anchor_free, bounded, expand
from scheduler.base.time import STOCKHOLM

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@st.composite
def rules(draw: st.DrawFn) -> str:
    frequency = draw(st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY"]))
    parts = [f"FREQ={frequency}"]
    interval = draw(st.sampled_from([None, 1, 2, 3]))
    if interval is not None:
        parts.append(f"INTERVAL={interval}")
    if draw(st.booleans()):
        ordinal = draw(st.sampled_from(["", "1", "2", "-1", "3"]))
        if frequency not in ("YEARLY", "MONTHLY"):
            ordinal = ""
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        parts.append("BYDAY=" + ",".join(ordinal + day for day in days))
    if draw(st.booleans()):
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, sorted(months))))
    if draw(st.booleans()):
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 10, 15, 28, 31, -1]))}")
    if frequency == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYWEEKNO={draw(st.sampled_from([1, 2, 10, 52, 53, -1]))}")
    if frequency == "YEARLY" and draw(st.booleans()):
        parts.append(f"BYYEARDAY={draw(st.sampled_from([1, 100, 200, -1]))}")
    if draw(st.booleans()):
        parts.append(f"BYHOUR={draw(st.sampled_from([8, 13]))}")
    if draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1]))}")
    bound = draw(st.sampled_from([None, "COUNT=5", "UNTIL=20250601T000000Z"]))
    if bound:
        parts.append(bound)
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    return ";".join(parts)


@settings(max_examples=int(os.environ.get("RRULE_EXAMPLES", "400")), deadline=None)
@given(rules(), st.integers(2020, 2030), st.integers(0, 364), st.sampled_from([time(9), time(0)]))
def test_an_anchor_free_rule_gives_its_dates_again_from_its_first_date(
    rule: str, year: int, offset: int, at: time
) -> None:
    first = datetime.combine(date(year, 1, 1) + timedelta(days=offset), at, tzinfo=STOCKHOLM)
    last = datetime.combine(date(year, 12, 31), time(23, 59), tzinfo=STOCKHOLM)
    dates = expand(rule, first, last)
    if not dates or not anchor_free(rule):
        return
    counted = f"{_without_bounds(rule)};COUNT={len(dates)}"
    assert _expand_occurring(counted, dates[0], last) == dates
    limited = bounded(rule, first, last)
    assert limited is not None and limited.rule == counted and list(limited.dates) == dates


def test_only_an_interval_of_one_or_none_is_anchor_free() -> None:
    assert anchor_free("FREQ=MONTHLY;BYDAY=2TU")
    assert anchor_free("FREQ=WEEKLY;INTERVAL=1;BYDAY=TU")
    assert anchor_free("FREQ=WEEKLY;interval=1 ;BYDAY=TU")
    assert not anchor_free("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")
    assert not anchor_free("FREQ=YEARLY;INTERVAL=2;BYWEEKNO=1")
    assert not anchor_free("FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=2")


def test_a_rule_whose_phase_moves_with_its_anchor_is_still_checked() -> None:
    # Every other year, in week 1, which can begin in the year before: re-anchored at its first
    # date (late December of the year before's week), its phase would move a year.
    first = datetime(2025, 1, 1, 9, tzinfo=STOCKHOLM)
    last = datetime(2026, 12, 31, 23, 59, tzinfo=STOCKHOLM)
    rule = "FREQ=YEARLY;INTERVAL=2;BYWEEKNO=1;BYDAY=MO"
    dates = expand(rule, first, last)
    limited = bounded(rule, first, last)
    assert limited is not None and list(limited.dates) == dates
