"""The workspace in a real browser at a desktop and a phone width: sign in, upload a messy
workbook built in the test, see the reading warning on /plan, open the årshjul. axe-core finds no
WCAG 2.1 A/AA violation on /logga-in, /plan or /arshjul, and each page is written as a full-page
screenshot to tests/screenshots/ (workspace-<page>-<width>.png) for a reviewer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scheduler.web.app import create_app
from tests.support.axe import assert_accessible
from tests.support.browser import WIDTHS, screenshot
from tests.support.cli import write_config
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.workspace_fixture import (
    PASSWORD,
    USERNAME,
    Workspace,
    messy_workbook,
    workspace_of,
)


@dataclass
class Site:
    workspace: Workspace
    base: str
    workbook: Path


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    port = free_port()
    workspace = workspace_of(write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path / 'db.sqlite3'}",
        extra="",
    ))  # fmt: skip
    workspace.add_account(USERNAME, "Kungsholmens stadsdelsförvaltning")
    workbook = messy_workbook(tmp_path / "rörig plan.xlsx")
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    try:
        with serving(app, port) as base:
            yield Site(workspace, base, workbook)
    finally:
        workspace.engine.dispose()


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_upload_and_read_the_warning(site: Site, browser: Any, width: str) -> None:
    # axe-core is injected as an inline script, which the site's policy refuses: see tests/support/axe.py.
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    response = page.goto(f"{site.base}/plan")
    assert response is not None and response.url == f"{site.base}/logga-in?orsak=inloggning"
    assert page.get_by_text("Logga in för att se sidan.").is_visible()
    assert_accessible(page, f"/logga-in ({width})")
    screenshot(page, f"workspace-logga-in-{width}")

    page.get_by_label("Användarnamn").fill(USERNAME)
    page.get_by_label("Lösenord").fill("fel-lösenord-123")
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("alert").inner_text().startswith("Fel användarnamn eller lösenord.")
    assert_accessible(page, f"/logga-in with an error ({width})")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{site.base}/plan")
    assert page.get_by_text("Kungsholmens stadsdelsförvaltning").first.is_visible()

    page.get_by_label("Arbetsbok (.xlsx) eller TOML-fil").set_input_files(str(site.workbook))
    page.get_by_role("button", name="Importera").click()
    page.wait_for_load_state()
    assert (
        "Importerade Kungsholmens stadsdelsförvaltning 2024"
        in page.get_by_role("status").inner_text()
    )
    warning = page.get_by_text("När kunde inte tolkas: «när månen står rätt»; inga möten planeras")
    assert warning.is_visible()
    assert page.get_by_text("ingen sammankallande roll hittades i Vem: «Alla berörda»").is_visible()
    assert_accessible(page, f"/plan ({width})")
    screenshot(page, f"workspace-plan-{width}")

    page.get_by_role("navigation").get_by_role("link", name="Årshjul").click()
    page.wait_for_url(f"{site.base}/arshjul")
    wheel = page.locator("figure.arshjul svg")
    assert wheel.is_visible()
    box = wheel.bounding_box()
    viewport = WIDTHS[width]["viewport"]
    assert box is not None and box["width"] <= viewport["width"]  # the wheel fits the screen
    assert page.locator("[data-uid]").count() == 4 + 1  # Lägesbild's four dates, the hand-in
    # Every series with dates is named on the wheel itself, visibly (not only on mouse-over).
    labels = page.locator("figure.arshjul svg g#etiketter text")
    assert labels.count() > 0
    assert all(labels.nth(n).is_visible() and (labels.nth(n).text_content() or "").strip()
               for n in range(labels.count()))  # fmt: skip
    assert_accessible(page, f"/arshjul ({width})")
    screenshot(page, f"workspace-arshjul-{width}")

    # Nothing on the pages is wider than the screen (no sideways scrolling on a phone).
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(f"{site.base}/logga-in?orsak=utloggad")
    assert page.get_by_text("Du är utloggad.").is_visible()
    context.close()
