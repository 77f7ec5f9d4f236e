"""The one time zone the scheduler works in.

Swedish municipalities' plans, meetings and reminders are all in Swedish local time, and the feeds
embed a hand-checked Europe/Stockholm VTIMEZONE (feeds/timezone.py), so the zone is a constant,
not a setting: a configurable zone the VTIMEZONE did not follow would publish wrong times.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

TZID = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TZID)
