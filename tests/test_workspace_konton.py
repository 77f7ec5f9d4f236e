"""/konton: a coordinator adds another coordinator of the same organisation with a one-time link
(emailed through the outbox and a real SMTP server, or shown once), who chooses a password there
and signs in; the link works once and not after it expires; a weak password or two different
ones are refused and create nothing; a coordinator is removed after a preview (the unconfirmed
POST changes no table), never oneself. A reader is invited the same way (`behorighet=lasare`):
the email and the link's page say so, and the reader's posts are refused. Another account's
role is changed after a preview, never one's own."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from scheduler.model.account import COORDINATOR, READER
from scheduler.services.invitations import INVITATION_HOURS
from scheduler.store.accounts import find_account
from tests.support.cli import write_config
from tests.support.seed import SEED_PLAN
from tests.support.smtp_server import SmtpServer
from tests.support.unchanged_tables import assert_unchanged, table_rows
from tests.support.workspace_fixture import (
    PASSWORD,
    USERNAME,
    Workspace,
    log_in,
    page_token,
    workspace_of,
)
from tests.test_workspace_followup import text_of

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"
NEW_PASSWORD = "Blå-cykel-vinter-fjärd-7"
LINK = re.compile(r"https?://[^\s\"<>]+(/konto/ny/[A-Za-z0-9_-]+)")


@pytest.fixture
def workspace(tmp_path: Path, store_url: str, smtp: SmtpServer) -> Workspace:
    workspace = workspace_of(
        write_config(tmp_path / "config.toml", store_url, extra=smtp.config_toml())
    )
    assert workspace.cli("import", str(SEED_PLAN)).code == 0
    workspace.add_account(USERNAME, KUNGSHOLMEN)
    return workspace


def signed_in(workspace: Workspace, username: str = USERNAME, password: str = PASSWORD) -> httpx.Client:  # fmt: skip
    http = workspace.client()
    assert log_in(http, username, password).status_code == 303
    return http


def test_an_emailed_link_lets_the_new_coordinator_sign_in(workspace: Workspace, smtp: SmtpServer) -> None:  # fmt: skip
    http = signed_in(workspace)
    page = http.get("/konton")
    assert page.status_code == 200 and "anna (du)" in text_of(page.text)
    added = http.post("/konton", data={"csrf": page_token(page), "anvandarnamn": "Bertil",
                                       "epost": "bertil@kungsholmen.example.org"})  # fmt: skip
    assert added.status_code == 200
    shown = text_of(added.text)
    assert "Kontot bertil väntar på att lösenordet väljs." in shown
    assert "Länken skickas till bertil@kungsholmen.example.org vid nästa utskick." in shown
    assert find_account(workspace.engine, "bertil") is None  # no account before the password

    passed = workspace.cli("remind", "run-due", "--now", workspace.clock().isoformat())
    assert passed.code == 0, passed.err
    (mail,) = [
        m for m in smtp.handler.snapshot() if m.rcpt_tos == ("bertil@kungsholmen.example.org",)
    ]
    found = LINK.search(mail.text())
    assert found, mail.text()
    path = found[1]

    guest = workspace.client()
    form = guest.get(path)
    assert form.status_code == 200 and "bertil" in form.text
    weak = guest.post(path, data={"password": "bertil123", "password2": "bertil123"})
    assert weak.status_code == 422 and find_account(workspace.engine, "bertil") is None
    differ = guest.post(path, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "inte likadana" in differ.text
    done = guest.post(path, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 200 and "Kontot är klart" in done.text
    account = find_account(workspace.engine, "bertil")
    assert account is not None and account.organisation == KUNGSHOLMEN
    assert account.role == COORDINATOR  # the form's default
    # Once: the link now says it has been used, and creates nothing.
    again = guest.post(path, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert again.status_code == 404 and "redan använd" in again.text
    # Bertil signs in and sees Kungsholmen's plan.
    bertil = signed_in(workspace, "bertil", NEW_PASSWORD)
    assert KUNGSHOLMEN in bertil.get("/plan").text


def test_a_link_shown_once_and_expiring(workspace: Workspace) -> None:
    http = signed_in(workspace)
    page = http.get("/konton")
    added = http.post("/konton", data={"csrf": page_token(page), "anvandarnamn": "cecilia", "epost": ""})  # fmt: skip
    found = LINK.search(added.text)
    assert found and "den visas bara nu" in text_of(added.text)
    assert found[1] not in http.get("/konton").text  # shown once: the secret is not kept
    workspace.clock.now += timedelta(hours=INVITATION_HOURS, seconds=1)
    expired = workspace.client().get(found[1])
    assert expired.status_code == 404 and "slutat gälla" in expired.text
    assert workspace.client().get("/konto/ny/gissad").status_code == 404


def test_bad_names_are_refused_and_nothing_is_stored(workspace: Workspace) -> None:
    http = signed_in(workspace)
    page = http.get("/konton")
    before = table_rows(workspace.engine)
    for name, email, message in (("anna", "", "Det finns redan ett konto som heter «anna»"),
                                 ("två ord", "", "Ogiltigt användarnamn"),
                                 ("david", "inte-en-adress", "är ingen e-postadress")):  # fmt: skip
        refused = http.post("/konton", data={"csrf": page_token(page), "anvandarnamn": name, "epost": email})  # fmt: skip
        assert refused.status_code == 422 and message in text_of(refused.text), text_of(
            refused.text
        )
    assert_unchanged(workspace.engine, before)


def test_a_coordinator_is_removed_after_a_preview(workspace: Workspace) -> None:
    workspace.add_account("bertil", KUNGSHOLMEN)
    http = signed_in(workspace)
    bertil = signed_in(workspace, "bertil")
    page = http.get("/konton")
    before = table_rows(workspace.engine)
    preview = http.post(
        "/konton/ta-bort", data={"csrf": page_token(page), "anvandarnamn": "bertil"}
    )
    assert preview.status_code == 200 and "Ta bort kontot bertil?" in preview.text
    assert_unchanged(workspace.engine, before)
    own = http.post("/konton/ta-bort", data={"csrf": page_token(page), "anvandarnamn": "anna",
                                              "bekraftat": "ja"})  # fmt: skip
    assert own.status_code == 422 and "ditt eget konto" in own.text
    assert_unchanged(workspace.engine, before)
    removed = http.post("/konton/ta-bort", data={"csrf": page_token(page), "anvandarnamn": "bertil",
                                                  "bekraftat": "ja"})  # fmt: skip
    assert removed.status_code == 200 and "Kontot bertil är borttaget." in removed.text
    assert find_account(workspace.engine, "bertil") is None
    assert bertil.get("/plan").status_code == 303  # their session ended at once


def test_an_invited_reader_sees_and_changes_nothing(workspace: Workspace, smtp: SmtpServer) -> None:  # fmt: skip
    http = signed_in(workspace)
    page = http.get("/konton")
    assert 'type="radio" id="behorighet-samordnare" name="behorighet" value="samordnare" checked' in page.text  # fmt: skip
    assert "<legend>Behörighet</legend>" in page.text
    added = http.post("/konton", data={"csrf": page_token(page), "anvandarnamn": "dora",
                                       "epost": "dora@polisen.example.org",
                                       "behorighet": "lasare"})  # fmt: skip
    assert added.status_code == 200
    shown = text_of(added.text)
    assert "dora blir läsare: ser planen, agendan, årshjulet och uppföljningen men ändrar ingenting." in shown  # fmt: skip
    assert "dora (dora@polisen.example.org), blir läsare" in text_of(http.get("/konton").text)

    passed = workspace.cli("remind", "run-due", "--now", workspace.clock().isoformat())
    assert passed.code == 0, passed.err
    (mail,) = [m for m in smtp.handler.snapshot() if m.rcpt_tos == ("dora@polisen.example.org",)]
    assert "har lagt till dig som läsare för Kungsholmens stadsdelsförvaltning" in mail.text()
    found = LINK.search(mail.text())
    assert found, mail.text()

    guest = workspace.client()
    form = guest.get(found[1])
    assert form.status_code == 200 and "Du blir läsare: du ser planen" in text_of(form.text)
    done = guest.post(found[1], data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 200 and "som är läsare" in text_of(done.text)
    account = find_account(workspace.engine, "dora")
    assert account is not None and account.role == READER and account.organisation == KUNGSHOLMEN

    dora = signed_in(workspace, "dora", NEW_PASSWORD)
    agenda = dora.get("/agenda")
    assert agenda.status_code == 200 and KUNGSHOLMEN in agenda.text
    assert dora.get("/konton").status_code == 403
    with workspace.engine.connect() as connection:
        uid = connection.execute(text("SELECT uid FROM occurrence ORDER BY id")).scalars().first()
    assert uid
    before = table_rows(workspace.engine)
    for path, data in (("/agenda/stall-in", {"uid": uid}),
                       ("/konton", {"anvandarnamn": "erik", "behorighet": "samordnare"}),
                       ("/konton/behorighet", {"anvandarnamn": "dora", "behorighet": "samordnare",
                                               "bekraftat": "ja"})):  # fmt: skip
        refused = dora.post(path, data={"csrf": page_token(agenda), **data})
        assert refused.status_code == 403 and "Du kan läsa men inte ändra" in refused.text, path
    assert_unchanged(workspace.engine, before)


def test_a_role_is_changed_after_a_preview(workspace: Workspace) -> None:
    workspace.add_account("bertil", KUNGSHOLMEN)
    http = signed_in(workspace)
    bertil = signed_in(workspace, "bertil")
    page = http.get("/konton")
    assert "bertil : samordnare" in text_of(page.text)
    assert 'action="/konton/behorighet"' in page.text
    before = table_rows(workspace.engine)
    preview = http.post("/konton/behorighet", data={"csrf": page_token(page),
                                                    "anvandarnamn": "bertil", "behorighet": "lasare"})  # fmt: skip
    assert preview.status_code == 200 and "Göra bertil till läsare?" in preview.text
    assert "ändrar ingenting" in text_of(preview.text)
    assert_unchanged(workspace.engine, before)
    for name, access, message in (("anna", "lasare", "ditt eget konto"),
                                  ("okand", "lasare", "har inget konto som heter «okand»"),
                                  ("bertil", "samordnare", "bertil är redan samordnare"),
                                  ("bertil", "chef", "Välj samordnare eller läsare")):  # fmt: skip
        refused = http.post("/konton/behorighet", data={"csrf": page_token(page), "anvandarnamn": name,
                                                        "behorighet": access, "bekraftat": "ja"})  # fmt: skip
        assert refused.status_code == 422 and message in text_of(refused.text), name
    assert_unchanged(workspace.engine, before)

    changed = http.post("/konton/behorighet", data={"csrf": page_token(page), "anvandarnamn": "bertil",
                                                    "behorighet": "lasare", "bekraftat": "ja"})  # fmt: skip
    assert changed.status_code == 200 and "Kontot bertil är nu läsare." in text_of(changed.text)
    account = find_account(workspace.engine, "bertil")
    assert account is not None and account.role == READER
    assert bertil.get("/plan").status_code == 303  # their session ended: the new role from now
    bertil = signed_in(workspace, "bertil")
    refused = bertil.post("/konton", data={"csrf": page_token(bertil.get("/agenda"))})
    assert refused.status_code == 403
    back = http.post("/konton/behorighet", data={"csrf": page_token(page), "anvandarnamn": "bertil",
                                                 "behorighet": "samordnare", "bekraftat": "ja"})  # fmt: skip
    assert back.status_code == 200 and "bertil : samordnare" in text_of(back.text)
    assert "Ändrade ett kontos behörighet" in text_of(http.get("/logg").text)
