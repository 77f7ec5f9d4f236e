"""Small text helpers shared by emails, calendar entries and pages."""

from __future__ import annotations


def one_line(text: str) -> str:
    """A header-safe single line: line breaks and control characters become spaces."""
    collapsed = " ".join(text.split())
    if collapsed.isprintable():  # the common case, at C speed: only whitespace was not
        return collapsed
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
