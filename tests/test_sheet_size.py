"""Rows and cells a sheet lists, counted in its XML before openpyxl parses it
(scheduler/plan/files/sheet_size.py): exact across the megabyte chunks it is read in, with or
without a namespace prefix, never other elements, and stopped once over the limit."""

from __future__ import annotations

import io
import zipfile

from scheduler.plan.files.sheet_size import Listed, listed

PART = "xl/worksheets/sheet1.xml"


def _archive(xml: bytes) -> zipfile.ZipFile:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PART, xml)
    return zipfile.ZipFile(data)


def test_every_row_and_cell_is_counted_across_chunks_and_nothing_else() -> None:
    # Rows of odd lengths, so that tags fall across every chunk boundary.
    rows = [
        b'<x:row r="%d" spans="1:3"><x:c r="A%d" t="s"><x:v>1</x:v></x:c><x:c/>%s</x:row>'
        % (n, n, b" " * (n % 37))
        for n in range(1, 40_001)
    ]
    xml = (
        b'<?xml version="1.0"?><x:worksheet xmlns:x="urn:x"><x:cols><x:col min="1"/></x:cols>'
        b"<x:sheetData>" + b"".join(rows) + b"<row/><row><c>\n</c></row></x:sheetData>"
        b"<x:conditionalFormatting><x:cfRule/></x:conditionalFormatting><x:rowBreaks/>"
        b"<x:customSheetViews/></x:worksheet>"
    )
    assert len(xml) > 3 * 1024 * 1024
    counted = listed(_archive(xml), PART, max_rows=10**9, max_cells=10**9)
    assert counted == Listed(rows=40_002, cells=80_001)


def test_counting_stops_once_over_the_limit() -> None:
    xml = b"<worksheet><sheetData>" + b"<row/>" * 3_000_000 + b"</sheetData></worksheet>"
    counted = listed(_archive(xml), PART, max_rows=5_000, max_cells=100)
    assert 5_000 < counted.rows < 1_000_000  # within the first chunk or so, not all three million
