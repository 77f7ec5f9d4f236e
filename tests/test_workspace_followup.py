"""The follow-up page: not started (when it will, and starting it now, CSRF-protected), the
start emails through a real SMTP server, a role answering by its emailed link and the coordinator
filling in for another role, the progress and answers shown, and the downloads (.xlsx read back
with openpyxl, .html and .md with the answers); after the deadline the page's button makes the
plan uppföljd (a download never does)."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from scheduler.mail.delivery import delivery_for
from scheduler.mail.settings import EmailSettings
from scheduler.model.stored import PlanState
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import run_due
from scheduler.store.followups import answers, get_campaign
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.cli import write_config
from tests.support.seed import SEED_PLAN
from tests.support.smtp_server import SmtpServer
from tests.support.workspace_fixture import (
    START,
    USERNAME,
    Workspace,
    log_in,
    page_token,
    workspace_of,
)

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"
PREVENTION = "preventionssamordnare@kungsholmen.example.org"
LINK = re.compile(r"https?://[^\s\"<>]+/uppfoljning/[^\s\"<>]+")
STARTED = datetime(2024, 11, 15, 9, 0, tzinfo=START.tzinfo)
SSP, FIELD_MEASURE = "SSP", "Samverkan mellan polis och fältassistenter"


@dataclass
class Site:
    workspace: Workspace
    smtp: SmtpServer

    def run(self, now: datetime) -> None:
        config = self.workspace.config
        email = EmailSettings.from_settings(config)
        run_due(self.workspace.engine, config=config, delivery=delivery_for(email), email=email,
                settings=ReminderSettings.from_section(config.reminders), now=now)  # fmt: skip

    @property
    def plan_id(self) -> int:
        return find_plan_id(self.workspace.engine, year=2024, organisation=KUNGSHOLMEN)

    def measure_id(self, title: str) -> int:
        stored = load_plan(self.workspace.engine, self.plan_id)
        return next(m.id for m in stored.measures if m.measure.title == title)


@pytest.fixture
def site(tmp_path: Path, store_url: str, smtp: SmtpServer) -> Site:
    workspace = workspace_of(
        write_config(tmp_path / "config.toml", store_url, extra=smtp.config_toml())
    )
    imported = workspace.cli("import", str(SEED_PLAN))
    assert imported.code == 0, imported.err
    workspace.add_account(USERNAME, KUNGSHOLMEN)
    return Site(workspace, smtp)


def signed_in(site: Site) -> TestClient:
    http = site.workspace.client()
    assert log_in(http).status_code == 303
    return http


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def answer(
    http: TestClient, url: str, measure_id: int, text: str, status: str = "genomford"
) -> None:
    form = http.get(url)
    assert form.status_code == 200
    done = http.post(url, follow_redirects=True, data={
        "csrf": page_token(form), f"status-{measure_id}": status, f"text-{measure_id}": text,
        "action": "skicka"})  # fmt: skip
    assert done.status_code == 200 and "inskickat" in done.text, text_of(done.text)[:1500]


def test_not_started_then_started_from_the_page(site: Site) -> None:
    http = signed_in(site)
    page = http.get("/uppfoljning")
    assert page.status_code == 200
    assert "Uppföljningen har inte startat. Den startar fredag 15 november 2024" in text_of(
        page.text
    )
    for suffix in (".xlsx", ".html", ".md"):
        assert http.get(f"/uppfoljning{suffix}").status_code == 404
    for data in ({}, {"csrf": "gissad"}):
        refused = http.post("/uppfoljning?ar=2024", data=data)
        assert refused.status_code == 403 and "Inget ändrades" in refused.text
    assert get_campaign(site.workspace.engine, site.plan_id) is None

    site.workspace.clock.now = STARTED  # months later: signed in again
    http = signed_in(site)
    page = http.get("/uppfoljning")
    started = http.post("/uppfoljning?ar=2024", data={"csrf": page_token(page)})
    assert started.status_code == 200
    shown = text_of(started.text)
    assert "Uppföljningen har startat; sista svarsdag söndag 15 december 2024." in shown
    assert "7 nya e-postmeddelanden i utkorgen" in shown
    assert "Preventionssamordnare 0 av 1 inskickade." in shown
    assert get_campaign(site.workspace.engine, site.plan_id) is not None
    # Starting again sends nothing twice.
    again = text_of(http.post("/uppfoljning?ar=2024", data={"csrf": page_token(page)}).text)
    assert "Uppföljningen pågår redan" in again and "0 nya e-postmeddelanden" in again
    assert http.get("/uppfoljning", params={"organisation": "Solna"}).status_code == 404


def test_progress_answers_and_downloads(site: Site) -> None:
    site.workspace.clock.now = STARTED
    http = signed_in(site)
    assert (
        http.post("/uppfoljning", data={"csrf": page_token(http.get("/uppfoljning"))}).status_code
        == 200
    )
    site.smtp.handler.clear()
    site.run(STARTED)
    (mail,) = [m for m in site.smtp.handler.snapshot()
               if m.rcpt_tos == (PREVENTION,) and "/uppfoljning/" in m.text()]  # fmt: skip
    found = LINK.search(mail.text())
    assert found
    own_link = found[0].removeprefix(site.workspace.config.base_url)

    # The role answers by its emailed link; the coordinator fills in for the field workers.
    answer(http, own_link, site.measure_id(SSP), "Åtta möten hölls <b>i år</b>.")
    page = http.get("/uppfoljning")
    fill_in = re.search(r'href="([^"]+/roll/faltassistenter)"', page.text)
    assert fill_in and "Fyll i för Fältassistenter" in page.text
    answer(http, fill_in[1], site.measure_id(FIELD_MEASURE), "Ifyllt av samordnaren", "delvis")

    shown = text_of(http.get("/uppfoljning").text)
    assert "Preventionssamordnare Klar: 1 av 1 inskickade." in shown
    assert "Fältassistenter Klar: 1 av 1 inskickade, 1 av samordnaren." in shown
    assert "Polis 0 av 3 inskickade." in shown
    assert "Genomförd enligt plan · inskickat Åtta möten hölls <b>i år</b>." in shown
    assert "Delvis genomförd · inskickat, av samordnaren Ifyllt av samordnaren" in shown
    assert "&lt;b&gt;i år&lt;/b&gt;" in http.get("/uppfoljning").text  # escaped, not markup
    stored = answers(site.workspace.engine, site.plan_id)
    assert stored[site.measure_id(FIELD_MEASURE)].by_coordinator

    xlsx = http.get("/uppfoljning.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.headers["content-disposition"] == 'attachment; filename="uppfoljning-2024.xlsx"'
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [[c.value for c in row] for sheet in book.worksheets for row in sheet.iter_rows()]
    ssp = next(row for row in cells if SSP in row)
    assert "Åtta möten hölls <b>i år</b>." in ssp and "Genomförd enligt plan" in ssp
    for suffix in (".html", ".md"):
        report = http.get(f"/uppfoljning{suffix}")
        assert report.status_code == 200
        assert (
            report.headers["content-disposition"]
            == f'attachment; filename="uppfoljning-2024{suffix}"'
        )
        assert "Ifyllt av samordnaren" in report.text and "Åtta möten hölls" in report.text
    # A download leaves the plan as it was, after the deadline too; the page's button (a POST
    # with the CSRF token) then marks it followed up (tests/test_get_changes_nothing.py).
    assert load_plan(site.workspace.engine, site.plan_id).state != PlanState.FOLLOWED_UP
    site.workspace.clock.now = datetime(2024, 12, 16, 9, 0, tzinfo=START.tzinfo)
    http = signed_in(site)
    assert http.get("/uppfoljning.md").status_code == 200
    assert load_plan(site.workspace.engine, site.plan_id).state != PlanState.FOLLOWED_UP
    page = http.get("/uppfoljning")
    marked = http.post("/plan/uppfoljd?ar=2024", data={"csrf": page_token(page)})
    assert marked.status_code == 200
    assert load_plan(site.workspace.engine, site.plan_id).state == PlanState.FOLLOWED_UP
    assert "planen är uppföljd" in text_of(http.get("/uppfoljning").text)


def test_a_started_page_needs_the_deadline_ahead(site: Site) -> None:
    site.workspace.clock.now = datetime(2024, 12, 16, 9, 0, tzinfo=START.tzinfo) + timedelta(days=1)
    http = signed_in(site)
    page = text_of(http.get("/uppfoljning").text)
    assert "Sista svarsdag har redan passerat" in page and "Starta uppföljningen nu" not in page
