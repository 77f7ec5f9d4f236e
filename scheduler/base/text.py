"""Small text helpers shared by emails, calendar entries and pages."""

from __future__ import annotations


def one_line(text: str) -> str:
    """A header-safe single line: line breaks and control characters become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
