"""/paminnelser and /uppfoljning in a real browser at a desktop and a phone width: a failed
reminder (a real SMTP server refused its address) is shown with its reason and sent again with
its button; the follow-up is started with its button and its roles shown, and after its deadline
the plan is marked followed up with the page's button. axe-core finds no WCAG
2.1 A/AA violation, nothing is wider than the screen, and each page is written as a full-page
screenshot to tests/screenshots/ (workspace-<page>-<width>.png) for a reviewer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from scheduler.web.app import create_app
from tests.support.axe import assert_accessible
from tests.support.browser import WIDTHS, screenshot
from tests.support.cli import write_config
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.seed import IMPORT_NOW, SEED_PLAN
from tests.support.smtp_server import SmtpServer
from tests.support.unchanged_tables import table_rows
from tests.support.workspace_fixture import PASSWORD, START, USERNAME, Workspace, workspace_of

REFUSAL = "550 5.1.1 Mailbox unavailable"


@pytest.fixture
def workspace(tmp_path: Any, smtp: SmtpServer) -> Workspace:
    config_path = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'db.sqlite3'}",
                               extra=smtp.config_toml())  # fmt: skip
    workspace = workspace_of(config_path)
    assert workspace.cli("import", str(SEED_PLAN), "--now", IMPORT_NOW).code == 0
    workspace.add_account(USERNAME, "Kungsholmens stadsdelsförvaltning")
    smtp.handler.refuse_recipients["trygghetssamordnare@kungsholmen.example.org"] = REFUSAL
    passed = workspace.cli("remind", "run-due", "--now", START.isoformat())
    assert passed.code == 0, passed.err
    smtp.handler.refuse_recipients.clear()
    return workspace


@pytest.fixture
def base(workspace: Workspace) -> Iterator[str]:
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    try:
        with serving(app, free_port()) as url:
            yield url
    finally:
        workspace.engine.dispose()


def fits(page: Any, width: str) -> None:
    """Nothing on the page is wider than the screen (no sideways scrolling on a phone)."""
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["viewport"]["width"]
    )


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/logga-in")
    page.get_by_label("Användarnamn").fill(USERNAME)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/plan")


@pytest.mark.parametrize("width", WIDTHS)
def test_reminders_and_followup_pages(base: str, workspace: Workspace, browser: Any, width: str, tmp_path: Path) -> None:  # fmt: skip
    # axe-core is injected as an inline script, which the site's policy refuses: see tests/support/axe.py.
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(page, base)

    page.get_by_role("navigation").get_by_role("link", name="Påminnelser").click()
    page.wait_for_url(f"{base}/paminnelser")
    assert_accessible(page, f"/paminnelser ({width})")
    fits(page, width)
    screenshot(page, f"workspace-paminnelser-{width}")
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(f"{base}/paminnelser?status=failed*")
    assert page.get_by_text(REFUSAL).first.is_visible()
    resend = page.get_by_role("button", name="Skicka igen")
    count = resend.count()
    assert count >= 1
    resend.first.click()
    page.wait_for_load_state()
    assert "skickas igen vid nästa utskick" in page.get_by_role("status").inner_text()
    assert_accessible(page, f"/paminnelser after a resend ({width})")
    fits(page, width)

    page.get_by_role("navigation").get_by_role("link", name="Uppföljning").click()
    page.wait_for_url(f"{base}/uppfoljning")
    assert page.get_by_text("Uppföljningen har inte startat.").is_visible()
    assert_accessible(page, f"/uppfoljning, not started ({width})")
    outbox = table_rows(workspace.engine)["outbox"]
    page.get_by_role("button", name="Starta uppföljningen nu").click()
    page.wait_for_load_state()
    # The first click only shows what would happen: the outbox is as it was.
    assert page.get_by_role("heading", name="Starta uppföljningen 2024?").is_visible()
    assert table_rows(workspace.engine)["outbox"] == outbox
    assert_accessible(page, f"/uppfoljning, the start's preview ({width})")
    fits(page, width)
    screenshot(page, f"workspace-uppfoljning-forhandsvisning-{width}")
    page.get_by_role("button", name="Ja, starta uppföljningen 2024 nu").click()
    page.wait_for_load_state()
    assert "Uppföljningen har startat" in page.get_by_role("status").inner_text()
    assert len(table_rows(workspace.engine)["outbox"]) > len(outbox)
    assert page.get_by_role("heading", name="Preventionssamordnare").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ned som .xlsx").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".xlsx")
    workbook = load_workbook(saved, read_only=True)
    headers = [cell.value for cell in next(workbook.worksheets[1].iter_rows(max_row=1))]
    assert "Uppföljning" in headers and "Åtgärd" in headers  # the plan's columns, filled in
    assert_accessible(page, f"/uppfoljning ({width})")
    fits(page, width)
    screenshot(page, f"workspace-uppfoljning-{width}")

    # After the deadline (signed in again: the session has long ended), the plan is marked
    # followed up by the page's button, never by a download.
    workspace.clock.now = datetime(2024, 12, 16, 9, 0, tzinfo=UTC)
    sign_in(page, base)
    page.goto(f"{base}/uppfoljning")
    mark = page.get_by_role("button", name="Markera planen som uppföljd")
    assert mark.is_visible()
    assert_accessible(page, f"/uppfoljning after the deadline ({width})")
    mark.click()
    page.wait_for_load_state()
    assert_accessible(page, f"/plan/uppfoljd, the preview ({width})")
    page.get_by_role("button", name="Ja, markera planen 2024 som uppföljd").click()
    page.wait_for_load_state()
    assert "Planen 2024 är markerad som uppföljd." in page.get_by_role("status").inner_text()
    assert page.get_by_text("planen är uppföljd").is_visible()
    assert_accessible(page, f"/uppfoljning followed up ({width})")
    fits(page, width)
    screenshot(page, f"workspace-uppfoljning-uppfoljd-{width}")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_sent_reminders_own_page(base: str, workspace: Workspace, browser: Any, width: str) -> None:  # fmt: skip
    """From the list, filtered to sent, to one email as it went out: its headers and text part
    on the page, the HTML part and the .ics folded open on asking; readable at both widths."""
    context = browser.new_context(bypass_csp=True, locale="sv-SE", **WIDTHS[width])
    page = context.new_page()
    sign_in(page, base)
    page.goto(f"{base}/paminnelser?status=sent")
    first = page.locator("ul.outbox h3 a").first
    subject = first.inner_text()
    first.click()
    page.wait_for_url(f"{base}/paminnelser/*")
    assert page.get_by_role("heading", level=1).inner_text() == subject
    assert page.locator("#text-part").is_visible() and page.locator("#text-part").inner_text()
    page.get_by_text("HTML-delen, som den skickades").click()
    assert page.locator("#html-part").is_visible()
    assert_accessible(page, f"/paminnelser/<id> ({width})")
    fits(page, width)
    screenshot(page, f"workspace-paminnelse-{width}")
    context.close()
