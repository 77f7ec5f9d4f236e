"""A När text explained as JSON: what the CLI's `describe` and the web's preview show.

The shape is a contract other code and people's scripts read; keep its keys stable. `partial`
(added with issue 12) is true when some words of the text were not used; the warnings quote them.
"""

from __future__ import annotations

from typing import Final

from scheduler.base.swedish import count as counted
from scheduler.cadence.parse import parse_when
from scheduler.cadence.place import place
from scheduler.cadence.policy import CalendarPolicy
from scheduler.cadence.schedule import DEADLINE_LABEL

# The units a count is per, as Swedish nouns with their gender: "varannan vecka" (common) but
# "vartannat år" (neuter).
UNIT_NOUNS: Final[dict[str, tuple[str, bool]]] = {
    "day": ("dag", False),
    "week": ("vecka", False),
    "month": ("månad", False),
    "quarter": ("kvartal", True),
    "tertial": ("tertial", True),
    "term": ("termin", False),
    "half_year": ("halvår", True),
    "year": ("år", True),
}
# A När's kind in Swedish, as `scheduler cadence` and the workspace's plan page say it.
KIND_WORDS: Final = {"recurring": "återkommande", "as_needed": "vid behov", "continuous": "löpande",
                     "deadline": "klart senast", "triggered": "vid händelse",
                     "unspecified": "ej tolkad"}  # fmt: skip
_ORDINALS: Final = {3: "tredje", 4: "fjärde", 5: "femte", 6: "sjätte", 7: "sjunde", 8: "åttonde",
                    9: "nionde", 10: "tionde", 11: "elfte", 12: "tolfte"}  # fmt: skip


def describe(text: str, *, year: int, policy: CalendarPolicy) -> dict[str, object]:
    """Kind, flags, deadline, and each series' rule and dates in `year`, JSON-serialisable."""
    cadence = parse_when(text)
    schedule = place(cadence, year=year, policy=policy)
    intervals = {spec.label: spec.interval for spec in cadence.series}
    return {
        "text": text,
        "kind": cadence.kind,
        "as_needed": cadence.as_needed,
        "continuous": cadence.continuous,
        "deadline": schedule.deadline.isoformat() if schedule.deadline else None,
        "occurrences": len(schedule.occurrences),
        "series": [
            {
                "label": series.label,
                "count": series.count,
                "per": series.per,
                "interval": _interval(series.label, series.per, intervals),
                "rrule": series.rrule,
                "dates": [o.start.date().isoformat() for o in series.occurrences],
            }
            for series in schedule.series
        ],
        "warnings": list(schedule.warnings),
        "partial": cadence.partial,
    }


def series_frequency(label: str, count: int, per: str, intervals: dict[str, int]) -> str:
    """How often one placed series recurs, with the interval the text gave its label."""
    return frequency_text(count, per, _interval(label, per, intervals))


def _interval(label: str, per: str, intervals: dict[str, int]) -> int:
    if per == "once" or label == DEADLINE_LABEL:
        return 1
    return intervals.get(label, 1)


def frequency_text(count: int, per: str, interval: int = 1) -> str:
    """How often, in Swedish that agrees: "1 gång per vecka", "varannan vecka", "vartannat år",
    "2 gånger var tredje månad", "1 gång" (for one-off dates and deadlines)."""
    if per not in UNIT_NOUNS:
        return counted(count, "gång")
    noun, neuter = UNIT_NOUNS[per]
    if interval <= 1:
        return f"{counted(count, 'gång')} per {noun}"
    if interval == 2:
        every = f"{'vartannat' if neuter else 'varannan'} {noun}"
    else:
        ordinal = _ORDINALS.get(interval, f"{interval}:e")
        every = f"{'vart' if neuter else 'var'} {ordinal} {noun}"
    return every if count == 1 else f"{counted(count, 'gång')} {every}"
