"""Names of the series a När lists: "för forumen Fridhemsplan och Stadshagen", "gymnasiet".

A label is what tells two series of one measure apart in the calendar and in the plan file's
per-series settings, so it keeps the original capitals and is never invented.
"""

from __future__ import annotations

import re
from typing import Final

from scheduler.base.swedish import LETTERS as _L

MAX_LABEL: Final = 60

# "för forumen …": the words that introduce the forums a count is for. A plural noun says the
# names after it are several forums, each a series of its own.
_INTRO = re.compile(
    rf"^\s*(?:för|hos|inom|med|i|på|vid)?\s*(?:de\s+|det\s+)?"
    rf"(?P<noun>forumen|forumet|forum|grupperna|gruppen|områdena|området|platserna|platsen"
    rf"|skolorna|nätverken|nätverket|mötena|mötet|råden|rådet|delarna)?(?![{_L}])\s*"
)
_PLURAL_NOUNS: Final = frozenset(
    {"forumen", "forum", "grupperna", "områdena", "platserna", "skolorna", "nätverken", "råden"}
)
_FOR = re.compile(r"^\s*(?:för(?!\s+att\b)|inom)\s+")
# A label ends where a reason or a condition begins ("… strand på grund av mer säsongsbetonat").
_LABEL_END = re.compile(
    rf"(?<![{_L}])(?:på\s+grund\s+av|p\.g\.a|pga|eftersom|då|för\s+att|med\s+anledning"
    rf"|samt|vid\s+behov|dock|under|utom|med\s+start|från|fr\.o\.m|kl|klockan|varav|dvs"
    rf"|d\.v\.s)(?![{_L}])|[.;()/]"
)
# Words that say "meeting" without naming one: "Möten 8 ggr/år" has no label.
_GENERIC = re.compile(
    rf"^(?:möten|möte|mötet|mötena|träffar|träff|sammanträden|sammanträde|samverkan|ca|cirka"
    rf"|minst|dock|och|samt|eller|totalt|sammanlagt|genomförs|hålls|sker|ses|träffas"
    rf"|sammanträder|återkommande|planerat|planerade|även|också|i\s+snitt)(?![{_L}])\s*"
)
# "Styrgruppen träffas 4 ggr/år": the verb is not part of the name.
_TRAILING_VERB = re.compile(
    rf"(?<![{_L}])(?:träffas|ses|möts|sammanträder|hålls|genomförs|sker|har\s+möten?|har"
    rf"|ska|bör|cirka|ca|minst|med)\s*$"
)
_NAME_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:och|samt|&)\s+")


def labels_after(original: str, *, breakdown: bool) -> list[str]:
    """Labels named after a count: "för forumen Fridhemsplan och Stadshagen" → two labels.

    Without "för" only a parenthesised breakdown names its parts there ("4 ggr/år gymnasiet").
    """
    if not breakdown and not _FOR.match(original.lower()):
        return []
    intro = _INTRO.match(original.lower())
    rest = original[intro.end() :] if intro else original
    noun = intro.group("noun") if intro else None
    names = _cut(rest)
    if not names:
        return [_tidy(noun)] if noun and breakdown else []
    return _split_names(names, several=noun in _PLURAL_NOUNS)


# A condition before a count is not the name of a forum: "om vädret tillåter varje vecka".
_CONDITION = re.compile(
    rf"^(?:om|när|ifall|såvida|förutsatt|beroende|eftersom|då|utom|förutom|helst|gärna|dock"
    rf"|endast|bara)(?![{_L}])"
)


def label_before(original: str) -> str:
    """A label named before a count: "Styrgruppen träffas 4 ggr/år" → "Styrgruppen"; none
    before a condition ("Om vädret tillåter …")."""
    text = original.strip(" ,;:-")
    low = text.lower()
    if _CONDITION.match(low):
        return ""
    while True:
        generic = _GENERIC.match(low)
        if not generic or not generic.group():
            break
        text, low = text[generic.end() :], low[generic.end() :]
    text = _cut(text)
    while True:
        verb = _TRAILING_VERB.search(text.lower())
        if not verb:
            break
        text = text[: verb.start()]
    return _tidy(text)


def _cut(text: str) -> str:
    end = _LABEL_END.search(text.lower())
    return (text[: end.start()] if end else text).strip(" -")


def _split_names(names: str, *, several: bool) -> list[str]:
    """Split "Fridhemsplan och Stadshagen", never "Hornsbergs- och Kristinebergs strand".

    A name list is split when a plural noun introduced it or every part is a proper name; a
    part ending in a hyphen is the first half of a shared compound, so it stays joined.
    """
    parts: list[str] = []
    pending = ""
    position = 0
    for separator in _NAME_SEPARATOR.finditer(names):
        part = names[position : separator.start()]
        position = separator.end()
        if part.endswith("-"):
            pending += part + names[separator.start() : separator.end()]
            continue
        parts.append(pending + part)
        pending = ""
    parts.append(pending + names[position:])
    parts = [p.strip() for p in parts if p.strip()]
    proper = all(p[:1].isupper() for p in parts)
    if len(parts) > 1 and (several or proper):
        return [_tidy(p) for p in parts]
    return [_tidy(names)]


def _tidy(label: str | None) -> str:
    if not label:
        return ""
    label = " ".join(label.split()).strip(" ,;:.-/")
    if len(label) > MAX_LABEL:
        label = label[: MAX_LABEL - 1].rstrip() + "…"
    return label[:1].upper() + label[1:]
