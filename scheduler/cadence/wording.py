"""How often a series recurs, in Swedish that agrees ("varannan vecka", "vartannat år"): the one
wording of a frequency, for the parser's messages and for every description of a reading."""

from __future__ import annotations

from typing import Final

from scheduler.base.swedish import count as counted

# The units a count is per, as Swedish nouns with their gender: "varannan vecka" (common) but
# "vartannat år" (neuter).
UNIT_NOUNS: Final[dict[str, tuple[str, bool]]] = {
    "day": ("dag", False),
    "week": ("vecka", False),
    "month": ("månad", False),
    "quarter": ("kvartal", True),
    "tertial": ("tertial", True),
    "term": ("termin", False),
    "half_year": ("halvår", True),
    "year": ("år", True),
}
_ORDINALS: Final = {3: "tredje", 4: "fjärde", 5: "femte", 6: "sjätte", 7: "sjunde", 8: "åttonde",
                    9: "nionde", 10: "tionde", 11: "elfte", 12: "tolfte"}  # fmt: skip


def frequency_text(count: int, per: str, interval: int = 1) -> str:
    """How often, in Swedish that agrees: "1 gång per vecka", "varannan vecka", "vartannat år",
    "2 gånger var tredje månad", "1 gång" (for one-off dates and deadlines)."""
    if per not in UNIT_NOUNS:
        return counted(count, "gång")
    noun, neuter = UNIT_NOUNS[per]
    if interval <= 1:
        return f"{counted(count, 'gång')} per {noun}"
    if interval == 2:
        every = f"{'vartannat' if neuter else 'varannan'} {noun}"
    else:
        ordinal = _ORDINALS.get(interval, f"{interval}:e")
        every = f"{'vart' if neuter else 'var'} {ordinal} {noun}"
    return every if count == 1 else f"{counted(count, 'gång')} {every}"
