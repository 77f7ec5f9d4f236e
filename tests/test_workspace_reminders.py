"""The reminders page: the organisation's outbox with every status and the reason a row failed
(a real SMTP server refusing an address), a failed reminder sent again (exactly once, at the next
dispatcher pass), another organisation's row answered with 404, and a form without its token
refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.mail.delivery import delivery_for
from scheduler.mail.settings import EmailSettings
from scheduler.model.mail import OutboxMail, OutboxStatus
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import PassResult, run_due
from scheduler.services.refresh import refresh_plans_in_time
from scheduler.store.outbox import list_outbox
from tests.support.districts import KUNGSHOLMEN, NORRMALM
from tests.support.smtp_server import SmtpServer
from tests.support.workspace_fixture import (
    START,
    Workspace,
    log_in,
    page_token,
    two_district_workspace,
)

OWN = "trygghetssamordnare@kungsholmen.example.org"
THEIRS = "trygghetssamordnare@norrmalm.example.org"
REFUSAL = "550 5.1.1 Mailbox unavailable"


@dataclass
class Site:
    workspace: Workspace
    smtp: SmtpServer

    def run(self, now: datetime) -> PassResult:
        """One dispatcher pass at `now`, as `scheduler remind run-due` does it: the plans in
        time refreshed first (their reminders topped up to the planning horizon)."""
        config = self.workspace.config
        refresh_plans_in_time(self.workspace.engine, config, now=now)
        email = EmailSettings.from_settings(config)
        return run_due(self.workspace.engine, config=config, delivery=delivery_for(email), email=email,
                       settings=ReminderSettings.from_section(config.reminders), now=now)  # fmt: skip

    def rows(self, organisation: str, status: str | None = None) -> list[OutboxMail]:
        return list_outbox(self.workspace.engine, status=status, organisation=organisation)

    def row(self, row_id: int | None) -> OutboxMail:
        (found,) = [r for r in list_outbox(self.workspace.engine) if r.id == row_id]
        return found


@pytest.fixture
def site(tmp_path: Path, store_url: str, smtp: SmtpServer) -> Site:
    """Two districts, both plans imported; one pass at START with both coordinators' addresses
    refused for good, so each district has failed rows."""
    workspace = two_district_workspace(tmp_path, store_url, extra=smtp.config_toml())
    site = Site(workspace, smtp)
    smtp.handler.refuse_recipients.update({OWN: REFUSAL, THEIRS: REFUSAL})
    result = site.run(START)
    assert result.failed >= 2
    smtp.handler.refuse_recipients.clear()
    smtp.handler.clear()
    return site


def signed_in(site: Site) -> TestClient:
    http = site.workspace.client()
    assert log_in(http).status_code == 303
    return http


def still_useful(rows: list[OutboxMail], now: datetime) -> OutboxMail:
    return next(r for r in rows if r.useful_until is None or r.useful_until > now)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_outbox_shows_every_status_and_why_one_failed(site: Site) -> None:
    http = signed_in(site)
    page = http.get("/paminnelser")
    assert page.status_code == 200
    shown = text_of(page.text)
    own = site.rows(KUNGSHOLMEN)
    statuses = {r.status for r in own}
    assert {OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.FAILED} <= statuses
    for status, word in (("pending", "Väntar"), ("sent", "Skickat"), ("failed", "Misslyckat")):
        assert f"{word}: {sum(r.status == status for r in own)}" in shown
    failed = site.rows(KUNGSHOLMEN, OutboxStatus.FAILED)
    only_failed = http.get("/paminnelser", params={"status": "failed"})
    listed = text_of(only_failed.text)
    assert f"Misslyckat ({len(failed)})" in listed
    assert f"Orsak {REFUSAL}" in listed
    assert f"Mottagare {OWN}" in listed and "Roll Trygghetssamordnare" in listed
    assert listed.count("Skicka igen") == len(failed)
    # Only the own organisation's: none of Norrmalm's rows, or its addresses.
    assert THEIRS not in page.text and "norrmalm" not in page.text.casefold()
    assert http.get("/paminnelser", params={"status": "okänd"}).status_code == 404
    assert http.get("/paminnelser", params={"organisation": "norrmalm"}).status_code == 404


def test_a_failed_reminder_sent_again_goes_out_once_at_the_next_pass(site: Site) -> None:
    now = START + timedelta(hours=1)
    site.workspace.clock.now = now
    http = signed_in(site)
    failed = still_useful(site.rows(KUNGSHOLMEN, OutboxStatus.FAILED), now)
    token = page_token(http.get("/paminnelser", params={"status": "failed"}))

    done = http.post(f"/paminnelser/{failed.id}/skicka-igen", data={"csrf": token})
    assert done.status_code == 200
    assert f"«{failed.subject}» till {OWN} skickas igen vid nästa utskick." in done.text
    again = site.row(failed.id)
    assert (again.status, again.due_at, again.attempts, again.last_error) == (
        OutboxStatus.PENDING,
        now,
        0,
        "",
    )
    # Sent twice? The second post finds it pending, not failed: refused, nothing changes.
    twice = http.post(f"/paminnelser/{failed.id}/skicka-igen", data={"csrf": token})
    assert twice.status_code == 409 and "Inget ändrades" in twice.text

    site.run(now)
    site.run(now + timedelta(hours=2))
    assert site.row(failed.id).status == OutboxStatus.SENT
    got = [m for m in site.smtp.handler.snapshot() if m.message["Subject"] == failed.subject]
    assert [m.rcpt_tos for m in got] == [(OWN,)]  # exactly once
    listed = text_of(http.get("/paminnelser", params={"status": "sent"}).text)
    assert failed.subject in listed


def test_another_organisations_row_is_not_found(site: Site) -> None:
    http = signed_in(site)
    token = page_token(http.get("/paminnelser"))
    theirs = site.rows(NORRMALM, OutboxStatus.FAILED)[0]
    refused = http.post(f"/paminnelser/{theirs.id}/skicka-igen", data={"csrf": token})
    assert refused.status_code == 404 and "Sidan finns inte" in refused.text
    assert THEIRS not in refused.text
    assert site.row(theirs.id).status == OutboxStatus.FAILED
    for path in ("/paminnelser/999999/skicka-igen", "/paminnelser/x/skicka-igen"):
        assert http.post(path, data={"csrf": token}).status_code == 404


def test_a_form_without_its_token_is_refused(site: Site) -> None:
    http = signed_in(site)
    failed = site.rows(KUNGSHOLMEN, OutboxStatus.FAILED)[0]
    for data in ({}, {"csrf": "fel"}):
        refused = http.post(f"/paminnelser/{failed.id}/skicka-igen", data=data)
        assert refused.status_code == 403
        assert "Inget ändrades" in refused.text
    assert site.row(failed.id).status == OutboxStatus.FAILED
    signed_out = site.workspace.client()
    assert signed_out.post(f"/paminnelser/{failed.id}/skicka-igen").status_code in (303, 403)
    assert site.row(failed.id).status == OutboxStatus.FAILED
