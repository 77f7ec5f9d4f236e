"""Absurd plan files refused as bad input, in bounded time and memory, through the real CLI
(`scheduler import`, exit 2) and the real workspace upload over HTTP (422), on SQLite and
PostgreSQL: a TOML file nested 100,000 deep (it crashed with a RecursionError: a 500 and exit 1),
a workbook listing a million empty rows (read for seconds), files that are no plan at all (a
picture, a Word document, a zip archive, named by an exception's class). Each refusal is one
Swedish line naming the file as its user named it, never a path of the server's or a Python
exception, and nothing is stored."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from scheduler.web.app import create_app
from tests.support.cli import Cli
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.seed import SEED_PLAN
from tests.support.workspace_fixture import PASSWORD, USERNAME, Workspace, seeded_workspace
from tests.test_planfile import HEADER, INSTRUCTIONS

DEPTH = 100_000
# What a message must never show: the server's temporary files, Python's exception names.
INTERNALS = re.compile(r"/tmp|scheduler-upload|Traceback|[A-Za-z]*(Error|Exception)\b|BadZipFile")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


@dataclass(frozen=True)
class Absurd:
    name: str  # as the coordinator names it
    data: bytes
    said: str  # in the refusal


def _toml_nested(opening: str, closing: str) -> bytes:
    return (
        'organisation = "Kungsholmens stadsdelsförvaltning"\nyear = 2024\n[[areas]]\nname = "A"\n'
        f'[[areas.measures]]\ntitle = "T"\nschedule = {{ months = {opening * DEPTH}{closing * DEPTH} }}\n'
    ).encode()


def _workbook(rows_xml: bytes) -> bytes:
    """A valid one-area workbook whose sheet also lists `rows_xml` (packed tight)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Trygghet"
    sheet.append(HEADER)
    sheet.append(["Trygghet", *INSTRUCTIONS])
    sheet.append(["SSP", "Orsak", "Möten", "4 ggr/år", "Polisen", None])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:  # fmt: skip
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"</sheetData>", rows_xml + b"</sheetData>")
            target.writestr(info.filename, data)
    return out.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def absurd_files() -> list[Absurd]:
    return [
        Absurd("djup-plan.toml", _toml_nested("[", "]"),
               "rad 7: tabeller och listor är nästlade i fler än 10 nivåer (limits.max_nesting i config.toml)"),
        Absurd("djupa-tabeller.toml", _toml_nested("{ a = ", "}"),
               "rad 7: tabeller och listor är nästlade i fler än 10 nivåer"),
        Absurd("tomma-rader-2024.xlsx", _workbook(b"<row/>" * 1_048_000),
               "flik «Trygghet»: fliken har fler än 5000 rader, tomma rader medräknade "
               "(limits.max_rows_per_sheet i config.toml)"),
        Absurd("tomma-celler-2024.xlsx", _workbook(b"<row>" + b"<c/>" * 3_000_000 + b"</row>"),
               "flik «Trygghet»: fliken har fler än 100000 celler, tomma celler medräknade"),
        Absurd("bild.xlsx", PNG, "filen är ingen Excel-arbetsbok (.xlsx) som går att läsa: "
                                 "innehållet är en PNG-bild"),
        Absurd("bild.toml", PNG, "filen är ingen TOML-plan: innehållet är en PNG-bild"),
        Absurd("arkiv.xlsx", _zip({"anteckningar.txt": b"hej"}),
               "innehållet är ett zip-arkiv som inte är någon arbetsbok"),
        Absurd("brev.xlsx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
               "innehållet är ett Word-dokument (.docx)"),
        Absurd("text.xlsx", b"organisation = \"X\"\nyear = 2024\n",
               "innehållet är text (t.ex. CSV eller TOML), ingen arbetsbok"),
        Absurd("trasig.xlsx", _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook"}),
               "filen är ingen Excel-arbetsbok (.xlsx) som går att läsa: en del av arbetsboken saknas"),
    ]  # fmt: skip


CASES = absurd_files()


def test_the_absurd_files_are_small() -> None:
    """The sizes the refusals are about: a few KB that unpack to millions of elements."""
    sizes = {case.name: len(case.data) for case in CASES}
    assert sizes["tomma-rader-2024.xlsx"] < 30_000 and sizes["tomma-celler-2024.xlsx"] < 60_000
    assert sizes["djup-plan.toml"] > 2 * DEPTH


def _agenda(cli: Cli) -> str:
    result = cli("agenda", "--json", "--year", "2024")
    assert result.code == 0, result.err
    return result.out


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_cli_refuses_it_in_one_swedish_line_and_stores_nothing(
    cli: Cli, tmp_path: Path, case: Absurd
) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    before = _agenda(cli)
    path = tmp_path / case.name
    path.write_bytes(case.data)
    result = cli("import", str(path))
    assert result.code == 2, result.err
    assert result.err.startswith(f"Fel: fil {path}"), result.err  # the file as it was given
    assert case.said in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not re.search(INTERNALS, result.err.replace(str(tmp_path), "")), result.err
    assert _agenda(cli) == before


# -- the workspace upload over HTTP ----------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return seeded_workspace(tmp_path, store_url)


@pytest.fixture
def signed_in(workspace: Workspace) -> Iterator[httpx.Client]:
    """A browser's session with the real server (uvicorn in a thread), signed in."""
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    with serving(app, free_port()) as url, httpx.Client(base_url=url, timeout=60) as http:
        form = http.get("/logga-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        signed = http.post("/logga-in", data={"csrf": csrf[1], "username": USERNAME, "password": PASSWORD})  # fmt: skip
        assert signed.status_code == 303
        yield http


def _upload(http: httpx.Client, name: str, data: bytes) -> httpx.Response:
    page = http.get("/plan")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    return http.post("/plan", data={"csrf": csrf[1]},
                     files={"fil": (name, data, "application/octet-stream")})  # fmt: skip


def _errors(html: str) -> str:
    """The page's error lines as text."""
    found = re.search(r'id="felsammanfattning".*?</(?:section|div)>', html, re.DOTALL)
    assert found, html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[0])).replace("&#34;", '"')


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_upload_refuses_it_naming_the_file_as_uploaded_and_stores_nothing(
    workspace: Workspace, signed_in: httpx.Client, case: Absurd
) -> None:
    before = _agenda(workspace.cli)
    refused = _upload(signed_in, case.name, case.data)
    assert refused.status_code == 422
    errors = _errors(refused.text)
    assert f"Fil {case.name}: " in errors or f"Fil {case.name}, " in errors, errors
    assert case.said in errors, errors
    assert not re.search(INTERNALS, refused.text), re.search(INTERNALS, refused.text)
    assert _agenda(workspace.cli) == before
