"""The årshjul in the workspace: one mark per dated occurrence of the coordinator's own plan, as
a page, SVG and PNG; one area or one role; and never another organisation's plan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.districts import KUNGSHOLMEN, NORRMALM
from tests.support.workspace_fixture import (
    Workspace,
    log_in,
    seeded_workspace,
    two_district_workspace,
)
from tests.test_arshjul import parse, published, uids

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def agenda(cli: Cli, *extra: str) -> list[dict[str, object]]:
    result = cli("agenda", "--json", "--year", "2024", *extra)
    assert result.code == 0, result.err
    entries: list[dict[str, object]] = json.loads(result.out)
    return entries


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return seeded_workspace(tmp_path, store_url)


def test_the_svg_has_one_mark_per_dated_occurrence(workspace: Workspace) -> None:
    http = workspace.client()
    assert log_in(http).status_code == 303
    svg = http.get("/arshjul.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["content-disposition"] == 'attachment; filename="arshjul-2024.svg"'
    entries = agenda(workspace.cli)
    assert len(entries) > 50
    assert uids(parse(svg.text)) == published(entries)

    page = http.get("/arshjul")
    assert page.status_code == 200
    assert "<?xml" not in page.text
    assert uids(parse(page.text.split('<figure class="arshjul">')[1].split("</figure>")[0])) == (
        published(entries)
    )
    assert 'href="/arshjul.svg"' in page.text and 'href="/arshjul.png"' in page.text


def test_the_png_is_a_png(workspace: Workspace) -> None:
    http = workspace.client()
    assert log_in(http).status_code == 303
    png = http.get("/arshjul.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == 'attachment; filename="arshjul-2024.png"'
    assert png.content.startswith(PNG_SIGNATURE)


def test_one_area_or_one_role(workspace: Workspace) -> None:
    http = workspace.client()
    assert log_in(http).status_code == 303
    role = http.get("/arshjul.svg", params={"roll": "Kommunpolis"})
    assert role.status_code == 200
    assert role.headers["content-disposition"] == (
        'attachment; filename="arshjul-2024-kommunpolis.svg"'
    )
    assert uids(parse(role.text)) == published(agenda(workspace.cli, "--role", "Kommunpolis"))
    page = http.get("/arshjul", params={"roll": "Kommunpolis"})
    assert '<option value="Kommunpolis" selected>' in page.text
    assert 'href="/arshjul.svg?roll=Kommunpolis"' in page.text

    entries = agenda(workspace.cli)
    area = str(entries[0]["area"])
    chosen = http.get("/arshjul.svg", params={"omrade": area})
    assert uids(parse(chosen.text)) == published([e for e in entries if e["area"] == area])

    unknown = http.get("/arshjul", params={"omrade": "Trafik"})
    assert unknown.status_code == 404
    assert "Okänt område «Trafik» (planens områden: " in unknown.text
    assert area in unknown.text and '<select id="omrade"' in unknown.text  # the form stays
    # An area and a role together: the role's measures in that area.
    police = agenda(workspace.cli, "--role", "Kommunpolis")
    both = http.get("/arshjul.svg", params={"omrade": area, "roll": "Kommunpolis"})
    assert both.status_code == 200
    assert uids(parse(both.text)) == published([e for e in police if e["area"] == area])
    page = http.get("/arshjul", params={"omrade": area, "roll": "Kommunpolis"})
    assert page.status_code == 200
    assert f'<option value="{area}" selected>' in page.text
    assert '<option value="Kommunpolis" selected>' in page.text
    # Rings are numbered in order on every wheel, whichever areas have marks.
    for params in ({}, {"roll": "Kommunpolis"}, {"omrade": area, "roll": "Kommunpolis"}):
        shown = http.get("/arshjul", params=params).text
        numbers = re.findall(r'class="ring-number ring-\d+" aria-hidden="true">(\d+)<', shown)
        assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and numbers, params


def test_a_coordinator_sees_only_the_own_organisations_wheel(
    tmp_path: Path, store_url: str
) -> None:
    workspace = two_district_workspace(tmp_path, store_url)
    http = workspace.client()
    assert log_in(http).status_code == 303

    own = uids(parse(http.get("/arshjul.svg").text))
    kungsholmen = published(agenda(workspace.cli, "--organisation", "kungsholmen"))
    norrmalm = published(agenda(workspace.cli, "--organisation", "norrmalm"))
    assert own == kungsholmen
    assert not own & norrmalm

    for path in ("/arshjul", "/arshjul.svg", "/arshjul.png"):
        for asked in ("norrmalm", NORRMALM, "Solna"):
            refused = http.get(path, params={"organisation": asked})
            assert refused.status_code == 404, (path, asked)
            assert "Sidan finns inte" in refused.text
            assert "Norrmalm" not in refused.text and "norrmalm" not in refused.text
        assert http.get(path, params={"organisation": "kungsholmen"}).status_code == 200
    page = http.get("/arshjul")
    assert KUNGSHOLMEN in page.text and NORRMALM not in page.text
    assert "SSP Norrmalm" not in page.text
