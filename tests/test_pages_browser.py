"""The pages a recipient opens, in a real browser at a desktop and a phone width: the subscribe
page (its copy button, read back from the clipboard), the follow-up form and the answer page.
axe-core finds no WCAG 2.1 A/AA violation on any of them, and each is written as a full-page
screenshot to tests/screenshots/ for a reviewer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduler.reminders.planning import HELD
from scheduler.services import followup as campaign
from scheduler.services.refresh import answer_signer
from scheduler.store.feed_tokens import create_token
from scheduler.store.occurrences import list_occurrences
from scheduler.web.app import create_app
from tests.support.axe import assert_accessible
from tests.support.browser import PHONE, WIDTHS, screenshot
from tests.support.followup_fixture import FollowupWorld, followup_world, form_link, local
from tests.support.helpers import Clock, free_port
from tests.support.live_server import serving
from tests.support.seed import SEED_ORGANISATION

NOW = local("2024-11-16T10:00")  # the follow-up is open, and December's meetings are coming


@dataclass
class Site:
    world: FollowupWorld
    base: str
    feeds: str  # the subscribe page of a link for everything
    role_feeds: str  # ... and of a link for one role
    form: str  # a role's follow-up form
    answer: str  # a "Mötet hölls" link of a coming meeting


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    port = free_port()
    world = followup_world(tmp_path, base_url=f"http://127.0.0.1:{port}")
    try:
        assert campaign.start(world.engine, world.config, now=local("2024-11-15T08:00")).created
        world.send_due(NOW)
        form = form_link(world.inbox.take()[0])
        everything = create_token(
            world.engine, organisation=SEED_ORGANISATION, audience="SSP-gruppen", scope="", now=NOW
        )[1]
        police = create_token(
            world.engine,
            organisation=SEED_ORGANISATION,
            audience="Polisen",
            scope="roll-kommunpolis",
            now=NOW,
        )[1]
        meeting = next(r for r in list_occurrences(world.engine, plan_id=world.plan_id)
                       if r.kind == "meeting" and r.start > NOW)  # fmt: skip
        signed = answer_signer(world.engine, world.config).sign(
            {"uid": meeting.uid, "answer": HELD}, expires=meeting.end + timedelta(days=30)
        )
        with serving(create_app(world.engine, world.config, clock=Clock(NOW)), port) as base:
            yield Site(world, base, f"{base}/feeds/{everything}/", f"{base}/feeds/{police}/",
                       form, f"{base}/svar/{signed}")  # fmt: skip
    finally:
        world.close()


def open_page(browser: Any, width: dict[str, Any], url: str, **options: Any) -> Any:
    # axe-core is injected as an inline script, which the site's policy refuses: see tests/support/axe.py.
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **width, **options)
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_the_subscribe_page_copies_the_address_and_is_accessible(
    site: Site, browser: Any, width: str
) -> None:
    page = open_page(browser, WIDTHS[width], site.feeds,
                     permissions=["clipboard-read", "clipboard-write"])  # fmt: skip
    address = page.get_by_label("Kalenderns adress")
    expected = site.feeds + "plan.ics"
    assert address.input_value() == expected and address.get_attribute("readonly") is not None
    # The steps are on the first screens, not below the calendars: the Outlook steps start
    # within the first two screen heights, at either width.
    outlook = page.locator("summary", has_text="nya Outlook")
    assert outlook.bounding_box()["y"] < 2 * page.viewport_size["height"]
    assert page.locator("details.others").evaluate("d => d.open") is False

    copy = page.get_by_role(
        "button", name="Kopiera adressen till Åtgärdsplan: alla möten och uppgifter"
    )
    copy.click()
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert "Adressen är kopierad" in page.locator(".copy-status").first.inner_text()

    # A folded calendar's own button copies its own address.
    page.locator("details.others > summary").click()
    page.get_by_role("button", name="Kopiera adressen till SSP: Gymnasiet").click()
    assert (
        page.evaluate("navigator.clipboard.readText()") == site.feeds + "atgard-ssp-gymnasiet.ics"
    )

    # Nothing is wider than the screen (no sideways scrolling on a phone).
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    # Open every fold, so axe looks at all of it and the screenshot shows all of it.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert_accessible(page, f"the subscribe page ({width})")
    screenshot(page, f"prenumerera-{width}")


def test_a_role_links_subscribe_page_on_a_phone(site: Site, browser: Any) -> None:
    page = open_page(browser, PHONE, site.role_feeds)
    assert page.get_by_label("Kalenderns adress").input_value().endswith("/roll-kommunpolis.ics")
    assert page.locator("details.others").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "a role link's subscribe page (phone)")
    screenshot(page, "prenumerera-roll-telefon")


def test_the_subscribe_page_works_without_javascript(site: Site, browser: Any) -> None:
    page = open_page(browser, PHONE, site.feeds, java_script_enabled=False)
    assert page.locator("button.copy").count() == 0  # the enhancement did not run
    address = page.get_by_label("Kalenderns adress")
    address.select_text()  # selecting the field takes the address alone, as the hint says
    selected = address.evaluate("f => f.value.slice(f.selectionStart, f.selectionEnd)")
    assert selected == site.feeds + "plan.ics"
    page.locator("summary", has_text="Thunderbird").click()  # folds open without a script
    assert page.get_by_text("Sök kalendrar").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_follow_up_form_is_accessible(site: Site, browser: Any, width: str) -> None:
    page = open_page(browser, WIDTHS[width], site.form)
    assert_accessible(page, f"the follow-up form ({width})")
    screenshot(page, f"uppfoljning-{width}")
    # Refused: a text without a status. The error summary and the field's message must be
    # accessible too.
    page.locator("textarea").first.fill("Text utan status.")
    page.get_by_role("button", name="Skicka in").click()
    assert page.locator("#felsammanfattning").is_visible()
    assert_accessible(page, f"the refused follow-up form ({width})")
    screenshot(page, f"uppfoljning-fel-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_answer_page_is_accessible(site: Site, browser: Any, width: str) -> None:
    page = open_page(browser, WIDTHS[width], site.answer)
    assert page.get_by_role("heading", name="Bekräfta ditt svar").is_visible()
    assert_accessible(page, f"the answer page ({width})")
    screenshot(page, f"svar-{width}")
    page.get_by_role("button", name="Spara svaret").click()
    assert_accessible(page, f"the answer page once saved ({width})")
    screenshot(page, f"svar-sparat-{width}")
