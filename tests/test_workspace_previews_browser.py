"""The two previews the year's browser tests do not reach, in a real browser at a desktop and a
phone width: an upload that would replace more than a few measures, and removing another
coordinator's account. Each shows what would happen, changes nothing until confirmed, and axe-core
finds no WCAG 2.1 A/AA violation on it; then confirming does it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scheduler.services.accounts import create_account
from scheduler.services.invitations import organisation_accounts
from tests.support.browser import WIDTHS
from tests.support.unchanged_tables import assert_unchanged, table_rows
from tests.test_workspace_agenda_browser import Site, sign_in
from tests.test_workspace_upload import seed_of_year
from tests.test_workspace_year_browser import KUNGSHOLMEN, NEW_PASSWORD, checked
from tests.test_workspace_year_browser import site as year_site

site = year_site  # the same served workspace, as this module's fixture


@pytest.mark.parametrize("width", WIDTHS)
def test_an_upload_replacing_many_measures_is_previewed(
    site: Site, browser: Any, width: str, tmp_path: Path
) -> None:
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)
    plan_file = tmp_path / "plan.toml"
    plan_file.write_bytes(seed_of_year(tmp_path, 2024, changed=6))
    before = table_rows(site.workspace.engine)
    page.get_by_label("Arbetsbok (.xlsx) eller TOML-fil").set_input_files(str(plan_file))
    page.get_by_role("button", name="Importera").click()
    page.wait_for_load_state()
    assert "åtgärderna i den sparade planen 2024 ändras eller tas bort" in page.inner_text("main")
    assert_unchanged(site.workspace.engine, before)
    checked(page, "uppladdning-forhandsvisning", width)
    page.locator(".confirm-form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert f"Uppdaterade {KUNGSHOLMEN} 2024" in page.inner_text("main")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_removing_a_coordinator_is_previewed(site: Site, browser: Any, width: str) -> None:
    engine = site.workspace.engine
    create_account(engine, site.workspace.config, username="cecilia", organisation=KUNGSHOLMEN,
                   password=NEW_PASSWORD, now=site.workspace.clock())  # fmt: skip
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)
    page.goto(f"{site.base}/konton")
    before = table_rows(engine)
    page.get_by_role("button", name="Ta bort cecilia").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Ta bort kontot cecilia?").is_visible()
    assert_unchanged(engine, before)
    checked(page, "konton-ta-bort", width)
    page.get_by_role("button", name="Ja, ta bort kontot cecilia").click()
    page.wait_for_load_state()
    assert "cecilia" not in {a.username for a in organisation_accounts(engine, KUNGSHOLMEN)}
    assert "Ta bort cecilia" not in page.inner_text("main")
    context.close()
