"""The Swedish words a När text is made of: numbers, weekdays, months, units, seasons.

Tables only, plus lookups the parser uses (the weekdays are in scheduler.base.weekdays, which the
settings read too). Keys are lower case; callers lower-case their input first.
"""

from __future__ import annotations

from typing import Final

from scheduler.cadence.model import MonthDay

NUMBER_WORDS: Final[dict[str, int]] = {
    "en": 1,
    "ett": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
    "femton": 15,
    "tjugo": 20,
    "ett par": 2,
}

# "var tredje vecka", "den första tisdagen": the ordinal words, and "sista" as -1.
ORDINAL_WORDS: Final[dict[str, int]] = {
    "första": 1,
    "andra": 2,
    "tredje": 3,
    "fjärde": 4,
    "femte": 5,
    "sjätte": 6,
    "sjunde": 7,
    "åttonde": 8,
    "nionde": 9,
    "tionde": 10,
    "tolfte": 12,
    "fjortonde": 14,
    "sista": -1,
    "näst sista": -2,
}

MONTHS: Final[dict[str, int]] = {
    "januari": 1,
    "februari": 2,
    "mars": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "augusti": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
MONTH_ABBREVIATIONS: Final[dict[str, int]] = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}
MONTH_NAMES: Final[dict[int, str]] = {number: name for name, number in MONTHS.items()}

# The word stems that name a unit a count is per ("gånger per termin").
UNIT_WORDS: Final[dict[str, str]] = {
    "dag": "day",
    "dagen": "day",
    "dygn": "day",
    "vardag": "day",
    "vecka": "week",
    "veckan": "week",
    "v": "week",
    "månad": "month",
    "månaden": "month",
    "mån": "month",
    "kvartal": "quarter",
    "kvartalet": "quarter",
    "tertial": "tertial",
    "tertialet": "tertial",
    "termin": "term",
    "terminen": "term",
    "halvår": "half_year",
    "halvåret": "half_year",
    "år": "year",
    "året": "year",
    "läsår": "year",
    "läsåret": "year",
    "verksamhetsår": "year",
    "verksamhetsåret": "year",
}

# Adverbs that are a frequency on their own ("kvartalsvis" = once a quarter).
UNIT_ADVERBS: Final[dict[str, str]] = {
    "dagligen": "day",
    "veckovis": "week",
    "veckovisa": "week",
    "månadsvis": "month",
    "månatligen": "month",
    "månatlig": "month",
    "kvartalsvis": "quarter",
    "tertialvis": "tertial",
    "terminsvis": "term",
    "halvårsvis": "half_year",
    "årligen": "year",
    "årsvis": "year",
    "årlig": "year",
    "årligt": "year",
}

# Seasons as windows of the year; a window may wrap the new year. "våren" ends mid-June: the school
# year and most organisations stop before midsommar, so work "done in spring" is due by then.
# "hösten" is August–November, the autumn term before the December rush; "vintern" is its part
# of the named year (January–February).
SEASONS: Final[dict[str, tuple[MonthDay, MonthDay]]] = {
    "vår": (MonthDay(3, 1), MonthDay(6, 15)),
    "sommar": (MonthDay(6, 1), MonthDay(8, 31)),
    "höst": (MonthDay(8, 1), MonthDay(11, 30)),
    "vinter": (MonthDay(1, 1), MonthDay(2, 29)),  # clamped to the 28th in other years
    # As the plan's own follow-up says: "sommarhalvåret, april-oktober"; winter is the rest.
    "sommarhalvår": (MonthDay(4, 1), MonthDay(10, 31)),
    "vinterhalvår": (MonthDay(11, 1), MonthDay(3, 31)),
    # The default school terms of CalendarPolicy; a deadline "vårterminen" is due by their end.
    "vårtermin": (MonthDay(1, 15), MonthDay(6, 14)),
    "hösttermin": (MonthDay(8, 20), MonthDay(12, 20)),
}
SEASON_NAMES: Final[dict[str, str]] = {
    "vår": "våren",
    "sommar": "sommaren",
    "höst": "hösten",
    "vinter": "vintern",
    "sommarhalvår": "sommarhalvåret",
    "vinterhalvår": "vinterhalvåret",
    "vårtermin": "vårterminen",
    "hösttermin": "höstterminen",
}

QUARTERS: Final[dict[int, tuple[MonthDay, MonthDay]]] = {
    1: (MonthDay(1, 1), MonthDay(3, 31)),
    2: (MonthDay(4, 1), MonthDay(6, 30)),
    3: (MonthDay(7, 1), MonthDay(9, 30)),
    4: (MonthDay(10, 1), MonthDay(12, 31)),
}
# Stockholm stad reports by tertial: January–April, May–August, September–December.
TERTIALS: Final[dict[int, tuple[MonthDay, MonthDay]]] = {
    1: (MonthDay(1, 1), MonthDay(4, 30)),
    2: (MonthDay(5, 1), MonthDay(8, 31)),
    3: (MonthDay(9, 1), MonthDay(12, 31)),
}
HALF_YEARS: Final[dict[int, tuple[MonthDay, MonthDay]]] = {
    1: (MonthDay(1, 1), MonthDay(6, 30)),
    2: (MonthDay(7, 1), MonthDay(12, 31)),
}


def number_value(word: str) -> int | None:
    """The value of a count written in digits or words ("4", "fyra"), else None."""
    word = word.strip().lower()
    if word.isdigit() and len(word) <= 4:
        return int(word)
    return NUMBER_WORDS.get(" ".join(word.split()))


def ordinal_value(word: str) -> int | None:
    """The value of an ordinal in words or digits ("tredje", "3:e", "3:dje"), else None."""
    word = " ".join(word.strip().lower().split())
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS[word]
    digits = word.split(":")[0].rstrip(".ae")
    if digits.isdigit() and len(digits) <= 2:
        return int(digits)
    return None


def month_value(word: str) -> int | None:
    """The month number for a Swedish month name or abbreviation ("mars", "okt."), else None."""
    word = word.strip().lower().rstrip(".")
    return MONTHS.get(word) or MONTH_ABBREVIATIONS.get(word)
