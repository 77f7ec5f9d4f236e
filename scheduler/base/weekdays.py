"""Swedish weekday names and their RRULE codes: read by the När parser and by the settings."""

from __future__ import annotations

from typing import Final

WEEKDAYS: Final[dict[str, str]] = {
    "måndag": "MO",
    "tisdag": "TU",
    "onsdag": "WE",
    "torsdag": "TH",
    "fredag": "FR",
    "lördag": "SA",
    "söndag": "SU",
}
WEEKDAY_CODES: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WORKDAY_CODES: Final = WEEKDAY_CODES[:5]
WEEKDAY_NAMES: Final[dict[str, str]] = {code: name for name, code in WEEKDAYS.items()}


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
