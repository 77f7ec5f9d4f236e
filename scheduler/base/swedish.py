"""Swedish the whole project shares: letters, weekday and month names, and count agreement.

One place for what cadence reading, templates, plan files and messages all need, so a name is
spelled once and "1 åtgärd" / "2 åtgärder" agree everywhere.
"""

from __future__ import annotations

from typing import Final

# Letters for word boundaries that know Swedish: `(?<![{LETTERS}])` instead of `\b`, which would
# also break at digits and underscores. Matching is done on lower-cased text.
LETTERS: Final = r"a-zåäöéü"
# Any run of letters, in a regular expression: the rest of a word ("möte" reads "mötena"), or the
# start of a compound ("informationsutskick").
LETTER_RUN: Final = rf"[{LETTERS}]*"

# Weekday names (lower case, as in running text) and their RFC 5545 codes, Monday first.
WEEKDAY_CODES: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_WORDS: Final = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAYS: Final[dict[str, str]] = dict(zip(WEEKDAY_WORDS, WEEKDAY_CODES, strict=True))
WEEKDAY_NAMES: Final[dict[str, str]] = {code: name for name, code in WEEKDAYS.items()}

MONTH_WORDS: Final = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                      "september", "oktober", "november", "december")  # fmt: skip
MONTH_NUMBERS: Final[dict[str, int]] = {name: number for number, name in enumerate(MONTH_WORDS, 1)}
MONTH_NAMES: Final[dict[int, str]] = {number: name for name, number in MONTH_NUMBERS.items()}

# Nouns whose plural is not the singular + a regular ending, for `count` callers that pass only
# the singular. Most callers pass both forms; this keeps the common ones short.
_PLURALS: Final[dict[str, str]] = {
    "åtgärd": "åtgärder",
    "gång": "gånger",
    "tillfälle": "tillfällen",
    "möte": "möten",
    "uppgift": "uppgifter",
    "påminnelse": "påminnelser",
    "dag": "dagar",
    "vecka": "veckor",
    "månad": "månader",
    "serie": "serier",
    "roll": "roller",
    "område": "områden",
    "länk": "länkar",
    "rad": "rader",
    "fel": "fel",
    "svar": "svar",
    "meddelande": "meddelanden",
    "minut": "minuter",
    "timme": "timmar",
    "år": "år",
}


def plural(singular: str) -> str:
    """The plural of a noun `count` knows ("åtgärd" → "åtgärder"); unknown nouns raise KeyError."""
    return _PLURALS[singular]


def noun(number: int, singular: str, plural_form: str | None = None) -> str:
    """The noun that agrees with `number`: singular for 1 (and −1), plural otherwise.

    Swedish uses the plural for 0 ("0 åtgärder") and for fractions; only one takes the singular.
    """
    if abs(number) == 1:
        return singular
    return plural_form if plural_form is not None else plural(singular)


def count(number: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 åtgärd", "2 åtgärder", "0 åtgärder": a number and its noun in agreement."""
    return f"{number} {noun(number, singular, plural_form)}"


def grouped(number: int) -> str:
    """12345 → "12 345", as Swedish text writes a large number."""
    return f"{number:,}".replace(",", " ")
