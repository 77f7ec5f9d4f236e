"""What a worksheet lists, read from its XML before openpyxl parses it: how many rows and cells
(bounded), its merged ranges, and whether any cell holds a formula.

A sheet may list rows and cells that hold nothing (only formatting, or nothing at all): a million
`<row/>` pack into a few KB, and parsing them took seconds, as did millions of empty cells in a
few rows. Counted here as bytes stream out of the archive (zipfile's public API, a regular
expression over each megabyte), the sheet is refused before openpyxl reads a row of it, and the
count stops as soon as it is over the limit. Cells are counted as openpyxl's read-only mode
hands them out: each row as wide as its last cell (`B7` then `XFD7` are 16,384 cells, every one
of which the reader would step over).

The same pass finds what the read-only mode does not give: the merged ranges (`<mergeCell
ref="A3:A5"/>`), and whether a formula occurs at all, so that a workbook without one (nearly
every plan) is read once, with the values its formulas had when last calculated.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string, range_boundaries

# The start tags counted or read, with or without a namespace prefix (`<row`, `<x:c`): a row; a
# cell, with its column from its `r` attribute when that comes first, as every writer puts it;
# a merged range; a formula. Not `<rowBreaks`, `<col`, `<cfRule`, `<font` … Text holds no "<"
# (XML escapes it), so only tags match.
_ELEMENT = re.compile(
    rb"<(?:[A-Za-z_][\w.-]{0,30}:)?"
    rb"(?:(row)[\s/>]"
    rb"|(c)(?=[\s/>])(?:\s+r\s*=\s*[\"']([A-Z]{1,3})[0-9])?"
    rb"|(mergeCell)\s[^>]{0,100}?\bref\s*=\s*[\"']([A-Za-z0-9:$]{1,40})[\"']"
    rb"|(f)[\s/>])"
)
_LONGEST = 200  # a match is never longer: one cut at a chunk's end is completed by the next
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Listed:
    rows: int
    cells: int
    merges: tuple[tuple[int, int, int, int], ...] = ()  # (min_col, min_row, max_col, max_row)
    formulas: bool = False  # a cell holds a formula


def listed(archive: zipfile.ZipFile, part: str, *, max_rows: int, max_cells: int) -> Listed:
    """What `part` lists, its rows and cells counted until one is over its limit."""
    rows = cells = 0
    column = width = 0  # the current row's: its last cell's column, and how wide it is
    merges: list[tuple[int, int, int, int]] = []
    formulas = False
    carried = b""
    with archive.open(part) as source:
        while rows <= max_rows and cells + width <= max_cells:
            chunk = source.read(_CHUNK)
            text = carried + chunk
            # The last bytes may hold the start of a tag cut by the chunk: kept for the next.
            end = len(text) if not chunk else max(len(text) - _LONGEST, 0)
            for found in _ELEMENT.finditer(text, 0, len(text)):
                if found.start() >= end:
                    break
                if found[1]:
                    rows += 1
                    cells += width
                    column = width = 0
                elif found[2]:
                    # Without `r`, the next column (as openpyxl counts it).
                    column = column_index_from_string(found[3].decode()) if found[3] else column + 1  # fmt: skip
                    width = column
                elif found[4]:
                    merges.append(_range(found[5]))
                else:
                    formulas = True
            if not chunk:
                break
            carried = text[end:]
    return Listed(rows, cells + width, tuple(merges), formulas)


def _range(ref: bytes) -> tuple[int, int, int, int]:
    min_col, min_row, max_col, max_row = range_boundaries(ref.decode().replace("$", ""))
    if None in (min_col, min_row, max_col, max_row):  # a whole row or column ("A:A")
        return (0, 0, 0, 0)  # no cell to fill from: left out
    return (int(min_col), int(min_row), int(max_col), int(max_row))
