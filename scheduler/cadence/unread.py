"""What a reading did not use: words to quote in a warning, and named times no one can date.

The parser records the spans its readers used. Every other word of the När, unless it is a filler
word or a word that says who or what rather than when (vocabulary.FILLER_WORDS,
DESCRIPTION_WORDS), is quoted back in a warning, and the cadence is partial. Named occasions that
move every year ("under valrörelsen", "vid Kulturnatten") get a warning of their own: the text
names a time, but no reader can know its dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from scheduler.base.caches import memo
from scheduler.base.swedish import LETTERS
from scheduler.cadence.text import quote
from scheduler.cadence.vocabulary import (
    DESCRIPTION_WORDS,
    FILLER_WORDS,
    OCCASION_INTRO,
    OCCASIONS,
)
from scheduler.plan.roles import RoleLexicon

Span = tuple[int, int]

_WORD = re.compile(rf"[{LETTERS}\d]+(?:[-:/.][{LETTERS}\d]+)*-?")
# A preposition just before an unused word is quoted with it: "under valrörelsen", not
# "valrörelsen".
_LEADING: Final = frozenset({"under", "vid", "i", "på", "inför", "efter", "före", "kring", "runt"})
_OCCASION = re.compile(
    rf"(?<![{LETTERS}])(?P<intro>{OCCASION_INTRO})\s+(?:(?:den|det|de|årets|nästa)\s+)?"
    rf"(?P<what>{'|'.join(f'(?:{p})' for p in OCCASIONS)})(?![{LETTERS}])"
    r"(?:\s+(?:19|20|21)\d\d(?!\d))?"  # "under valrörelsen 2026": the year is the occasion's
)
_OCCASION_NAMES: Final = tuple((re.compile(rf"^(?:{p})$"), name) for p, name in OCCASIONS.items())


@dataclass(frozen=True)
class Occasion:
    span: Span
    text: str  # the original words ("vid Kulturnatten")
    name: str  # what it is ("Kulturnatten")


def occasions(low: str, original: str) -> list[Occasion]:
    """Named occasions in `low` whose dates cannot be known from the text."""
    found = []
    for match in _OCCASION.finditer(low):
        what = match.group("what")
        name = next((n for pattern, n in _OCCASION_NAMES if pattern.match(what)), what)
        text = original[match.start() : match.end()]
        found.append(Occasion(match.span(), text, name))
    return found


def occasion_warning(occasion: Occasion) -> str:
    return (
        f"{quote(occasion.text)} går inte att datera ({occasion.name} ligger olika från år till "
        "år); ange datum, vecka eller månad."
    )


@memo("once.unread_roles")
def _roles() -> RoleLexicon:
    return RoleLexicon.build()


def role_spans(original: str) -> list[Span]:
    """Role names ("socialsekreterare", "polisen"): who, not when."""
    return [(m.start, m.end) for m in _roles().mentions(original)]


def word_spans(low: str) -> list[Span]:
    """Where each word of `low` is, as the unused-word reading cuts them."""
    return [m.span() for m in _WORD.finditer(low)]


def is_filler(word: str) -> bool:
    """A word an honest reading may leave unused without a warning: grammar, or who or what."""
    return _is_filler(word.lower().rstrip("-").rstrip("."))


def unused_runs(
    original: str, low: str, used: list[Span], within: list[Span]
) -> list[tuple[str, Span]]:
    """The stretches of `original` (inside the `within` spans) that no reader used, as quoted,
    each with its span.

    A stretch runs from an unused word to the last unused word after it with only filler words
    between them, so "under valrörelsen" is one warning, not two.
    """
    covered = _merge(used)
    runs: list[tuple[str, Span]] = []
    for start, end in within:
        current: list[tuple[int, int]] = []  # unused words of the open run
        pending_lead: int | None = None
        for match in _WORD.finditer(low, start, end):
            word = match.group().rstrip("-").rstrip(".")
            if _overlaps(match.span(), covered):
                runs += _close(original, current, pending_lead)
                current, pending_lead = [], None
                continue
            if _is_filler(word):
                if not current and word in _LEADING:
                    pending_lead = match.start()
                elif not current:
                    pending_lead = None
                continue
            current.append(match.span())
        runs += _close(original, current, pending_lead)
    return runs


def _close(original: str, words: list[Span], lead: int | None) -> list[tuple[str, Span]]:
    if not words:
        return []
    first = lead if lead is not None else words[0][0]
    return [(original[first : words[-1][1]], (first, words[-1][1]))]


def _is_filler(word: str) -> bool:
    return word in FILLER_WORDS or word in DESCRIPTION_WORDS


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlaps(span: Span, covered: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in covered)
