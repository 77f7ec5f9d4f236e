"""Text plumbing for the parser: normalising, cutting into sentences, quoting in messages.

Matching works on a lower-cased copy of the same length as the original, so a span found in the
copy can be cut out of the original to keep a label's capitals ("Fridhemsplan").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Real När cells are a sentence or two; anything longer is pasted noise. Reading a bounded prefix
# keeps every regex linear in a small n, whatever arrives.
MAX_CHARS: Final = 600
QUOTE_CHARS: Final = 80

_DASHES: Final = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_SPACES: Final = re.compile(r"[^\S\n]+")

# Abbreviations whose full stop does not end a sentence ("kl. 13", "v. 12", "fr.o.m. mars").
_ABBREVIATIONS: Final = frozenset(
    {"v", "kl", "ca", "cirka", "bl.a", "t.ex", "resp", "ev", "nr", "fr.o.m", "t.o.m", "p.g.a",
     "d.v.s", "dvs", "m.m", "osv", "jfr", "st", "kv", "mån", "tis", "ons", "tors", "fre", "vt",
     "ht", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec",
     "o", "s", "f.d", "inkl", "exkl", "tel", "enl", "ang", "gg", "ggr", "g"}
)  # fmt: skip
# Line breaks are not sentence ends: cells wrap mid-phrase ("4\nggr/år"). They stay in the text
# so the parser can still cut two series listed on two lines.
_SENTENCE_END: Final = re.compile(r"[.!?]+(?=\s)|;+")


def normalise(text: str) -> str:
    """NFC, one kind of dash, single spaces, line breaks kept, empty lines dropped."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def lower_same_length(text: str) -> str:
    """Lower case, character by character, never changing the length (unlike str.lower for "İ")."""
    low = text.lower()
    if len(low) == len(text):
        return low  # no character grew (none shrinks), so every one kept its place
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`: cut at . ! ? and ;, not after "kl." or "v."."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _ends_with_abbreviation(text[start : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _ends_with_abbreviation(before: str) -> bool:
    words = before.split()
    if not words:
        return True
    last = words[-1].lower().lstrip("(")
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def quote(text: str, *, whole: bool = False) -> str:
    """The text as a message quotes it: in quotation marks, shortened with an ellipsis if long;
    `whole` for a message that is the only place its words are said (what a reading did not
    use), which never hides one of them."""
    flat = " ".join(text.split())
    if len(flat) > QUOTE_CHARS and not whole:
        flat = flat[: QUOTE_CHARS - 1].rstrip() + "…"
    return f'"{flat}"'
