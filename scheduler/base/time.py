"""The one time zone the scheduler works in.

Swedish municipalities' plans, meetings and reminders are all in Swedish local time, and the feeds
embed a hand-checked Europe/Stockholm VTIMEZONE (feeds/timezone.py), so the zone is a constant,
not a setting: a configurable zone the VTIMEZONE did not follow would publish wrong times.
"""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo

TZID = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TZID)

# The years a date a person types may fall in: the command line's and the workspace's.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_CLOCK_TEXT = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_clock(text: str) -> time | None:
    """A local time written "HH:MM" (or "HH.MM", "9:00"), or None if it is not one."""
    match = _CLOCK_TEXT.match(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))
