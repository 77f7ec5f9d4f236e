"""A series' dates as rules Outlook can hold (scheduler/feeds/outlook_rules.py), held to the
template checker written from [MS-OXCICAL] §2.1.3.2.2 (tests/support/outlook_templates.py) and to
dateutil's expansion of what it writes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.feeds.outlook_rules import decompose
from tests.support.outlook_templates import outlook_template

# [MS-OXCICAL]'s own examples of each template, and Outlook's own exports.
TEMPLATE_EXAMPLES = [
    "FREQ=DAILY", "FREQ=DAILY;INTERVAL=3;BYMINUTE=30;BYHOUR=15;COUNT=30",
    "FREQ=WEEKLY;BYDAY=MO,TU", "FREQ=WEEKLY;BYDAY=SU,MO;INTERVAL=2;WKST=MO",
    "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYMONTHDAY=15;INTERVAL=3;COUNT=7",
    "FREQ=MONTHLY;BYDAY=SU;BYSETPOS=3", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1;COUNT=7",
    "FREQ=YEARLY;BYMONTHDAY=7;BYMONTH=2;COUNT=4",
    "FREQ=YEARLY;BYDAY=MO;BYSETPOS=1;BYMONTH=10;INTERVAL=3;COUNT=7",
    "FREQ=WEEKLY;UNTIL=20241231T230000Z;BYDAY=TU",
]  # fmt: skip
# What the planner writes and Outlook cannot map (issue 27), and other forms outside the templates.
OUTSIDE = [
    "FREQ=MONTHLY;BYMONTH=2,5,9,11;BYDAY=2TU", "FREQ=MONTHLY;COUNT=22;BYDAY=2TH,4TH",
    "FREQ=MONTHLY;BYDAY=2TU", "FREQ=WEEKLY;BYMONTH=3,4,10,11;BYDAY=TU",
    "FREQ=WEEKLY;BYDAY=1MO", "FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=5",
    "FREQ=YEARLY;BYWEEKNO=3,7;BYDAY=MO", "FREQ=YEARLY;BYMONTH=3", "FREQ=HOURLY",
    "FREQ=DAILY;COUNT=1000", "FREQ=DAILY;COUNT=3;UNTIL=20240101", "FREQ=MONTHLY;BYMONTHDAY=0",
    "FREQ=YEARLY;BYDAY=TU;BYSETPOS=2;BYMONTH=2,5", "FREQ=DAILY;BYDAY=MO,TU",
]  # fmt: skip


@pytest.mark.parametrize("rule", TEMPLATE_EXAMPLES)
def test_the_specifications_examples_fit_its_templates(rule: str) -> None:
    assert outlook_template(rule) is not None


@pytest.mark.parametrize("rule", OUTSIDE)
def test_rules_outside_the_templates_are_refused(rule: str) -> None:
    assert outlook_template(rule) is None


def _dates(rule: str, year: int = 2024) -> list[date]:
    start = datetime(year, 1, 1, 9, 0)
    found = rrulestr(rule, dtstart=start).between(start, datetime(year, 12, 31, 23), inc=True)
    return [d.date() for d in found]


def _given(rule: str, first: date) -> list[date]:
    """What a client expands from the rule written: DTSTART the first date."""
    return [d.date() for d in rrulestr(rule, dtstart=datetime.combine(first, datetime.min.time()))]


def _check(days: list[date], max_parts: int = 12) -> list[tuple[str, int]]:
    """Every rule fits a template, and the rules give each date once (the skipped ones aside)."""
    pieces = decompose(days, max_parts)
    assert pieces is not None
    held: list[date] = []
    for piece in pieces:
        assert outlook_template(piece.rule) is not None, piece.rule
        assert _given(piece.rule, piece.first) == list(piece.given), piece.rule
        assert set(piece.skipped) <= set(piece.given) and not set(piece.skipped) & set(days)
        assert 2 * len(piece.skipped) < max(len(piece.dates), 2) or not piece.skipped
        held += piece.dates
    assert sorted(held) == sorted(set(days))
    return [(piece.rule, len(piece.skipped)) for piece in pieces]


def test_the_planners_rules_become_the_rules_a_person_would_write() -> None:
    # Monthly but July: one monthly rule, July skipped.
    no_july = "FREQ=MONTHLY;BYMONTH=1,2,3,4,5,6,8,9,10,11,12;BYDAY=2TU"
    assert _check(_dates(no_july)) == [("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=12", 1)]
    # Two nth weekdays a month: one rule each.
    twice = "FREQ=MONTHLY;BYMONTH=1,2,3,4,5,6,8,9,10,11,12;BYDAY=2TH,4TH"
    assert _check(_dates(twice)) == [("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=2;COUNT=12", 1),
                                     ("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=4;COUNT=12", 1)]  # fmt: skip
    # Weekly in the spring and the autumn months: a weekly rule for each.
    terms = _check(_dates("FREQ=WEEKLY;BYMONTH=3,4,10,11;BYDAY=TU"))
    assert terms == [("FREQ=WEEKLY;BYDAY=TU;COUNT=9", 0)] * 2
    # 4 ggr/år on the 2nd Tuesday of February, May, September and November: no one rule holds
    # them, so the fewest that do, each a real cadence (every 3 months, every 2 months).
    four = _check(_dates("FREQ=MONTHLY;BYMONTH=2,5,9,11;BYDAY=2TU"))
    assert four == [("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;INTERVAL=3;COUNT=2", 0),
                    ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;INTERVAL=2;COUNT=2", 0)]  # fmt: skip
    assert _check(_dates("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE")) == [
        ("FREQ=WEEKLY;BYDAY=WE;INTERVAL=2;WKST=MO;COUNT=26", 0)
    ]
    assert _check(_dates("FREQ=DAILY")) == [("FREQ=DAILY;COUNT=366", 0)]
    assert _check([date(2024, 3, 29)]) == [("FREQ=DAILY;COUNT=1", 0)]
    assert _check(_dates("FREQ=MONTHLY;BYMONTHDAY=-1")) == [("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12", 0)]  # fmt: skip


def test_dates_that_take_more_rules_than_allowed_are_no_series() -> None:
    scattered = [date(2024, 1, 3), date(2024, 2, 14), date(2024, 3, 29), date(2024, 6, 1),
                 date(2024, 8, 20), date(2024, 10, 31)]  # fmt: skip
    assert decompose(scattered, 3) is None
    assert decompose(scattered, 12) is not None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=729), min_size=1, max_size=40, unique=True),
    st.integers(min_value=1, max_value=12),
)
def test_any_dates_become_template_rules_that_give_exactly_them(offsets: list[int], budget: int) -> None:  # fmt: skip
    days = [date(2024, 1, 1) + timedelta(days=n) for n in offsets]
    pieces = decompose(days, budget)
    if pieces is None:
        assert budget < len(days)  # one rule per date always fits
        return
    assert len(pieces) <= budget
    _check(days, budget)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["MO", "TU", "WE", "TH"]),
    st.integers(min_value=1, max_value=4),
    st.sets(st.integers(min_value=1, max_value=12), min_size=1),
)
def test_a_monthly_nth_weekday_in_any_months_fits_in_at_most_one_rule_a_month(
    weekday: str, nth: int, months: set[int]
) -> None:
    rule = f"FREQ=MONTHLY;BYMONTH={','.join(map(str, sorted(months)))};BYDAY={nth}{weekday}"
    found = _check(_dates(rule))
    assert len(found) <= len(months) and all("BYSETPOS" in r or "COUNT=1" in r for r, _ in found)
