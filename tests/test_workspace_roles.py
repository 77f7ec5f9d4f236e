"""/roller: the organisation's roles with their people and addresses, added and changed in the
workspace (fields `roll`, `namn`, `epost`), stored per organisation, winning over config.toml's
[roles]; the next reminder pass sends to the new address (a real SMTP server); refused values
change nothing and come back; another organisation never sees them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.cli import write_config
from tests.support.seed import SEED_PLAN
from tests.support.smtp_server import SmtpServer
from tests.support.unchanged_tables import assert_unchanged, table_rows
from tests.support.workspace_fixture import (
    START,
    USERNAME,
    Workspace,
    log_in,
    page_token,
    workspace_of,
)
from tests.test_workspace_followup import text_of

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"
OLD = "trygghetssamordnare@kungsholmen.example.org"
NEW = "ny.samordnare@kungsholmen.example.org"


@pytest.fixture
def workspace(tmp_path: Path, store_url: str, smtp: SmtpServer) -> Workspace:
    workspace = workspace_of(
        write_config(tmp_path / "config.toml", store_url, extra=smtp.config_toml())
    )
    assert workspace.cli("import", str(SEED_PLAN)).code == 0
    workspace.add_account(USERNAME, KUNGSHOLMEN)
    return workspace


def signed_in(workspace: Workspace) -> httpx.Client:
    http = workspace.client()
    assert log_in(http).status_code == 303
    return http


def test_a_new_address_gets_the_next_reminder(workspace: Workspace, smtp: SmtpServer) -> None:
    http = signed_in(workspace)
    page = http.get("/roller")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert OLD in shown and "config.toml" in shown
    edit = http.get("/roller", params={"roll": "Trygghetssamordnare"})
    assert f'value="{OLD}"' in edit.text

    saved = http.post("/roller", data={"csrf": page_token(page), "roll": "Trygghetssamordnare",
                                       "namn": "Eva Ek", "epost": NEW})  # fmt: skip
    assert saved.status_code == 200
    shown = text_of(saved.text)
    assert "Rollen Trygghetssamordnare är sparad." in shown
    assert f"Påminnelserna till rollen går till {NEW} från nästa utskick." in shown
    assert "Eva Ek" in shown and "arbetsytan" in shown

    # The next pass, a month on: the trygghetssamordnare's reminders go to the new address.
    later = START + timedelta(days=30)
    passed = workspace.cli("remind", "run-due", "--now", later.isoformat())
    assert passed.code == 0, passed.err
    recipients = {rcpt for message in smtp.handler.snapshot() for rcpt in message.rcpt_tos}
    assert NEW in recipients and OLD not in recipients, recipients
    # The plan page names the new address too.
    assert NEW in http.get("/plan?ar=2024").text


def test_a_refused_role_changes_nothing_and_comes_back(workspace: Workspace) -> None:
    http = signed_in(workspace)
    page = http.get("/roller")
    before = table_rows(workspace.engine)
    refused = http.post("/roller", data={"csrf": page_token(page), "roll": "Kommunpolis",
                                         "namn": "Per\x07", "epost": "inte en adress"})  # fmt: skip
    assert refused.status_code == 422
    shown = text_of(refused.text)
    assert "Rollen kunde inte sparas" in shown
    assert "E-post: «inte en adress» är ingen e-postadress." in shown
    assert "Namn: texten har ett" in shown
    assert 'value="inte en adress"' in refused.text and 'aria-invalid="true"' in refused.text
    assert_unchanged(workspace.engine, before)
    forged = http.post("/roller", data={"csrf": "gissad", "roll": "Kommunpolis", "epost": NEW})
    assert forged.status_code == 403
    assert_unchanged(workspace.engine, before)


def test_a_new_role_is_added(workspace: Workspace) -> None:
    http = signed_in(workspace)
    page = http.get("/roller")
    saved = http.post("/roller", data={"csrf": page_token(page), "roll": "Fältassistent",
                                       "namn": "", "epost": "falt@kungsholmen.example.org"})  # fmt: skip
    assert saved.status_code == 200
    assert "Fältassistent" in text_of(http.get("/roller").text)
    again = http.post("/roller", data={"csrf": page_token(page), "roll": "Fältassistent",
                                       "namn": "", "epost": "falt@kungsholmen.example.org"})  # fmt: skip
    assert "hade redan de här uppgifterna; inget ändrades" in text_of(again.text)
