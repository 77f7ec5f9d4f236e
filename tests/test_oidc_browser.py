"""Signing in through the organisation's identity provider in a real browser (chromium), against
a real OpenID provider (npm oidc-provider, its own login and consent pages): a coordinator signs
in and sees the plan; a reader sees the agenda without its actions and is refused a move (403,
the database unchanged); someone in neither group gets a clear page. axe-core finds no WCAG 2.1
A/AA violation on the sign-in pages; screenshots go to tests/screenshots/ (oidc-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from scheduler.web.app import create_app
from tests.support.axe import assert_accessible
from tests.support.browser import WIDTHS, screenshot
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.oidc_fixture import KUNGSHOLMEN, PROVIDER_NAME, OidcSite, oidc_site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcSite]:
    port = free_port()
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with oidc_site(tmp_path, database, monkeypatch, port=port) as found:
        app = create_app(found.engine, found.config, clock=found.clock)
        with serving(app, port):
            yield found


def sign_in(page: Any, site: OidcSite, login: str) -> None:
    """From /logga-in through the provider's login and consent pages."""
    page.goto(f"{site.base}/logga-in")
    page.get_by_role("button", name=f"Logga in med {PROVIDER_NAME} ({KUNGSHOLMEN})").click()
    page.wait_for_url(f"{site.kungsholmen.issuer}/**")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("vilket-som-helst")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]", has_text="Continue").click()  # the consent page
    page.wait_for_url(f"{site.base}/**")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_coordinator_signs_in_and_sees_the_plan(site: OidcSite, browser: Any, width: str) -> None:  # fmt: skip
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    page.goto(f"{site.base}/plan")
    page.wait_for_url(f"{site.base}/logga-in?orsak=inloggning")
    assert page.get_by_role(
        "button", name=f"Logga in med {PROVIDER_NAME} ({KUNGSHOLMEN})"
    ).is_visible()
    assert_accessible(page, f"/logga-in with providers ({width})")
    screenshot(page, f"oidc-logga-in-{width}")
    sign_in(page, site, "karin")
    assert page.url == f"{site.base}/plan"
    assert page.get_by_text(KUNGSHOLMEN).first.is_visible()
    assert page.get_by_role("button", name="Importera").is_visible()
    assert page.get_by_role("button", name="Logga ut (karin@kungsholmen.example.se)").is_visible()
    assert_accessible(page, f"/plan after OIDC ({width})")
    page.goto(f"{site.base}/logg")
    assert page.get_by_role("cell", name="Inloggning", exact=True).is_visible()
    assert_accessible(page, f"/logg ({width})")
    screenshot(page, f"oidc-logg-{width}")
    context.close()


def test_a_reader_sees_the_agenda_and_is_refused_a_move(site: OidcSite, browser: Any) -> None:
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS["dator"])
    page = context.new_page()
    sign_in(page, site, "polis")
    page.goto(f"{site.base}/agenda")
    assert page.get_by_role("heading", name="Agenda", exact=False).first.is_visible()
    assert page.locator("tr.entry").count() > 10  # the meetings, without their actions
    assert page.get_by_text("Flytta eller ställ in").count() == 0
    assert page.get_by_role("link", name="Länkar").count() == 0
    assert_accessible(page, "/agenda as a reader")
    screenshot(page, "oidc-agenda-lasare-dator")
    csrf = page.locator("form.logout input[name=csrf]").get_attribute("value")
    with site.engine.connect() as connection:
        before = connection.execute(text("SELECT * FROM occurrence ORDER BY id")).all()
    moved = page.request.post(f"{site.base}/agenda/flytta", form={
        "csrf": csrf, "uid": before[0].uid, "datum": "2099-12-30", "tid": "09:00",
    })  # fmt: skip
    assert moved.status == 403
    assert "Du kan läsa men inte ändra" in moved.text()
    with site.engine.connect() as connection:
        assert connection.execute(text("SELECT * FROM occurrence ORDER BY id")).all() == before
    context.close()


def test_someone_outside_both_groups_is_refused_with_a_clear_page(site: OidcSite, browser: Any) -> None:  # fmt: skip
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS["telefon"])
    page = context.new_page()
    sign_in(page, site, "utomstaende")
    assert page.get_by_role("heading", name="Du har inte behörighet").is_visible()
    assert "rätt grupp" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("link", name="Till inloggningen").is_visible()
    assert_accessible(page, "the refusal page")
    screenshot(page, "oidc-nekad-telefon")
    page.goto(f"{site.base}/plan")
    assert page.url.startswith(f"{site.base}/logga-in")
    context.close()
