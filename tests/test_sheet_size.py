"""What a sheet lists, read from its XML before openpyxl parses it
(scheduler/plan/files/sheet_size.py): rows and cells exact across the megabyte chunks it is read
in, with or without a namespace prefix, never other elements, each row as wide as its last cell,
stopped once over the limit; its merged ranges, and whether a formula occurs."""

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


def test_a_row_counts_as_wide_as_its_last_cell() -> None:
    """openpyxl's read-only mode hands out each row up to its last cell: B7 and XFD7 are
    16,384 cells to step over, as a cell without a reference is the one after the last."""
    xml = (b'<worksheet><sheetData><row r="7"><c r="B7"/><c r="XFD7" t="s"><v>0</v></c></row>'
           b'<row r="8"><c r="C8"/><c/></row></sheetData></worksheet>')  # fmt: skip
    counted = listed(_archive(xml), PART, max_rows=10, max_cells=10**6)
    assert (counted.rows, counted.cells) == (2, 16_384 + 4)
    assert listed(_archive(xml), PART, max_rows=10, max_cells=1_000).cells > 1_000


def test_merged_ranges_and_formulas_are_found() -> None:
    xml = (b'<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="1"><x:c r="A1"><x:f>1+1</x:f>'
           b'</x:c></x:row></x:sheetData><x:mergeCells count="2"><x:mergeCell ref="A3:A5"/>'
           b"<x:mergeCell ref='$B$2:$C$2'/></x:mergeCells></x:worksheet>")  # fmt: skip
    counted = listed(_archive(xml), PART, max_rows=10, max_cells=100)
    assert counted.merges == ((1, 3, 1, 5), (2, 2, 3, 2))
    assert counted.formulas
    plain = b"<worksheet><sheetData><row><c><v>1</v></c></row></sheetData><cols><col/></cols>"
    assert not listed(
        _archive(plain + b"<fill/></worksheet>"), PART, max_rows=10, max_cells=100
    ).formulas
