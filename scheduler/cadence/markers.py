"""Words that make a När undated or event-driven, and words that bind a series to a season.

"vid behov" (as needed), "kontinuerligt" (continuous), "vid kontakter med …" (triggered),
"säsongsbetonat" (warm months), "gymnasiet" (school terms). All take lower-cased text.
"""

from __future__ import annotations

import re
from typing import Final

from scheduler.base.swedish import LETTER_RUN
from scheduler.base.swedish import LETTERS as _L
from scheduler.cadence.vocabulary import SCHOOL_EVENTS


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![{_L}])(?:{pattern})(?![{_L}])")


def _phrases(*phrases: str) -> re.Pattern[str]:
    """A pattern for a table of phrases: a space matches any whitespace, a final "*" the rest of
    a word ("skol*" reads "skolan", "skolor"; not "förskolan", which starts elsewhere)."""
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        body = r"\s+".join(re.escape(word) for word in phrase.rstrip("*").split())
        parts.append(body + (LETTER_RUN if phrase.endswith("*") else ""))
    return _words("|".join(parts))


# Each table below is phrase → the kind it marks. Adding a phrase is one line and a test.
AS_NEEDED_PHRASES: Final = (
    "vid behov", "efter behov", "enligt behov", "utifrån behov", "vid särskilda behov",
    "när behov finns", "när behov uppstår", "om behov finns", "om behov uppstår",
    "när det behövs", "behovsstyrt", "behovsstyrda", "behovsanpassat", "behovsanpassad", "v.b",
    "v.b.", "vid förfrågan", "på förfrågan", "vid efterfrågan", "på begäran", "vid önskemål",
    "ad hoc", "adhoc",
)  # fmt: skip
CONTINUOUS_PHRASES: Final = (
    "kontinuerlig", "kontinuerligt", "kontinuerliga", "löpande", "linjearbete", "linjearbetet",
    "i linjen", "ordinarie arbete", "ordinarie arbetet", "ordinarie verksamhet",
    "ordinarie verksamheten", "ordinarie uppdrag", "fortlöpande", "ständigt", "ständig",
    "pågående", "pågår", "hela året", "året runt", "under hela året", "under hela perioden",
    "dagliga arbetet", "det dagliga", "daglig samverkan", "dagligt arbete", "i vardagen",
    "samsitter", "samlokaliserade", "permanent", "permanenta", "alltid", "stående uppdrag",
    "kontinuitet", "varaktigt", "successivt",
)  # fmt: skip
# "Återkommande", "regelbundet": recurring in spirit but without a frequency to place.
VAGUE_RECURRING_PHRASES: Final = (
    "återkommande", "regelbundet", "regelbundna", "regelbunden", "periodvis",
)  # fmt: skip
# "Under året" alone: the work runs through the year, nothing is dated.
THROUGH_THE_YEAR_PHRASES: Final = ("under året", "under verksamhetsåret", "under årets gång")
# A series that follows the school terms (SSP, "med eleverna"); "förskolan" runs all year.
SCHOOL_PHRASES: Final = (
    "skol*", "grundskol*", "högstadie*", "mellanstadie*", "lågstadie*", "gymnasie*", "gymnasiet",
    "elev*", "läsår*", "vårtermin*", "hösttermin*", "ssp", "terminerna", "terminstid",
    "terminstiden",
)  # fmt: skip
# A series in the warm months (calendar.seasonal_months).
SEASONAL_PHRASES: Final = (
    "säsong*", "säsongsbetonat", "sommarhalvåret", "sommarsäsongen", "utomhussäsongen",
    "barmarkssäsongen", "varma månaderna", "sommartid",
)  # fmt: skip

_AS_NEEDED = _phrases(*AS_NEEDED_PHRASES)
_CONTINUOUS = _phrases(*CONTINUOUS_PHRASES)
_VAGUE_RECURRING = _phrases(*VAGUE_RECURRING_PHRASES)
_THROUGH_THE_YEAR = _phrases(*THROUGH_THE_YEAR_PHRASES)
# Events that start work when they happen. Each is a word stem: "händelse" also reads
# "händelser", "händelsen". Adding an event is one line here and a test.
TRIGGER_EVENTS: Final = (
    "kontakt", "akut", "incident", "händelse", "larm", "ingripande", "frihetsberöv", "anmäl",
    "misstank", "misstänk", "oro", "orosanmäl", "brott", "skottlossning", "våld", "uppkomm",
    "ärende", "kris", "gripande", "förhör", "avvikelse", "signal", "indikation", "polisanmäl",
    "upptäckt", "inbrott", "klotter", "skadegörelse", "ordningsstörning", "evenemang",
    "olycka", "olyckor", "hot", "bråk", "slagsmål", "bränder", "brand", "anlagd", "stöld",
    "rån", "konflikt", "tillbud", "krissituation", "akutläge",
)  # fmt: skip
# The words that put an event before the work: "vid", "när", "efter", "i samband med".
TRIGGER_INTROS: Final = (r"vid", r"när", r"efter", r"ifall", r"i\s+samband\s+med",
                         r"i\s+händelse\s+av", r"med\s+anledning\s+av")  # fmt: skip
