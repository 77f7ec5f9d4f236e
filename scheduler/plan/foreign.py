"""Whether a plan file's title or top texts name another organisation than the one importing it:
a workbook without an "Organisation: …" cell is taken as the importer's, so a district's plan
uploaded by another district would otherwise be stored as theirs without a word. Pure.

A heading names an organisation when it has a word such as "kommun" or "stadsdelsförvaltning";
it names another one when none of the importer's own words (their stems: "Kungsholmens" is
"kungsholm…") is in it."""

from __future__ import annotations

import re

ORGANISATION_WORDS = ("kommun", "stadsdel", "förvaltning", "stad ", "region", "län")
_HEADING_WORD = re.compile(r"\w+")
STEM = 6  # letters compared: "Kungsholmens" and "Kungsholmen" are one name


def _stems(text: str) -> set[str]:
    return {word[:STEM] for word in _HEADING_WORD.findall(text.casefold()) if len(word) >= 4}


def other_organisation(headings: tuple[str, ...], organisation: str) -> str | None:
    """The first heading that names an organisation other than `organisation`, else None."""
    own = _stems(organisation) - _stems(" ".join(ORGANISATION_WORDS) + " stadsdelsförvaltning")
    for heading in headings:
        folded = f"{heading.casefold()} "
        if not any(word in folded for word in ORGANISATION_WORDS):
            continue
        if own and not own & _stems(heading):
            return heading.strip()
    return None
