"""iCalendar content lines written as text, byte for byte as `icalendar` 7 writes them. Pure.

A feed is hundreds of events, each a dozen properties; building an `icalendar` component per event
and serialising it costs about as much as everything else a poll or an export does. The values a
feed's events carry are few and simple (text, a UTC or Stockholm time, a date, an integer, a URL),
so they are written here directly. `tests/test_feeds_content_lines.py` holds the output to
`icalendar`'s own for every kind of value and text (escapes, line breaks, long lines, non-ASCII).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from scheduler.base.time import STOCKHOLM, TZID

# icalendar folds a line before it would reach 75 octets: at most 74 per physical line.
_LIMIT = 74
_FOLD = b"\r\n "
# A fold never separates a backslash escape (or an RFC 6868 ^ escape) from what it escapes.
_ESCAPE_STARTS = (ord("\\"), ord("^"))
_TZID = TZID.encode()


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping, in icalendar's order (so "\\N" and "\\r\\n" come out alike)."""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def fold(line: bytes) -> bytes:
    """A content line folded at 74 octets, never inside a UTF-8 character or after a lone
    escape character."""
    if len(line) <= _LIMIT:
        return line
    pieces = []
    start, size = 0, len(line)
    while size - start > _LIMIT:
        end = start + _LIMIT
        while line[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the character
            end -= 1
        if end - start > 1 and line[end - 1] in _ESCAPE_STARTS:
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return _FOLD.join(pieces)


def text_line(name: str, value: str) -> bytes:
    return fold(f"{name}:{escape_text(value)}".encode())


def raw_line(name: str, value: str) -> bytes:
    """A value written as it is (a URI, an integer, a keyword without escapable characters)."""
    return fold(f"{name}:{value}".encode())


# Times and dates by %-formatting, not strftime (twice as fast; the same digits for the years a
# plan can have, 1000–9999): a feed has two or three per event.
def utc_line(name: str, moment: datetime) -> bytes:
    t = moment.astimezone(UTC)
    return b"%s:%04d%02d%02dT%02d%02d%02dZ" % (name.encode(), t.year, t.month, t.day, t.hour, t.minute, t.second)  # fmt: skip


def local_line(name: str, moment: datetime) -> bytes:
    t = moment.astimezone(STOCKHOLM)
    return b"%s;TZID=%s:%04d%02d%02dT%02d%02d%02d" % (name.encode(), _TZID, t.year, t.month, t.day, t.hour, t.minute, t.second)  # fmt: skip


def date_line(name: str, day: date) -> bytes:
    return b"%s;VALUE=DATE:%04d%02d%02d" % (name.encode(), day.year, day.month, day.day)


def categories_line(values: tuple[str, ...]) -> bytes:
    return fold(("CATEGORIES:" + ",".join(escape_text(v) for v in values)).encode())
