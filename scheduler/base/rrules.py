"""RRULE text in and dates out, through dateutil: the one place that expands a rule.

A placed series is stored as RRULE + DTSTART (+ EXDATE/RDATE), and its dates are computed by
expanding exactly that text, so the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from dateutil.rrule import rrule, rrulestr

from scheduler.base.caches import memo

# Finer frequencies are not meetings, and an impossible rule at those frequencies would make
# dateutil search for centuries.
ALLOWED_FREQUENCIES: Final = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
# A series meets at most once a day, at its own time (`time` in the plan file): a list of
# these would make one rule many meetings a day (FREQ=DAILY;BYHOUR=…;BYMINUTE=… gave 21,894 in
# a year), each on a day the series already has, past any budget of the plan.
TIME_OF_DAY_PARTS: Final = ("BYHOUR", "BYMINUTE", "BYSECOND")
_PROBE_YEAR: Final = 9990  # dateutil stops at year 9999: a probe from here always ends
ONE_OFF_RULE: Final = "FREQ=DAILY;COUNT=1"  # DTSTART alone; further one-off dates are RDATEs
_BOUND = re.compile(r"^(?:COUNT|UNTIL)=", re.IGNORECASE)
_VALIDATION_START: Final = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BoundedRule:
    """A rule limited to one year: its text (with COUNT), first start, and its dates."""

    rule: str
    dtstart: datetime
    dates: tuple[datetime, ...]


class RuleError(ValueError):
    """An RRULE that cannot be used; the message is Swedish, for a warning."""


def clean_rule(text: str) -> str:
    """An RRULE value as written in a plan file, checked, without "RRULE:" and spaces.

    Its own COUNT or UNTIL is kept: it limits the dates before they are limited to the year.
    """
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if "\n" in body or not body:
        raise RuleError("en RRULE ska vara en rad, t.ex. FREQ=MONTHLY;BYDAY=2TU")
    parts = [p.strip() for p in body.split(";") if p.strip()]
    frequency = next(
        (p.split("=", 1)[1].upper() for p in parts if p.upper().startswith("FREQ=")), ""
    )
    if frequency not in ALLOWED_FREQUENCIES:
        raise RuleError("FREQ ska vara YEARLY, MONTHLY, WEEKLY eller DAILY")
    if any(_several_times_a_day(part) for part in parts):
        raise RuleError("BYHOUR, BYMINUTE och BYSECOND får ha ett värde var: en serie har högst "
                        "ett tillfälle om dagen (tiden anges med time)")  # fmt: skip
    rule = ";".join(parts)
    until = re.search(r"UNTIL=([0-9TZ]+)", rule.upper())
    if until and len(until[1]) > 8 and not until[1].endswith("Z"):
        raise RuleError(f"UNTIL ska anges i UTC, t.ex. UNTIL=20251231T230000Z (fick {until[1]})")
    _parse(rule, _VALIDATION_START)  # UNTIL must then be UTC ("…Z"), as RFC 5545 asks
    return rule


def _several_times_a_day(part: str) -> bool:
    name, _, value = part.partition("=")
    return name.strip().upper() in TIME_OF_DAY_PARTS and "," in value


def expand(rule: str, dtstart: datetime, last: datetime) -> list[datetime]:
    """The starts of `rule` from `dtstart` up to and including `last`."""
    parsed = _parse(rule, dtstart)
    if not _can_occur(rule, dtstart):
        return []
    return list(parsed.between(dtstart, last, inc=True))


def _expand_occurring(rule: str, dtstart: datetime, last: datetime) -> list[datetime]:
    """`expand` for a rule whose pattern is known to occur (it gave dates already)."""
    return list(_parse(rule, dtstart).between(dtstart, last, inc=True))


@memo("rrules.bounded")
def bounded(rule: str, first: datetime, last: datetime) -> BoundedRule | None:
    """`rule` (without COUNT) limited to [first, last]: COUNT added, DTSTART its first date.

    Returns None when the rule gives no date in the span. Re-anchoring DTSTART keeps the phase
    of INTERVAL rules, because the first date lies in a period the old anchor also counted.
    Cached (bounded; the value is frozen): the measures of a plan share few rules, and dateutil
    expands a rule slowly.
    """
    dates = expand(rule, first, last)
    if not dates:
        return None
    counted = f"{_without_bounds(rule)};COUNT={len(dates)}"
    if not anchor_free(rule) and _expand_occurring(counted, dates[0], last) != dates:
        # A rule whose meaning depends on its anchor in a way re-anchoring breaks: keep the
        # dates as one-off dates instead (the caller stores them as RDATE).
        return BoundedRule(ONE_OFF_RULE, dates[0], tuple(dates))
    return BoundedRule(counted, dates[0], tuple(dates))


def anchor_free(rule: str) -> bool:
    """Whether the rule gives the same dates from its own first date as from any earlier start,
    so that re-anchoring needs no check (an expansion less for most rules). True at INTERVAL 1
    without BYSETPOS: every period counts, so no phase can shift, and what a rule takes from
    DTSTART when it does not say it (month, day of month, weekday, time of day) its first date
    has as well, being one of its dates. With a longer interval the periods counted depend on
    the anchor, and dateutil picks BYSETPOS's position among the period's dates from the anchor
    on (tests/test_rrules_anchor.py found a weekly rule whose dates moved)."""
    for part in rule.upper().split(";"):
        name, _, value = part.partition("=")
        if name.strip() == "BYSETPOS" or (name.strip() == "INTERVAL" and value.strip() != "1"):
            return False
    return True


def _parse(rule: str, dtstart: datetime) -> rrule:
    try:
        parsed = rrulestr(rule, dtstart=dtstart)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise RuleError(f"RRULE kan inte läsas ({exc})") from exc
    if not isinstance(parsed, rrule):
        raise RuleError("RRULE kan inte läsas")
    return parsed


def _can_occur(rule: str, dtstart: datetime) -> bool:
    """Whether the rule's pattern ever matches ("BYMONTH=2;BYMONTHDAY=31" never does).

    dateutil looks for the next match until year 9999; asked from 9990 it gives up quickly.
    """
    pattern = _without_bounds(rule)
    probe = dtstart.replace(year=_PROBE_YEAR, month=1, day=1, tzinfo=None)
    return next(iter(_parse(pattern, probe)), None) is not None


def _without_bounds(rule: str) -> str:
    return ";".join(p for p in rule.split(";") if not _BOUND.match(p))
