"""How many rows and cells a worksheet lists, counted in its XML before it is parsed.

A sheet may list rows and cells that hold nothing (only formatting, or nothing at all): a million
`<row/>` pack into a few KB, and parsing them took seconds, as did millions of empty cells in a
few rows. Counted here as bytes stream out of the archive (zipfile's public API, a regular
expression over each megabyte), the sheet is refused before openpyxl reads a row of it, and the
count stops as soon as it is over the limit.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

# A row or cell element's start tag, with or without a namespace prefix (`<row`, `<x:c`); not
# `<rowBreaks`, `<col`, `<cfRule` … Text holds no "<" (XML escapes it), so only tags match.
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?(row|c)[\s/>]")
_LONGEST = 40  # a match is never longer: one cut at a chunk's end is completed by the next
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Listed:
    rows: int
    cells: int


def listed(archive: zipfile.ZipFile, part: str, *, max_rows: int, max_cells: int) -> Listed:
    """The rows and cells `part` lists, counted until one is over its limit."""
    rows = cells = 0
    carried = b""
    with archive.open(part) as source:
        while rows <= max_rows and cells <= max_cells:
            chunk = source.read(_CHUNK)
            text = carried + chunk
            # The last bytes may hold the start of a tag cut by the chunk: kept for the next.
            end = len(text) if not chunk else max(len(text) - _LONGEST, 0)
            for found in _ELEMENT.finditer(text, 0, len(text)):
                if found.start() >= end:
                    break
                if found[1] == b"row":
                    rows += 1
                else:
                    cells += 1
            if not chunk:
                break
            carried = text[end:]
    return Listed(rows, cells)
