"""An upload says what it did: the organisation and year imported, and the page then shows that
year; a warning when the file's title names another organisation (a workbook without an
"Organisation: …" cell is taken as the coordinator's) and when every date lies in the past. A
file of a year older than last year, or one that replaces more than a few measures, is previewed
first (the file kept meanwhile) and imported on the confirming POST; the unconfirmed POST changes
no table, on both databases."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import Workbook

from scheduler.plan.files import read_plan, write_plan
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.seed import SEED_PLAN
from tests.support.unchanged_tables import assert_unchanged, table_rows
from tests.support.workspace_fixture import Workspace, log_in, page_token, seeded_workspace
from tests.test_workspace_followup import text_of
from tests.test_workspace_plan import upload

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"


def signed_in(workspace: Workspace) -> TestClient:
    http = workspace.client()
    assert log_in(http).status_code == 303
    return http


def unlabelled_workbook(path: Path, title: str) -> Path:
    """A workbook whose title names its district but that has no "Organisation: …" cell."""
    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = "Instruktion"
    intro.append([title])
    area = book.create_sheet("Trygghet i centrum")
    area.append(["Prioriterat samverkansområde", "Orsak", "Åtgärd", "När", "Vem", "Uppföljning"])
    area.append(["Trygghet i centrum"])
    area.append(["Lägesbild", "Behov av lägesbild", "Möten", "4 ggr/år", "Kommunpolis är sammankallande", None])  # fmt: skip
    book.save(path)
    return path


def seed_of_year(tmp_path: Path, year: int, *, changed: int = 0) -> bytes:
    """The seed plan as another year's, with the Åtgärd of its first `changed` measures edited."""
    plan = read_plan(SEED_PLAN).plan
    count = 0
    areas = []
    for area in plan.areas:
        measures = []
        for measure in area.measures:
            if count < changed:
                measure = replace(measure, action=measure.action + " (ny text)")
            count += 1
            measures.append(measure)
        areas.append(replace(area, measures=tuple(measures)))
    path = tmp_path / f"plan-{year}-{changed}.toml"
    write_plan(replace(plan, year=year, areas=tuple(areas)), path)
    return path.read_bytes()


def test_another_districts_title_is_named_and_the_page_shows_the_year_imported(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    book = unlabelled_workbook(tmp_path / "solna.xlsx", "Åtgärdsplan 2025 – Solna stad")
    done = upload(http, "solna.xlsx", book.read_bytes())
    assert done.status_code == 200
    shown = text_of(done.text)
    assert f"Importerade {KUNGSHOLMEN} 2025 från «solna.xlsx»" in shown
    assert (
        "Obs: filens rubrik «Åtgärdsplan 2025 – Solna stad» nämner en annan organisation" in shown
    )
    assert "Visar år 2025" in shown and "Åtgärdsplan 2025" in shown  # not 2024, the year by date
    # The district's own title is no warning.
    own = unlabelled_workbook(tmp_path / "egen.xlsx", "Åtgärdsplan 2026 Kungsholmens stadsdelsförvaltning")  # fmt: skip
    assert "nämner en annan organisation" not in text_of(upload(http, "egen.xlsx", own.read_bytes()).text)  # fmt: skip


def test_a_plan_whose_dates_have_all_passed_says_so(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    done = upload(http, "plan-2023.toml", seed_of_year(tmp_path, 2023))  # last year: no preview
    assert done.status_code == 200
    shown = text_of(done.text)
    assert f"Importerade {KUNGSHOLMEN} 2023" in shown
    assert "Obs: alla datum i planen 2023 har redan passerat" in shown
    assert "passerat" not in text_of(
        upload(http, "plan-2024.toml", seed_of_year(tmp_path, 2024)).text
    )


def test_a_year_older_than_last_year_is_confirmed_first(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    before = table_rows(workspace.engine)
    preview = upload(http, "plan-2021.toml", seed_of_year(tmp_path, 2021))
    assert preview.status_code == 200
    assert_unchanged(workspace.engine, before)
    shown = text_of(preview.text)
    assert "Importera «plan-2021.toml»?" in shown
    assert "Planen gäller 2021, som är äldre än förra året (2023)" in shown
    stash = re.search(r'name="fil_id" value="([0-9a-f]+)"', preview.text)
    assert stash
    data = {"csrf": page_token(preview), "fil_id": stash[1], "filnamn": "plan-2021.toml",
            "bekraftat": "ja"}  # fmt: skip
    done = http.post("/plan", data=data)
    assert done.status_code == 200
    assert f"Importerade {KUNGSHOLMEN} 2021" in text_of(done.text)
    assert find_plan_id(workspace.engine, year=2021, organisation=KUNGSHOLMEN)
    # The kept file is used once.
    before = table_rows(workspace.engine)
    again = http.post("/plan", data=data)
    assert again.status_code == 422 and "finns inte längre" in text_of(again.text)
    assert_unchanged(workspace.engine, before)


def test_replacing_more_than_a_few_measures_is_confirmed_first(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    # A few changed: imported at once.
    few = upload(http, "plan.toml", seed_of_year(tmp_path, 2024, changed=2))
    assert f"Uppdaterade {KUNGSHOLMEN} 2024" in text_of(few.text)
    before = table_rows(workspace.engine)
    preview = upload(http, "plan.toml", seed_of_year(tmp_path, 2024, changed=6))
    assert preview.status_code == 200
    assert_unchanged(workspace.engine, before)
    shown = text_of(preview.text)
    assert (
        "av de" in shown and "åtgärderna i den sparade planen 2024 ändras eller tas bort" in shown
    )
    stash = re.search(r'name="fil_id" value="([0-9a-f]+)"', preview.text)
    assert stash
    done = http.post("/plan", data={"csrf": page_token(preview), "fil_id": stash[1],
                                    "filnamn": "plan.toml", "bekraftat": "ja"})  # fmt: skip
    assert f"Uppdaterade {KUNGSHOLMEN} 2024" in text_of(done.text)
    plan_id = find_plan_id(workspace.engine, year=2024, organisation=KUNGSHOLMEN)
    changed = [m for m in load_plan(workspace.engine, plan_id).measures if m.measure.action.endswith("(ny text)")]  # fmt: skip
    assert len(changed) == 6
