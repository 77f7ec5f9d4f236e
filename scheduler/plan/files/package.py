"""The sheets a workbook lists, and the part of the archive that holds each, read from the
package's relationships (ECMA-376 part 2, the Open Packaging Conventions) with zipfile and the
standard library's XML parser.

openpyxl drops a sheet whose part is missing without a word, and a plan missing an area would
retire that area's measures; and the sheets' parts are counted (sheet_size.py) before openpyxl
parses any of them. Both need the list as the workbook gives it, which openpyxl does not offer.
Elements and attributes are matched by their local names, so transitional and strict files read
alike.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

_OFFICE_DOCUMENT = "/officeDocument"  # the end of the workbook's relationship type


@dataclass(frozen=True)
class ListedSheet:
    name: str
    part: str  # the archive's member name; "" when the workbook names none
    present: bool  # the archive holds the part


def listed_sheets(archive: zipfile.ZipFile) -> list[ListedSheet]:
    """The workbook's sheets in its order. Raises KeyError for a missing package part and
    ElementTree.ParseError for one that is not XML (the caller's "not a readable workbook")."""
    workbook = _target(archive, "", "_rels/.rels", _OFFICE_DOCUMENT)
    folder = posixpath.dirname(workbook)
    rels_part = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets = _relationships(archive, folder, rels_part)
    names = set(archive.namelist())
    sheets = []
    for element in ElementTree.fromstring(archive.read(workbook)).iter():
        if _local(element.tag) != "sheet":
            continue
        name = element.get("name", "")
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id" and k != "id"), "")
        part = targets.get(rid, ("", ""))[1]
        sheets.append(ListedSheet(name, part, part in names))
    return sheets


def _target(archive: zipfile.ZipFile, folder: str, rels_part: str, kind: str) -> str:
    for _type, target in _relationships(archive, folder, rels_part).values():
        if _type.endswith(kind):
            return target
    raise KeyError(f"{rels_part}: no relationship of type {kind}")


def _relationships(archive: zipfile.ZipFile, folder: str, rels_part: str) -> dict[str, tuple[str, str]]:  # fmt: skip
    """Id → (type, member name) of a relationships part; targets are relative to `folder`,
    or to the package's root when they start with "/"."""
    found = {}
    for element in ElementTree.fromstring(archive.read(rels_part)).iter():
        if _local(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        target = element.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        found[element.get("Id", "")] = (element.get("Type", ""), posixpath.normpath(path))
    return found


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace."""
    return name.rpartition("}")[2]
