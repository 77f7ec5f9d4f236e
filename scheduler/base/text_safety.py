"""Which characters a stored text may hold.

Control characters other than tab, line feed and carriage return have no meaning in a plan or a
follow-up answer, are illegal in xlsx (openpyxl raises IllegalCharacterError) and XML, and can hide
text from a reader. They are refused where text comes in (plan files, web forms) with a message
naming where; writers also drop them as a last line of defence for rows stored before the check.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except \t \n \r, DEL, the C1 controls, and what XML 1.0 cannot hold at all (lone
# surrogates, U+FFFE, U+FFFF): an xlsx holding one of those no longer opens.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def first_control_character(text: str) -> int | None:
    """The index of the first disallowed control character in `text`, or None."""
    found = _CONTROL.search(text)
    return found.start() if found else None


def describe_control_character(text: str) -> str | None:
    """A Swedish description of the first disallowed control character, e.g.
    'otillåtet styrtecken U+0007 på position 12', or None when there is none."""
    index = first_control_character(text)
    if index is None:
        return None
    return f"otillåtet styrtecken U+{ord(text[index]):04X} på position {index + 1}"


def without_control_characters(text: str) -> str:
    """`text` with every disallowed control character removed."""
    return _CONTROL.sub("", text)


def without_control_characters_in(value: Any) -> Any:
    """`value` (strings, dicts, lists and tuples, nested; dict keys too) with every disallowed
    control character removed from every string, for writers serialising a whole structure."""
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, dict):
        return {
            without_control_characters_in(k): without_control_characters_in(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(without_control_characters_in(v) for v in value)
    return value
