"""The coordinator's year in a real browser at a desktop and a phone width, without a terminal:
hand the plan in and roll it over to next year from /plan (each previewed first), mark it
followed up after its follow-up; change a role's address under /roller; add a second coordinator
under /konton, who chooses a password through the one-time link and signs in. axe-core finds no
WCAG 2.1 A/AA violation on any of the pages or previews, nothing is wider than the screen, and
each is written as a screenshot to tests/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scheduler.services import followup
from scheduler.store.plans import find_plan_id, load_plan
from scheduler.web.app import create_app
from tests.support.axe import assert_accessible
from tests.support.browser import WIDTHS, screenshot
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.workspace_fixture import seeded_workspace
from tests.test_workspace_agenda_browser import Site, sign_in

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"
NEW_PASSWORD = "Blå-cykel-vinter-fjärd-7"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    workspace = seeded_workspace(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    try:
        with serving(app, free_port()) as base:
            yield Site(workspace, base)
    finally:
        workspace.engine.dispose()


def fits(page: Any, width: str) -> None:
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["viewport"]["width"]
    )


def checked(page: Any, name: str, width: str) -> None:
    assert_accessible(page, f"{name} ({width})")
    fits(page, width)
    screenshot(page, f"workspace-{name}-{width}")


def state(site: Site, year: int) -> str:
    engine = site.workspace.engine
    return load_plan(engine, find_plan_id(engine, year=year, organisation=KUNGSHOLMEN)).state


@pytest.mark.parametrize("width", WIDTHS)
def test_hand_in_roll_over_and_mark_followed_up(site: Site, browser: Any, width: str) -> None:
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)
    page.get_by_role("button", name="Lämna in planen 2024").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Lämna in planen 2024?").is_visible()
    assert state(site, 2024) == "draft"  # only shown
    checked(page, "lamna-in-forhandsvisning", width)
    page.get_by_role("button", name="Ja, lämna in planen 2024").click()
    page.wait_for_load_state()
    assert "Planen 2024 är inlämnad." in page.get_by_role("status").inner_text()
    assert state(site, 2024) == "handed_in"

    page.get_by_role("button", name="Skapa planen för 2025").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Skapa planen för 2025?").is_visible()
    assert "«Nattvandring»: När «Våren 2024»" in page.locator("main").inner_text()
    checked(page, "nytt-ar-forhandsvisning", width)
    page.get_by_role("button", name="Ja, skapa planen för 2025").click()
    page.wait_for_load_state()
    status = page.get_by_role("status").inner_text()
    assert "Planen för 2025 är skapad från 2024" in status and "«Våren 2024»" in status
    assert page.get_by_role("heading", name="Åtgärdsplan 2025").is_visible()
    assert page.get_by_text("Visar år 2025").is_visible()
    checked(page, "plan-2025", width)

    # The year's follow-up ran and its deadline passed: 2024 is marked followed up from /plan.
    engine, config = site.workspace.engine, site.workspace.config
    plan_id = find_plan_id(engine, year=2024, organisation=KUNGSHOLMEN)
    followup.start(engine, config, now=datetime(2024, 11, 15, 9, 0, tzinfo=UTC), plan_id=plan_id)
    site.workspace.clock.now = datetime(2024, 12, 16, 9, 0, tzinfo=UTC)
    sign_in(site, page)  # the session has long ended
    page.get_by_label("År", exact=True).select_option("2024")
    page.get_by_role("button", name="Byt år").click()
    page.wait_for_url(re.compile(r".*/plan\?ar=2024$"))
    page.get_by_role("button", name="Markera planen 2024 som uppföljd").click()
    page.wait_for_load_state()
    checked(page, "uppfoljd-forhandsvisning", width)
    page.get_by_role("button", name="Ja, markera planen 2024 som uppföljd").click()
    page.wait_for_load_state()
    assert "Planen 2024 är markerad som uppföljd." in page.get_by_role("status").inner_text()
    assert state(site, 2024) == "followed_up"
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_role_and_a_second_coordinator(site: Site, browser: Any, width: str) -> None:
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)
    page.get_by_role("navigation").get_by_role("link", name="Roller").click()
    page.wait_for_url(f"{site.base}/roller")
    checked(page, "roller", width)
    page.get_by_role("link", name="Ändra Kommunpolis").click()
    page.wait_for_url(f"{site.base}/roller?*")
    page.get_by_label("E-post (tom: inga påminnelser)").fill("inte en adress")
    page.get_by_role("button", name="Spara rollen").click()
    page.wait_for_load_state()
    assert "är ingen e-postadress" in page.get_by_role("alert").inner_text()
    checked(page, "roller-fel", width)
    page.get_by_label("E-post (tom: inga påminnelser)").fill("ny.polis@kungsholmen.example.org")
    page.get_by_role("button", name="Spara rollen").click()
    page.wait_for_load_state()
    assert "Rollen Kommunpolis är sparad." in page.get_by_role("status").inner_text()
    assert page.get_by_role("cell", name="ny.polis@kungsholmen.example.org").is_visible()

    page.get_by_role("navigation").get_by_role("link", name="Konton").click()
    page.wait_for_url(f"{site.base}/konton")
    checked(page, "konton", width)
    page.get_by_label("Användarnamn").fill(f"bertil-{width}")
    page.get_by_role("button", name="Lägg till").click()
    page.wait_for_load_state()
    link = page.get_by_label("Länken för att välja lösenord").input_value()
    assert "/konto/ny/" in link
    checked(page, "konton-lank", width)

    guest = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    other = guest.new_page()
    other.goto(site.base + link[link.index("/konto/ny/") :])
    checked(other, "konto-ny", width)
    other.get_by_label("Lösenord", exact=True).fill(NEW_PASSWORD)
    other.get_by_label("Samma lösenord igen").fill(NEW_PASSWORD)
    other.get_by_role("button", name="Spara lösenordet").click()
    other.wait_for_load_state()
    assert "Lösenordet är sparat" in other.get_by_role("status").inner_text()
    other.get_by_role("link", name="Logga in").click()
    other.get_by_label("Användarnamn").fill(f"bertil-{width}")
    other.get_by_label("Lösenord").fill(NEW_PASSWORD)
    other.get_by_role("button", name="Logga in").click()
    other.wait_for_url(f"{site.base}/plan")
    assert other.get_by_role("heading", name="Åtgärdsplan 2024").is_visible()
    guest.close()
    context.close()
