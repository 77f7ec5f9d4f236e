"""The cadence engine: what a När text means (parse) and when it happens in a year (place).

    cadence = parse_when("4 ggr/år")
    schedule = place(cadence, year=2025, policy=CalendarPolicy.from_section(Calendar()))

Pure functions throughout: the year, the policy and the settings are arguments.
"""

from scheduler.cadence.activity import activity_kind
from scheduler.cadence.calendar import YearCalendar, blocked_days, year_calendar
from scheduler.cadence.describe import describe_cadence
from scheduler.cadence.model import (
    AS_NEEDED,
    CONTINUOUS,
    DEADLINE,
    RECURRING,
    TRIGGERED,
    UNITS,
    UNSPECIFIED,
    Cadence,
    DeadlineSpec,
    MonthDay,
    SeriesSpec,
)
from scheduler.cadence.parse import parse_when
from scheduler.cadence.place import place_cadence
from scheduler.cadence.placed import DEADLINE_LABEL, PlacedCadence, PlacedDate, PlacedSeries
from scheduler.cadence.policy import CalendarPolicy

__all__ = [
    "AS_NEEDED",
    "CONTINUOUS",
    "DEADLINE",
    "DEADLINE_LABEL",
    "RECURRING",
    "TRIGGERED",
    "UNITS",
    "UNSPECIFIED",
    "Cadence",
    "CalendarPolicy",
    "DeadlineSpec",
    "MonthDay",
    "PlacedCadence",
    "PlacedDate",
    "PlacedSeries",
    "SeriesSpec",
    "YearCalendar",
    "activity_kind",
    "blocked_days",
    "describe_cadence",
    "parse_when",
    "place_cadence",
    "year_calendar",
]
