"""The plan page: a messy workbook uploaded and read as `scheduler import` reads it, every reading
warning shown, a refused file changing nothing, the plan downloaded as .xlsx, and only the
coordinator's own organisation."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from scheduler.plan.files import read_plan, write_plan
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.cli import Cli, write_config
from tests.support.districts import NORRMALM, norrmalm_plan
from tests.support.workspace_fixture import (
    USERNAME,
    Workspace,
    log_in,
    messy_workbook,
    page_token,
    seeded_workspace,
    workspace_of,
)

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"')


def upload(http: TestClient, name: str, data: bytes, *, csrf: str | None = "") -> httpx.Response:
    if csrf == "":
        csrf = page_token(http.get("/plan"))
    fields = {} if csrf is None else {"csrf": csrf}
    response: httpx.Response = http.post(
        "/plan", data=fields, files={"fil": (name, data, "application/octet-stream")}
    )
    return response


def agenda(cli: Cli) -> str:
    result = cli("agenda", "--json", "--year", "2024")
    assert result.code == 0, result.err
    return result.out


@pytest.fixture
def empty(tmp_path: Path, store_url: str) -> Workspace:
    workspace = workspace_of(write_config(tmp_path / "config.toml", store_url))
    workspace.add_account(USERNAME, KUNGSHOLMEN)
    return workspace


def test_a_messy_workbook_is_imported_and_its_readings_shown(
    empty: Workspace, tmp_path: Path
) -> None:
    http = empty.client()
    assert log_in(http).status_code == 303
    before = http.get("/plan")
    assert "Ingen plan är importerad för Kungsholmens stadsdelsförvaltning ännu" in before.text
    assert 'type="file"' in before.text and 'enctype="multipart/form-data"' in before.text

    done = upload(http, "rörig.xlsx", messy_workbook(tmp_path / "rorig.xlsx").read_bytes())
    assert done.status_code == 200
    page = text_of(done.text)
    assert (f"Importerade {KUNGSHOLMEN} 2024 från «rörig.xlsx»: 1 område, 2 åtgärder (2 nya, "
            "0 ändrade, 0 oförändrade, 0 borttagna).") in page  # fmt: skip
    assert "Kalendern: 5 nya, 0 flyttade och 0 inställda möten och uppgifter." in page
    assert "När kunde inte tolkas: «när månen står rätt»; inga möten planeras" in page
    assert "ingen sammankallande roll hittades i Vem: «Alla berörda»" in page
    assert "Sammankallande Kommunpolis Påminnelser till kommunpolis@" in page
    assert "Tolkning ej tolkad" in page
    assert "Serie: 4 gånger per år" in page
    assert "2024-02-13" in page

    # The same as the CLI stored: the plan is in the store, with its dates.
    stored = load_plan(
        empty.engine, find_plan_id(empty.engine, year=2024, organisation=KUNGSHOLMEN)
    )
    assert [m.measure.title for m in stored.measures if not m.is_plan_task] == [
        "Trygghetsvandring", "Lägesbild"]  # fmt: skip
    assert text_of(http.get("/plan").text).count("Att se över:") == 2  # by each measure


def test_a_refused_file_changes_nothing(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = workspace.client()
    assert log_in(http).status_code == 303
    before = agenda(workspace.cli)

    # Most of the seed plan's measures would go: refused, as `scheduler import` refuses it.
    messy = messy_workbook(tmp_path / "rorig.xlsx").read_bytes()
    refused = upload(http, "rörig.xlsx", messy)
    assert refused.status_code == 422
    assert 'id="felsammanfattning"' in refused.text
    assert "Filen kunde inte importeras" in refused.text
    assert "Inget ändrades" in refused.text

    not_a_plan = upload(http, "anteckningar.txt", b"hej")
    assert not_a_plan.status_code == 422
    assert "«anteckningar.txt» är varken en .xlsx- eller en .toml-fil" in not_a_plan.text
    broken = upload(http, "trasig.xlsx", b"PK\x03\x04 inte en arbetsbok")
    assert broken.status_code == 422

    write_plan(norrmalm_plan(), tmp_path / "norrmalm.toml")
    other = upload(http, "norrmalm.toml", (tmp_path / "norrmalm.toml").read_bytes())
    assert other.status_code == 422
    assert f"«norrmalm.toml» är en plan för «{NORRMALM}», men du är inloggad för {KUNGSHOLMEN}" in (
        text_of(other.text)
    )

    no_token = upload(http, "rörig.xlsx", messy, csrf=None)
    assert no_token.status_code == 403
    assert "Formuläret kunde inte skickas" in no_token.text
    assert agenda(workspace.cli) == before


def test_the_plan_downloads_as_a_workbook(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = workspace.client()
    assert log_in(http).status_code == 303
    download = http.get("/plan.xlsx")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="atgardsplan-2024.xlsx"'
    (tmp_path / "ned.xlsx").write_bytes(download.content)
    stored = load_plan(workspace.engine, find_plan_id(workspace.engine, year=2024))
    assert read_plan(tmp_path / "ned.xlsx").plan == stored.plan

    assert http.get("/plan", params={"organisation": "Norrmalm"}).status_code == 404
    assert http.get("/plan.xlsx", params={"organisation": NORRMALM}).status_code == 404
    assert http.get("/plan", params={"ar": "2023"}).status_code == 404
    assert http.get("/plan", params={"ar": "2024"}).status_code == 200


def test_the_words_a_reading_did_not_use_are_shown_by_the_dates(empty: Workspace) -> None:
    """Issue 23: beside a measure's dates, the words of its När that the dates do not follow."""
    http = empty.client()
    assert log_in(http).status_code == 303
    plan = (
        f'organisation = "{KUNGSHOLMEN}"\nyear = 2024\n[[areas]]\nname = "Trygg sommar"\n'
        '[[areas.measures]]\ntitle = "Nattvandring"\n'
        'when_text = "Varje fredag under sommarlovet om vädret tillåter"\n'
        'responsible_text = "Kommunpolisen sammankallar."\n'
        '[[areas.measures]]\ntitle = "Tillsyn"\nwhen_text = "Minst åtta tillsyner under året"\n'
        'responsible_text = "Kommunpolisen sammankallar."\n'
    )
    done = upload(http, "plan.toml", plan.encode())
    assert done.status_code == 200, done.text
    page = text_of(done.text)
    walk = page[page.index("Nattvandring Att se över") :]
    walk = walk[: walk.index("Tillsyn")]
    # After the dates of the summer Fridays: what the reading did not use.
    assert re.search(r"2024-08-16 Lästes inte och påverkar inte datumen: «vädret tillåter»", walk)
    inspections = page[page.index("Tillsyn", page.index("2024-08-16")) :]
    assert "Lästes inte" not in inspections and "8 gånger per år" in inspections
