"""How deep a TOML text nests tables and lists, measured before it is parsed.

tomllib reads nested arrays and inline tables recursively (100,000 `[` end in a RecursionError,
a crash rather than a refusal), and a key of many dotted parts in time that grows with the
square of the parts (a 200 KB header `[a.a.a…]` took half a minute; the same as a dotted key
took gigabytes). A file whose nesting is over a limit is refused before tomllib sees it.

The level of a place in the text: one for each array or inline table open around it, one for
each bracket of a table header (`[a]`, `[[a]]`), and one for each dot of the key being read (a
key `a.b.c` is a value two tables down), those of enclosing inline tables' keys included. A
value under a table header counts from the header's table, not from the top: the header itself
is measured. Strings and comments are skipped whole; their brackets and dots count for nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What moves the level, and what must be skipped whole because it may hold those characters.
_TOKEN = re.compile(r'"""|\'\'\'|["\'#\[\]{}=,.\n]')
_STRING_ENDS = {
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"[^'\n]*'"),
    # A multi-line string may end in up to two quotes of its own before its closing three.
    '"""': re.compile(r'(?:[^"\\]|\\.|""?(?!"))*"""(?:"{1,2})?', re.DOTALL),
    "'''": re.compile(r"(?:[^']|''?(?!'))*'''(?:'{1,2})?"),
}


@dataclass(frozen=True)
class TooDeep:
    line: int  # 1-based
    level: int  # the first level over the limit


@dataclass
class _Open:
    """An open bracket: what it was, the level outside it, and the level of its own content."""

    kind: str  # "[" array, "{" inline table, "h" a table header's bracket
    outside: int
    inside: int


def too_deep(text: str, limit: int) -> TooDeep | None:
    """Where `text` first nests deeper than `limit` levels, or None. Malformed TOML is measured
    as far as it goes; tomllib reports what is wrong with it."""
    opened: list[_Open] = []
    level = 0
    key = True  # reading a key (where a dot nests), not a value
    position = 0
    while (found := _TOKEN.search(text, position)) is not None:
        token, position = found[0], found.end()
        if token in _STRING_ENDS:
            end = _STRING_ENDS[token].match(text, position)
            position = end.end() if end else _line_end(text, position)
            continue
        if token == "#":
            position = _line_end(text, position)
            continue
        if token in "[{":
            kind = "h" if token == "[" and key and (not opened or opened[-1].kind == "h") else token
            opened.append(_Open(kind, level, level + 1))
            level += 1
            key = kind != "["  # an array holds values; a table, and a header, keys
        elif token in "]}":
            if opened:
                level = opened.pop().outside
            key = bool(opened) and opened[-1].kind != "["
        elif token == "." and key:
            level += 1
        elif token == "=":
            key = False
        elif token == ",":
            if opened and opened[-1].kind == "{":  # the next key of an inline table
                level, key = opened[-1].inside, True
        elif token == "\n" and not opened:  # a new line at the top: a new key or header
            level, key = 0, True
        if level > limit:
            return TooDeep(text.count("\n", 0, found.start()) + 1, level)
    return None


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end