# Between them, up to two words: an article or adjectives ("vid en allvarlig händelse", "när en
# händelse inträffar", "vid allvarliga händelser", "efter varje större incident").
_EVENT_ALTERNATIVES = "|".join(TRIGGER_EVENTS)
# School events are dated by the calendar ("efter varje skolavslutning"), not triggers.
_SCHOOL_EVENT = "|".join(
    w.replace(" ", r"\s+") for w in sorted(SCHOOL_EVENTS, key=len, reverse=True)
)
_SCHOOL_WORD = rf"(?:{_SCHOOL_EVENT})(?![{_L}])"
_TRIGGERED = _words(
    rf"(?:{'|'.join(TRIGGER_INTROS)})\s+(?:[{_L}]+\s+){{0,2}}(?:{_EVENT_ALTERNATIVES}){LETTER_RUN}"
    rf"(?:\s+(?:om|med|mot|av|på|kring)\s+[{_L}]+)?"
    rf"|vid\s+varje(?!\s+{_SCHOOL_WORD})|akut|akuta|akutt"
    rf"|efter\s+(?:varje|inträffade?)\s+(?!{_SCHOOL_WORD})[{_L}]+"
    rf"|i\s+samband\s+med\s+(?:[{_L}]+\s+)?(?:varje|akut|akuta)"
    r"|när\s+(?:det\s+|något\s+)?(?:uppstår|inträffar|sker|händer)|om\s+det\s+(?:uppstår|inträffar|sker"
    r"|händer)|när\s+det\s+finns\s+(?:barn|misstanke|oro)|händelsestyrt|händelsestyrd"
    r"|händelsebaserat|ärendestyrt|ärendebaserat|vid\s+uppkommen\s+situation"
    rf"|(?:vid\s+)?(?:{_EVENT_ALTERNATIVES}){LETTER_RUN}\s+(?:inträffar|uppstår|sker|händer)"
)
# "Alla våldsutövare ska erbjudas …": each case triggers the offer.
_EVERY_CASE = re.compile(rf"(?<![{_L}])alla(?![{_L}])")
_OFFER = re.compile(rf"(?<![{_L}])erbjud{LETTER_RUN}")

_SCHOOL = _phrases(*SCHOOL_PHRASES)
_SEASONAL = _phrases(*SEASONAL_PHRASES)


def marker_spans(low: str) -> list[tuple[int, int]]:
    """Where any marker of this module is in `low`: words the reading uses."""
    patterns = (_AS_NEEDED, _CONTINUOUS, _VAGUE_RECURRING, _THROUGH_THE_YEAR, _TRIGGERED,
                _SCHOOL, _SEASONAL)  # fmt: skip
    spans = [m.span() for pattern in patterns for m in pattern.finditer(low)]
    if is_triggered(low):
        spans += [m.span() for p in (_EVERY_CASE, _OFFER) for m in p.finditer(low)]
    return spans


def is_as_needed(low: str) -> bool:
    return _AS_NEEDED.search(low) is not None


def is_continuous(low: str) -> bool:
    return _CONTINUOUS.search(low) is not None


def is_vague_recurring(low: str) -> bool:
    return _VAGUE_RECURRING.search(low) is not None


def is_through_the_year(low: str) -> bool:
    return _THROUGH_THE_YEAR.search(low) is not None


def is_triggered(low: str) -> bool:
    if _TRIGGERED.search(low):
        return True
    return _EVERY_CASE.search(low) is not None and _OFFER.search(low) is not None


def is_school_bound(low: str) -> bool:
    return _SCHOOL.search(low) is not None


def is_seasonal(low: str) -> bool:
    return _SEASONAL.search(low) is not None
