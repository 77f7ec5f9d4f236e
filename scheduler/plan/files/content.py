"""What a file given as a plan holds when it is no plan: said in the refusal ("en PNG-bild", "ett
Word-dokument"), so that the coordinator sees which file was picked by mistake, rather than a
parser's complaint about its insides.

Told from the file's first bytes (the signatures formats begin with) and, for a zip archive,
its list of parts (an .xlsx, a .docx and an .ods are all zip archives).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "en PNG-bild"),
    (b"\xff\xd8\xff", "en JPEG-bild"),
    (b"GIF87a", "en GIF-bild"),
    (b"GIF89a", "en GIF-bild"),
    (b"%PDF-", "ett PDF-dokument"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     "en äldre Office-fil (.xls eller .doc); spara den som .xlsx i Excel"),
    (b"\x1f\x8b", "ett gzip-arkiv"),
    (b"Rar!\x1a\x07", "ett RAR-arkiv"),
    (b"7z\xbc\xaf\x27\x1c", "ett 7z-arkiv"),
    (b"{\\rtf", "ett RTF-dokument"),
)  # fmt: skip
_ZIP = b"PK\x03\x04"
# Parts that name an Office document other than a workbook.
_OTHER_DOCUMENTS = (
    ("word/", "ett Word-dokument (.docx)"),
    ("ppt/", "en PowerPoint-presentation (.pptx)"),
)
_OPEN_DOCUMENT = "ett OpenDocument-dokument (t.ex. .ods); spara det som .xlsx"


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(64)


def not_a_workbook(path: Path) -> str | None:
    """What the file is instead of an .xlsx workbook, or None when it may be one (a zip archive
    of an Office document that is not a Word or PowerPoint one)."""
    head = _head(path)
    if not head:
        return "tom"
    if not head.startswith(_ZIP):
        return _signature(head) or _text_or_not(head)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return "ett trasigt zip-arkiv (en .xlsx-arbetsbok är ett zip-arkiv)"
    if "mimetype" in names and "content.xml" in names:
        return _OPEN_DOCUMENT
    for prefix, described in _OTHER_DOCUMENTS:
        if any(name.startswith(prefix) for name in names):
            return described
    if "[Content_Types].xml" not in names:
        return "ett zip-arkiv som inte är någon arbetsbok"
    return None


def binary_content(path: Path) -> str | None:
    """What a file that is not UTF-8 text (a .toml plan must be) holds, when its first bytes say
    so; None for anything else (text in another encoding, perhaps)."""
    head = _head(path)
    if head.startswith(_ZIP):
        return "ett zip-arkiv, t.ex. en Excel-arbetsbok (den ska ha filändelsen .xlsx)"
    return _signature(head)


def _signature(head: bytes) -> str | None:
    for signature, described in _SIGNATURES:
        if head.startswith(signature):
            return described
    return None


def _text_or_not(head: bytes) -> str:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # more than a character cut at the end of the bytes read
            return "inget zip-arkiv, som en .xlsx-arbetsbok är"
    return "text (t.ex. CSV eller TOML), ingen arbetsbok"
