"""Small text helpers shared by emails, calendar entries and pages."""

from __future__ import annotations


def one_line(text: str) -> str:
    """A header-safe single line: line breaks and control characters become spaces."""
    if not text.isprintable():  # checked at C speed first: most texts are one clean line
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())
