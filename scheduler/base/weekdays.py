"""Weekday names and their RRULE codes, as the När parser and the settings read them: the tables
are Swedish's (scheduler.base.swedish); here the workdays and the lookup that accepts inflected
names and codes."""

from __future__ import annotations

from typing import Final

from scheduler.base.swedish import WEEKDAY_CODES, WEEKDAY_NAMES, WEEKDAYS

__all__ = ["WEEKDAYS", "WEEKDAY_CODES", "WEEKDAY_NAMES", "WORKDAY_CODES", "weekday_code"]

WORKDAY_CODES: Final = WEEKDAY_CODES[:5]


def weekday_code(name: str) -> str | None:
    """The RRULE code for a Swedish weekday name or an RRULE code, else None.

    Accepts "tisdag", "Tisdagar", "tisdagen", "TU", "tu".
    """
    word = name.strip().lower()
    if word.upper() in WEEKDAY_CODES:
        return word.upper()
    for suffix in ("arna", "ar", "en", "s", ""):
        if suffix and not word.endswith(suffix):
            continue
        stem = word[: len(word) - len(suffix)] if suffix else word
        if stem in WEEKDAYS:
            return WEEKDAYS[stem]
    return None
