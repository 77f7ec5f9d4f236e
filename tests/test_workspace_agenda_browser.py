"""/agenda and /lankar in a real browser at a desktop and a phone width: sign in, move one
meeting and cancel another from the agenda (a date that is not a date first: the error summary),
create a calendar link and revoke it after the confirm step. The feed, fetched over HTTP from the
running server, follows each step. axe-core finds no WCAG 2.1 A/AA violation on either page, and
each is written as a full-page screenshot to tests/screenshots/ (workspace-<page>-<width>.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest

from scheduler.base.time import STOCKHOLM
from scheduler.store.feed_tokens import create_token
from scheduler.web.app import create_app
from tests.support.axe import assert_accessible
from tests.support.browser import WIDTHS, screenshot
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.workspace_fixture import PASSWORD, USERNAME, Workspace, seeded_workspace
from tests.test_workspace_agenda import agenda

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"


@dataclass
class Site:
    workspace: Workspace
    base: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    workspace = seeded_workspace(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    try:
        with serving(app, free_port()) as base:
            yield Site(workspace, base)
    finally:
        workspace.engine.dispose()


def events(site: Site, token: str) -> dict[str, icalendar.Event]:
    response = httpx.get(f"{site.base}/feeds/{token}/plan.ics", timeout=60)
    assert response.status_code == 200
    return {e.uid: e for e in icalendar.Calendar.from_ical(response.content).events}


def sign_in(site: Site, page: Any) -> None:
    page.goto(f"{site.base}/logga-in")
    page.get_by_label("Användarnamn").fill(USERNAME)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{site.base}/plan")


@pytest.mark.parametrize("width", WIDTHS)
def test_move_and_cancel_from_the_agenda(site: Site, browser: Any, width: str) -> None:
    _, token = create_token(site.workspace.engine, audience="SSP-gruppen", organisation=KUNGSHOLMEN,
                            now=site.workspace.clock())  # fmt: skip
    ssp = [e for e in agenda(site.workspace.cli) if e["title"] == "SSP" and e["kind"] == "meeting"]
    moved, cancelled = str(ssp[0]["uid"]), str(ssp[1]["uid"])
    events(site, token)  # the server has the feed cached before the changes
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)
    page.get_by_role("navigation").get_by_role("link", name="Agenda").click()
    page.wait_for_url(f"{site.base}/agenda")
    assert_accessible(page, f"/agenda ({width})")
    screenshot(page, f"workspace-agenda-{width}")

    page.get_by_label("Forum (åtgärd eller serie)").select_option(f"SSP – {ssp[0]['series']}")
    page.get_by_role("button", name="Visa", exact=True).click()
    page.wait_for_url(f"{site.base}/agenda?*")
    entry = page.locator(f'tr[data-uid="{moved}"]')
    entry.locator("summary").click()
    entry.get_by_label("Nytt datum (ÅÅÅÅ-MM-DD)").fill("2024-02-30")
    entry.get_by_role("button", name="Flytta").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert "Nytt datum: «2024-02-30» är inget datum." in alert.inner_text()
    assert_accessible(page, f"/agenda with an error ({width})")
    alert.get_by_role("link").click()  # the summary's link leads to the field
    field = page.locator(f'tr[data-uid="{moved}"]').get_by_label("Nytt datum (ÅÅÅÅ-MM-DD)")
    assert field.evaluate("node => node === document.activeElement")
    field.fill("2024-04-17")
    page.locator(f'tr[data-uid="{moved}"]').get_by_label("Ny tid (TT:MM)").fill("13:15")
    page.locator(f'tr[data-uid="{moved}"]').get_by_role("button", name="Flytta").click()
    page.wait_for_load_state()
    assert "Flyttat: «SSP – " in page.get_by_role("status").inner_text()
    assert "onsdag 17 april 2024" in page.locator(f'tr[data-uid="{moved}"]').inner_text()

    other = page.locator(f'tr[data-uid="{cancelled}"]')
    if other.count() == 0:  # the other series: all of the agenda
        page.goto(f"{site.base}/agenda")
        other = page.locator(f'tr[data-uid="{cancelled}"]')
    other.locator("summary").click()
    other.get_by_label("Meddelande till den sammankallande (frivilligt)").last.fill("Lov")
    other.get_by_role("button", name="Ställ in").click()
    page.wait_for_load_state()
    # The preview: what happens and who is told; the feed still shows the meeting.
    assert page.get_by_role("heading", name=re.compile("^Ställa in «SSP – ")).is_visible()
    assert "CANCELLED" not in str(events(site, token)[cancelled].get("STATUS", ""))
    assert_accessible(page, f"/agenda/stall-in, the preview ({width})")
    page.get_by_role("button", name="Ja, ställ in mötet").click()
    page.wait_for_load_state()
    assert "Inställt: «SSP – " in page.get_by_role("status").inner_text()
    assert "Inställt" in page.locator(f'tr[data-uid="{cancelled}"]').inner_text()
    assert_accessible(page, f"/agenda after a change ({width})")
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["viewport"]["width"]
    )

    feed = events(site, token)
    assert datetime(2024, 4, 17, 13, 15, tzinfo=STOCKHOLM) == feed[moved].DTSTART
    assert str(feed[cancelled]["STATUS"]) == "CANCELLED"
    sequence = int(str(feed[cancelled]["SEQUENCE"]))

    # Restored: previewed, then back in the feed with a higher SEQUENCE.
    restore = page.locator(f'tr[data-uid="{cancelled}"]').get_by_role(
        "button", name=re.compile("^Återställ")
    )
    restore.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("^Återställa «SSP – ")).is_visible()
    assert_accessible(page, f"/agenda/aterstall, the preview ({width})")
    page.get_by_role("button", name="Ja, återställ mötet").click()
    page.wait_for_load_state()
    assert "Återställt: «SSP – " in page.get_by_role("status").inner_text()
    feed = events(site, token)
    assert "CANCELLED" not in str(feed[cancelled].get("STATUS", ""))
    assert int(str(feed[cancelled]["SEQUENCE"])) > sequence
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_create_and_revoke_a_link(site: Site, browser: Any, width: str) -> None:
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)
    page.get_by_role("navigation").get_by_role("link", name="Länkar").click()
    page.wait_for_url(f"{site.base}/lankar")
    assert page.get_by_text("Inga kalenderlänkar ännu.").is_visible()
    page.get_by_label("Mottagare (vem länken ges till)").fill("Polisen")
    page.get_by_label("Vad länken visar").select_option(label="Kommunpolis: möten och uppgifter")
    page.get_by_role("button", name="Skapa länk").click()
    page.wait_for_load_state()
    assert "Adressen är hemlig och visas bara nu." in page.locator(".new-link").inner_text()
    address = page.get_by_label("Adress till sidan för mottagaren").input_value()
    assert address.startswith(f"{site.workspace.config.base_url}/feeds/")
    assert page.get_by_role("button", name="Kopiera adressen").is_visible()  # copy.js
    token = address.split("/feeds/")[1].rstrip("/")
    feed = httpx.get(f"{site.base}/feeds/{token}/roll-kommunpolis.ics")
    assert feed.status_code == 200
    assert_accessible(page, f"/lankar ({width})")
    screenshot(page, f"workspace-lankar-{width}")

    page.get_by_role("button", name="Återkalla länken för Polisen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Återkalla länken för Polisen?").is_visible()
    assert_accessible(page, f"/lankar confirm ({width})")
    page.get_by_role("button", name="Ja, återkalla länken").click()
    page.wait_for_load_state()
    assert "är återkallad" in page.get_by_role("status").inner_text()
    assert page.get_by_text("Återkallad 2024-03-13").is_visible()
    assert httpx.get(f"{site.base}/feeds/{token}/roll-kommunpolis.ics").status_code == 404
    assert httpx.get(f"{site.base}/feeds/{token}/").status_code == 404
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["viewport"]["width"]
    )
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_change_a_measures_weekday(site: Site, browser: Any, width: str) -> None:
    """From /plan to the measure's schedule form: Thursday instead of the policy's day, and the
    agenda and the feed (fetched over HTTP from the running server) show Thursdays at once."""
    council = "Kungsholmens trygghets- och säkerhetsråd"
    _, token = create_token(site.workspace.engine, audience="Rådet", organisation=KUNGSHOLMEN,
                            now=site.workspace.clock())  # fmt: skip
    before = {uid for uid, e in events(site, token).items() if str(e["SUMMARY"]).endswith(council)}
    assert before and all(e.DTSTART.weekday() != 3 for e in events(site, token).values()
                          if e.uid in before)  # fmt: skip
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(site, page)
    page.get_by_role("link", name=f"Ändra schemat för {council}").click()
    page.wait_for_url(f"{site.base}/plan/atgard/*")
    assert_accessible(page, f"/plan/atgard ({width})")
    page.get_by_label("Veckodag").select_option("torsdag")
    page.get_by_label("Tid", exact=True).fill("25:00")
    page.get_by_role("button", name="Spara schemat").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert "Tid: «25:00» är ingen tid." in alert.inner_text()
    assert page.get_by_label("Veckodag").input_value() == "torsdag"  # what was typed is kept
    assert_accessible(page, f"/plan/atgard with an error ({width})")
    page.get_by_label("Tid", exact=True).fill("13:30")
    page.get_by_label("Plats").fill("Rådhuset")
    page.get_by_role("button", name="Spara schemat").click()
    page.wait_for_load_state()
    # The preview names the other measures whose meetings move, and nothing has changed yet.
    assert page.get_by_role("heading", name=f"Spara schemat för «{council}»?").is_visible()
    preview = page.locator("main").inner_text()
    assert "Datumen för «SSP», «Platssamverkan» ändras också" in preview, preview
    assert page.get_by_role("heading", name=re.compile("^«SSP»")).is_visible()
    assert {uid for uid, e in events(site, token).items() if str(e["SUMMARY"]).endswith(council)} == before  # fmt: skip
    assert all(e.DTSTART.weekday() != 3 for e in events(site, token).values() if e.uid in before)
    assert_accessible(page, f"/plan/atgard, the preview ({width})")
    screenshot(page, f"workspace-atgard-forhandsvisning-{width}")
    page.get_by_role("button", name="Ja, spara schemat").click()
    page.wait_for_load_state()
    assert f"Schemat för «{council}» är sparat." in page.get_by_role("status").inner_text()
    assert_accessible(page, f"/plan/atgard after saving ({width})")
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["viewport"]["width"]
    )
    screenshot(page, f"workspace-atgard-{width}")

    page.get_by_role("navigation").get_by_role("link", name="Agenda").click()
    page.wait_for_url(f"{site.base}/agenda")
    page.get_by_label("Forum (åtgärd eller serie)").select_option(council)
    page.get_by_role("button", name="Visa", exact=True).click()
    page.wait_for_url(f"{site.base}/agenda?*")
    shown = page.evaluate("""Array.from(document.querySelectorAll('tr.entry:not(.cancelled)'))
                             .map(tr => tr.querySelector('td.day').textContent)""")
    assert shown and all(text.startswith("torsdag") for text in shown), shown

    feed = [e for e in events(site, token).values() if str(e["SUMMARY"]).endswith(council)]
    now = site.workspace.clock()
    planned = [e for e in feed if str(e.get("STATUS")) != "CANCELLED" and now <= e.DTSTART]
    assert planned and all(
        e.DTSTART.weekday() == 3 and e.DTSTART.astimezone(STOCKHOLM).strftime("%H:%M") == "13:30"
        and str(e["LOCATION"]) == "Rådhuset" for e in planned
    )  # fmt: skip
    # The days it no longer meets on are cancelled in the feed, so calendars drop them.
    upcoming_before = {e.uid for e in feed if e.uid in before and now <= e.DTSTART}
    assert upcoming_before and all(
        str(e["STATUS"]) == "CANCELLED" for e in feed if e.uid in upcoming_before
    )
    context.close()
