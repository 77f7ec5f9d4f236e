"""A När text explained as JSON: what the CLI's `describe` and the web's preview show.

The shape is a contract other code and people's scripts read; keep its keys stable. `partial`
(added with issue 12) is true when some words of the text were not used; the warnings quote them.
"""

from __future__ import annotations

from scheduler.cadence.parse import parse_when
from scheduler.cadence.place import place
from scheduler.cadence.policy import CalendarPolicy


def describe(text: str, *, year: int, policy: CalendarPolicy) -> dict[str, object]:
    """Kind, flags, deadline, and each series' rule and dates in `year`, JSON-serialisable."""
    cadence = parse_when(text)
    schedule = place(cadence, year=year, policy=policy)
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
                "rrule": series.rrule,
                "dates": [o.start.date().isoformat() for o in series.occurrences],
            }
            for series in schedule.series
        ],
        "warnings": list(schedule.warnings),
        "partial": cadence.partial,
    }
