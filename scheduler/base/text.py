"""Small text helpers shared by emails, calendar entries and pages."""

from __future__ import annotations

from collections.abc import Iterable


def one_line(text: str) -> str:
    """A header-safe single line: line breaks and control characters become spaces."""
    collapsed = " ".join(text.split())
    if collapsed.isprintable():  # the common case, at C speed: only whitespace was not
        return collapsed
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def sentences(parts: Iterable[str]) -> str:
    """Whole sentences one after another: each ends with its own full stop (added when it has
    none) and begins with a capital, so no ".;" or ";." seams where messages are joined."""
    whole = []
    for part in parts:
        text = part.strip().rstrip(";,")
        if not text:
            continue
        text = text[0].upper() + text[1:]
        whole.append(text if text.endswith((".", "!", "?", "»")) else text + ".")
    return " ".join(whole)
