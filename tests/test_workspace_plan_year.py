"""The plan's year from /plan without a terminal: hand it in (/plan/lamna-in) and roll it over to
the year after the one shown (/plan/nytt-ar), each previewed first. The unconfirmed POST changes
no row of any table (both databases); the confirmed one does what `scheduler plan hand-in` and
`scheduler rollover` do, and the rollover report names the När texts that give nothing in the
new year."""

from __future__ import annotations

from pathlib import Path

import httpx

from scheduler.model.stored import PlanState
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.seed import SEED_ORGANISATION
from tests.support.unchanged_tables import assert_unchanged, table_rows
from tests.support.workspace_fixture import Workspace, log_in, page_token, seeded_workspace
from tests.test_workspace_followup import text_of


def signed_in(workspace: Workspace) -> httpx.Client:
    http = workspace.client()
    assert log_in(http).status_code == 303
    return http


def state(workspace: Workspace, year: int = 2024) -> str:
    plan_id = find_plan_id(workspace.engine, year=year, organisation=SEED_ORGANISATION)
    return load_plan(workspace.engine, plan_id).state


def test_hand_in_is_previewed_then_done(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    page = http.get("/plan?ar=2024")
    assert 'action="/plan/lamna-in?ar=2024"' in page.text
    before = table_rows(workspace.engine)
    preview = http.post("/plan/lamna-in?ar=2024", data={"csrf": page_token(page)})
    assert preview.status_code == 200
    assert_unchanged(workspace.engine, before)
    shown = text_of(preview.text)
    assert "Lämna in planen 2024?" in shown and "Inget har ändrats" in shown
    assert state(workspace) == PlanState.DRAFT

    done = http.post(
        "/plan/lamna-in?ar=2024", data={"csrf": page_token(preview), "bekraftat": "ja"}
    )
    assert done.status_code == 200 and "Planen 2024 är inlämnad." in text_of(done.text)
    assert state(workspace) == PlanState.HANDED_IN
    # The page now offers the next step, marking it followed up, and no second hand-in.
    assert 'action="/plan/uppfoljd?ar=2024"' in done.text
    assert 'action="/plan/lamna-in' not in done.text
    again = http.post("/plan/lamna-in?ar=2024", data={"csrf": page_token(done), "bekraftat": "ja"})
    assert "Planen 2024 är redan inlämnad; inget ändrades." in text_of(again.text)


def test_rollover_makes_the_year_after_the_one_shown(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    page = http.get("/plan?ar=2024")
    before = table_rows(workspace.engine)
    preview = http.post("/plan/nytt-ar?ar=2024", data={"csrf": page_token(page)})
    assert preview.status_code == 200
    assert_unchanged(workspace.engine, before)
    shown = text_of(preview.text)
    assert "Skapa planen för 2025?" in shown
    # The rollover report, before anything is made: "Våren 2024" gives nothing in 2025.
    assert "«Nattvandring»: När «Våren 2024»" in shown
    assert "ggr/år" not in shown

    done = http.post("/plan/nytt-ar?ar=2024", data={"csrf": page_token(preview), "bekraftat": "ja"})
    assert done.status_code == 200
    shown = text_of(done.text)
    assert "Planen för 2025 är skapad från 2024" in shown
    assert "Obs: När «Våren 2024» för «Nattvandring» ger inga datum 2025" in shown
    assert "Åtgärdsplan 2025" in shown  # the page shows the new year
    assert state(workspace, 2025) == PlanState.DRAFT

    # Made once: again from 2024 is refused, and 2025 is left as it is.
    before = table_rows(workspace.engine)
    again = http.post("/plan/nytt-ar?ar=2024", data={"csrf": page_token(done), "bekraftat": "ja"})
    assert again.status_code == 409 and "Planen för 2025 finns redan; inget ändrades." in text_of(again.text)  # fmt: skip
    assert_unchanged(workspace.engine, before)


def test_the_year_steps_need_the_forms_token(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    before = table_rows(workspace.engine)
    for path in ("/plan/lamna-in?ar=2024", "/plan/nytt-ar?ar=2024"):
        refused = http.post(path, data={"csrf": "gissad", "bekraftat": "ja"})
        assert refused.status_code == 403
    assert_unchanged(workspace.engine, before)


def test_every_page_has_the_year_switcher_and_says_which_year_it_shows(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)
    assert workspace.cli("rollover", "2025", "--from", "2024").code == 0
    http = signed_in(workspace)
    for path, says in (("/plan?ar=2025", "Visar år 2025"), ("/plan?ar=2024", "Visar år 2024"),
                       ("/agenda?ar=2024", "Visar år 2024"), ("/arshjul?ar=2025", "Visar år 2025"),
                       ("/uppfoljning?ar=2024", "Visar år 2024"),
                       ("/agenda", "Visar det som kommer, i planerna som gäller nu"),
                       ("/roller", "Gäller alla år"), ("/konton", "Gäller alla år"),
                       ("/lankar", "Gäller alla år"), ("/paminnelser", "Gäller alla år")):  # fmt: skip
        page = http.get(path)
        assert page.status_code == 200, path
        assert says in text_of(page.text), path
        assert '<select id="arsvaljare" name="ar">' in page.text, path
        assert '<option value="2025"' in page.text and '<option value="2024"' in page.text
    assert '<option value="2024" selected>' in http.get("/plan?ar=2024").text
