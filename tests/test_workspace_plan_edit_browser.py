"""The plan edited in a real browser at a desktop and a phone width: Nattvandring's När changed
from "Våren 2024" to a text that gives dates (read live while typing, then previewed, then
saved), the new dates seen in the agenda and in the feed fetched over HTTP; a measure added and
removed (after the confirm step); an earlier revision restored from /plan/historik (after its
preview). axe-core finds no WCAG 2.1 A/AA violation on any page or preview, and each is written
as a full-page screenshot to tests/screenshots/ (workspace-<page>-<width>.png)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import icalendar
import pytest

from scheduler.base.templating import swedish_date
from scheduler.base.time import STOCKHOLM
from scheduler.store.feed_tokens import create_token
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.axe import assert_accessible
from tests.support.browser import WIDTHS, screenshot
from tests.test_workspace_agenda_browser import Site, sign_in
from tests.test_workspace_agenda_browser import site as site  # the fixture: a server to sign in to
from tests.test_workspace_plan_edit import AUTUMN, NIGHT_WALK, measure_id, planned_days

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"
PLACES = "Otrygga och brottsutsatta platser"


def checked(page: Any, what: str, name: str, width: str) -> None:
    assert_accessible(page, f"{what} ({width})")
    screenshot(page, f"workspace-{name}-{width}")
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["viewport"]["width"]
    ), what


def walk_starts(site: Site, token: str) -> list[str]:
    response = httpx.get(f"{site.base}/feeds/{token}/plan.ics", timeout=60)
    assert response.status_code == 200
    return sorted(
        e.DTSTART.astimezone(STOCKHOLM).date().isoformat()
        if hasattr(e.DTSTART, "astimezone") else e.DTSTART.isoformat()
        for e in icalendar.Calendar.from_ical(response.content).events
        if str(e["SUMMARY"]).endswith(NIGHT_WALK) and str(e.get("STATUS")) != "CANCELLED"
    )  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
def test_edit_when_add_remove_and_restore(site: Site, browser: Any, width: str) -> None:
    workspace = site.workspace
    _, token = create_token(workspace.engine, audience="Rådet", organisation=KUNGSHOLMEN,
                            now=workspace.clock())  # fmt: skip
    assert walk_starts(site, token) == ["2024-06-14"]  # cached before the change
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)

    # När, read while typing (edit-when.js), previewed, then saved.
    page.get_by_role("link", name=f"Ändra texterna för {NIGHT_WALK}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"Ändra texterna: {NIGHT_WALK}").is_visible()
    checked(page, "/plan/atgard/<id>/text", "text", width)
    page.get_by_label("När").fill(AUTUMN)
    reading = page.locator("#nar-tolkning")
    reading.get_by_text("2024-09-05").wait_for()
    assert reading.get_attribute("aria-live") == "polite" and "återkommande" in reading.inner_text()
    page.get_by_role("button", name="Förhandsgranska").click()
    page.wait_for_load_state()
    preview = page.locator("#forhandsgranskning")
    assert "Förhandsgranskning: inget är sparat" in preview.inner_text()
    assert "ställs in" in preview.inner_text() and "läggs till" in preview.inner_text()
    checked(page, "the text preview", "text-forhandsgranskning", width)
    assert (
        load_plan(workspace.engine, find_plan_id(workspace.engine, year=2024))
        .measure(measure_id(workspace, NIGHT_WALK))
        .measure.when_text
        == "Våren 2024"
    )
    page.get_by_role("button", name="Spara texterna").click()
    page.wait_for_load_state()
    assert "Sparat som version 2" in page.get_by_role("status").inner_text()
    days = planned_days(workspace, measure_id(workspace, NIGHT_WALK))
    assert len(days) == 4 and days[0] > "2024-07-31"

    page.get_by_role("navigation").get_by_role("link", name="Agenda").click()
    page.wait_for_url(f"{site.base}/agenda")
    agenda = page.locator("main").inner_text()
    for day in days:
        assert swedish_date(date.fromisoformat(day)) in agenda, day
    assert walk_starts(site, token) == days

    # A measure added, then removed after the confirm step.
    page.get_by_role("navigation").get_by_role("link", name="Plan").click()
    page.get_by_role("link", name="Lägg till, flytta och ta bort åtgärder och områden").click()
    page.wait_for_load_state()
    checked(page, "/plan/omraden", "omraden", width)
    page.get_by_role("link", name=f"Lägg till en åtgärd i {PLACES}").click()
    page.wait_for_load_state()
    checked(page, "/plan/atgard/ny", "ny-atgard", width)
    page.get_by_label("Rubrik").fill("Trygghetsmätning")
    page.get_by_label("När").fill("Varje månad")
    page.get_by_label("Vem").fill("Trygghetssamordnare ansvarar")
    page.get_by_role("button", name="Lägg till åtgärden").click()
    page.wait_for_load_state()
    assert f"«Trygghetsmätning»: ny i «{PLACES}»" in page.get_by_role("status").inner_text()
    added = measure_id(workspace, "Trygghetsmätning")
    monthly = planned_days(workspace, added)
    assert len(monthly) >= 9
    page.get_by_role("button", name="Ta bort Trygghetsmätning").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Ta bort «Trygghetsmätning»?").is_visible()
    checked(page, "the removal's preview", "ta-bort", width)
    assert len(planned_days(workspace, added)) >= 9  # nothing changed yet
    page.get_by_role("button", name="Ta bort åtgärden").click()
    page.wait_for_load_state()
    assert "tas bort ur" in page.get_by_role("status").inner_text()
    # What lies before today stays as it was, as after an import; the rest is cancelled.
    assert planned_days(workspace, added) == [day for day in monthly if day < "2024-03-13"]

    # The first revision (the plan as imported) restored, after its preview.
    page.get_by_role("link", name="Historik", exact=True).click()
    page.wait_for_load_state()
    checked(page, "/plan/historik", "historik", width)
    page.get_by_role("button", name="Återställ version 1").click()
    page.wait_for_load_state()
    checked(page, "the restore's preview", "aterstall", width)
    assert "Våren 2024" in page.locator("#forhandsgranskning").inner_text()
    page.get_by_role("button", name="Återställ version 1").click()
    page.wait_for_load_state()
    assert "Sparat som version 5" in page.get_by_role("status").inner_text()
    assert planned_days(workspace, measure_id(workspace, NIGHT_WALK)) == ["2024-06-14"]
    assert walk_starts(site, token) == ["2024-06-14"]
    context.close()
