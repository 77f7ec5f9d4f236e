"""The agenda as a work list in a real browser at a desktop and a phone width: filtered to one
role and one month, its .xlsx and .ics downloads (fetched by the browser from the page's links)
hold exactly the rows shown; the seed year printed to PDF by Chromium fits on at most three A4
pages, one line per meeting, with no form control printed. axe-core finds no WCAG 2.1 A/AA
violation, and screenshots go to tests/screenshots/ (workspace-agenda-lista-<width>.png)."""

from __future__ import annotations

import io
from calendar import monthrange
from datetime import date
from pathlib import Path
from typing import Any

import icalendar
import openpyxl
import pytest
from pypdf import PdfReader

from tests.support.axe import assert_accessible
from tests.support.browser import WIDTHS, screenshot
from tests.test_workspace_agenda import TODAY, agenda
from tests.test_workspace_agenda_browser import Site, sign_in, site

__all__ = ["site"]  # the fixture, used by name

ROLE = "Kommunpolis"
A4_POINTS = (595.3, 841.9)  # 210 × 297 mm


def month_of_the_role(site: Site) -> tuple[date, date, list[str]]:
    """The month (first and last day) with the most of the role's meetings and tasks, and their
    UIDs in the agenda's order, as `scheduler agenda` lists them."""
    mine = agenda(site.workspace.cli, "--role", ROLE)
    months = [date.fromisoformat(str(e["date"])).replace(day=1) for e in mine]
    later = [month for month in months if month > TODAY]  # a whole month still to come
    first = max(set(later), key=later.count)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    uids = [str(e["uid"]) for e in mine if first <= date.fromisoformat(str(e["date"])) <= last]
    return first, last, uids


def shown_rows(page: Any) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = page.evaluate(
        """Array.from(document.querySelectorAll('table.agenda tr.entry')).map(tr => ({
             uid: tr.dataset.uid,
             day: tr.querySelector('td.day').textContent.trim(),
             name: tr.querySelector('th.name').textContent.trim()}))"""
    )
    return rows


def download(page: Any, link: str) -> bytes:
    with page.expect_download() as caught:
        page.get_by_role("link", name=link).click()
    path = caught.value.path()
    return Path(path).read_bytes()


@pytest.mark.parametrize("width", WIDTHS)
def test_one_role_and_one_month_downloaded_as_shown(site: Site, browser: Any, width: str) -> None:
    first, last, expected = month_of_the_role(site)
    assert expected
    context = browser.new_context(bypass_csp=True, locale="sv-SE", accept_downloads=True,
                                  **WIDTHS[width])  # fmt: skip
    page = context.new_page()
    sign_in(site, page)
    page.get_by_role("navigation").get_by_role("link", name="Agenda").click()
    page.wait_for_url(f"{site.base}/agenda")
    assert_accessible(page, f"/agenda as a work list ({width})")
    screenshot(page, f"workspace-agenda-lista-{width}")
    # No blank first option in Område: "Alla områden", then the plan's areas.
    areas = page.get_by_label("Område", exact=True).locator("option").all_inner_texts()
    assert areas[0].startswith("Alla områden (") and all(text.strip() for text in areas)

    page.get_by_label("Från", exact=True).fill(first.isoformat())
    page.get_by_label("Till", exact=True).fill(last.isoformat())
    page.get_by_label("Roll", exact=True).select_option(ROLE)
    page.get_by_role("button", name="Visa", exact=True).click()
    page.wait_for_url(f"{site.base}/agenda?*")
    rows = shown_rows(page)
    assert [row["uid"] for row in rows] == expected
    count = page.get_by_label("Roll", exact=True).locator("option:checked").inner_text()
    assert count == f"{ROLE} ({len(expected)})"
    assert_accessible(page, f"/agenda filtered ({width})")
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["viewport"]["width"]
    )
    screenshot(page, f"workspace-agenda-urval-{width}")

    book = openpyxl.load_workbook(io.BytesIO(download(page, "Excel (.xlsx)")))
    sheet = book["Agenda"]
    header, *lines = list(sheet.iter_rows())
    names = [str(cell.value) for cell in header]
    assert all(cell.data_type == "s" for line in lines for cell in line if cell.value is not None)
    day, name = names.index("Veckodag och datum"), names.index("Möte eller uppgift")
    assert [(str(line[day].value), str(line[name].value)) for line in lines] == [
        (row["day"], row["name"]) for row in rows
    ]
    calendar = icalendar.Calendar.from_ical(download(page, "Kalenderfil (.ics)"))
    assert [str(event["UID"]) for event in calendar.events] == expected
    context.close()


def test_the_seed_year_prints_on_three_a4_pages_without_forms(site: Site, browser: Any) -> None:
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS["dator"])
    page = context.new_page()
    sign_in(site, page)
    page.goto(f"{site.base}/agenda?fran=2024-01-01&till=2024-12-31")
    year = shown_rows(page)
    assert len(year) == len(agenda(site.workspace.cli, "--from", "2024-01-01"))
    page.emulate_media(media="print")
    controls = page.locator("input, select, button, textarea, summary")
    assert controls.count() > 0
    assert not [n for n in range(controls.count()) if controls.nth(n).is_visible()]
    # One line per meeting: every row as tall as the first.
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('tr.entry')).map(tr => tr.getBoundingClientRect().height)"
    )
    assert max(heights) <= min(heights) * 1.2
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert 1 <= len(pdf.pages) <= 3
    for sheet in pdf.pages:
        size = (float(sheet.mediabox.width), float(sheet.mediabox.height))
        assert all(abs(got - a4) < 1.5 for got, a4 in zip(size, A4_POINTS, strict=True)), size
    text = " ".join(sheet.extract_text() for sheet in pdf.pages)
    assert not pdf.get_fields()
    for word in ("Visa bara", "Flytta eller ställ in", "Logga ut", "Hämta det som visas"):
        assert word not in text
    assert year[0]["name"].split(" – ")[0] in text
    context.close()
