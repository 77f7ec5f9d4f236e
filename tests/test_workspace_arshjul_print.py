"""The årshjul to print and present: A4 and A3 PDFs (one page of that paper, the font embedded,
the wheel's words as text) and the PNG, each drawn once per state of the plan and served from the
cache after (counted through `WHEELS.renders`, never timed); a moved meeting draws it anew."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from scheduler.web.wheel_cache import WHEELS
from tests.support.workspace_fixture import START, Workspace, log_in, page_token, seeded_workspace
from tests.test_workspace_agenda import first_ssp_meeting

PAPER_POINTS = {"a4": (595.3, 841.9), "a3": (841.9, 1190.6)}


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return seeded_workspace(tmp_path, store_url)


def embedded_fonts(page: Any) -> list[str]:
    """The page's fonts whose program is in the file (FontFile, FontFile2 or FontFile3)."""
    found = []
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        keys = set(descriptor.get_object()) if descriptor is not None else set()
        if keys & {"/FontFile", "/FontFile2", "/FontFile3"}:
            found.append(str(font["/BaseFont"]))
    return found


@pytest.mark.parametrize("paper", ["a4", "a3"])
def test_the_pdf_is_one_page_of_its_paper_with_the_font_embedded(
    workspace: Workspace, paper: str
) -> None:
    http = workspace.client()
    assert log_in(http).status_code == 303
    response = http.get("/arshjul.pdf", params={"papper": paper, "roll": "Kommunpolis"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="arshjul-2024-kommunpolis-{paper}.pdf"'
    )
    pdf = PdfReader(io.BytesIO(response.content))
    (page,) = pdf.pages
    size = (float(page.mediabox.width), float(page.mediabox.height))
    assert all(abs(got - want) < 1.5 for got, want in zip(size, PAPER_POINTS[paper], strict=True))
    assert embedded_fonts(page)
    text = page.extract_text()
    assert "Årshjul 2024" in text and "Januari" in text and "Roll: Kommunpolis" in text
    assert http.get("/arshjul.pdf", params={"papper": "a5"}).status_code == 404


def test_each_picture_is_drawn_once_per_state_of_the_plan(workspace: Workspace) -> None:
    http = workspace.client()
    assert log_in(http).status_code == 303
    for path in ("/arshjul.png", "/arshjul.pdf"):
        before = WHEELS.renders
        first = http.get(path)
        assert first.status_code == 200 and WHEELS.renders == before + 1
        second = http.get(path)
        assert second.content == first.content and WHEELS.renders == before + 1, path
    # Another choice is another picture; the plan changed is another state.
    before = WHEELS.renders
    http.get("/arshjul.png", params={"roll": "Kommunpolis"})
    assert WHEELS.renders == before + 1
    uid = str(first_ssp_meeting(workspace.cli)["uid"])
    workspace.clock.now = START + timedelta(minutes=1)  # a later change, as in real time
    token = page_token(http.get("/agenda"))
    moved = http.post("/agenda/flytta", data={"csrf": token, "uid": uid, "datum": "2024-04-17",
                                              "tid": "13:15", "slut": "", "note": ""})  # fmt: skip
    assert moved.status_code == 200
    before = WHEELS.renders
    http.get("/arshjul.png")
    assert WHEELS.renders == before + 1
    http.get("/arshjul.png")
    assert WHEELS.renders == before + 1
