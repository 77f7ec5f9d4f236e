"""The audit record (/logg): sign-ins, failed sign-ins and every change a person makes, with who,
when, what and from which address; only the organisation's own, only for coordinators; kept
`audit.keep_days`. Readers made by `scheduler user add --reader`, and `scheduler user role`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scheduler.model.account import READER
from scheduler.services.accounts import all_accounts, create_account
from scheduler.services.audit import recent_events, record
from tests.support.workspace_fixture import (
    PASSWORD,
    Workspace,
    log_in,
    page_token,
    seeded_workspace,
)
from tests.test_workspace_agenda import first_ssp_meeting, signed_in

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return seeded_workspace(tmp_path, store_url, extra="[audit]\nkeep_days = 30\n")


def test_sign_ins_failures_and_a_change_are_recorded_and_shown(workspace: Workspace) -> None:
    with workspace.client() as http:
        assert log_in(http, "anna", "fel-lösenord-123").status_code == 401
        http, csrf = signed_in(workspace)
        uid = str(first_ssp_meeting(workspace.cli)["uid"])
        moved = http.post("/agenda/flytta", data={
            "csrf": csrf, "uid": uid, "datum": "2024-04-17", "tid": "13:15", "slut": "",
            "note": "Krockar med <lovet>"})  # fmt: skip
        assert moved.status_code == 200
        refused = http.post("/agenda/flytta", data={"csrf": csrf, "uid": uid, "datum": "x"})
        assert refused.status_code == 422  # refused: nothing changed, nothing recorded
        page = http.get("/logg")
    events = recent_events(workspace.engine, KUNGSHOLMEN)
    assert [(e.action, e.actor) for e in events] == [
        ("Ändring", "anna"), ("Inloggning", "anna"), ("Misslyckad inloggning", "anna"),
    ]  # fmt: skip
    change = events[0]
    assert change.detail.startswith("Flyttade ett tillfälle (")
    assert f"uid: {uid}" in change.detail and "datum: 2024-04-17" in change.detail
    assert "csrf" not in change.detail
    assert change.client_address == "testclient" and change.at == workspace.clock()
    assert page.status_code == 200
    assert "Flyttade ett tillfälle" in page.text and "Misslyckad inloggning" in page.text
    assert "Krockar med &lt;lovet&gt;" in page.text  # escaped where it lands


def test_passwords_never_reach_the_record(workspace: Workspace) -> None:
    with workspace.client() as http:
        log_in(http, "anna", "hemligt-fel-lösen-77")
        log_in(http)
    for event in recent_events(workspace.engine, KUNGSHOLMEN):
        assert "hemligt" not in event.detail and PASSWORD not in event.detail


def test_readers_see_no_record_and_other_organisations_none_of_it(
    tmp_path: Path, store_url: str
) -> None:
    from tests.support.workspace_fixture import two_district_workspace

    workspace = two_district_workspace(tmp_path, store_url)
    workspace.add_account("nils", "norrmalm")
    create_account(workspace.engine, workspace.config, username="per", organisation="kungsholmen",
                   password=PASSWORD, now=workspace.clock(), role=READER)  # fmt: skip
    with workspace.client() as http:
        assert log_in(http, "anna").status_code == 303
    with workspace.client() as http:
        assert log_in(http, "nils").status_code == 303
        assert "anna" not in http.get("/logg").text
    with workspace.client() as http:
        assert log_in(http, "per").status_code == 303
        refused = http.get("/logg")
        assert refused.status_code == 403 and "Du kan läsa men inte ändra" in refused.text


def test_events_older_than_keep_days_are_deleted(workspace: Workspace) -> None:
    old = workspace.clock() - timedelta(days=31)
    record(workspace.engine, workspace.config, organisation=KUNGSHOLMEN, actor="gammal",
           address="127.0.0.1", action="Inloggning", detail="", now=old)  # fmt: skip
    assert [e.actor for e in recent_events(workspace.engine, KUNGSHOLMEN)] == ["gammal"]
    with workspace.client() as http:
        log_in(http)
    assert [e.actor for e in recent_events(workspace.engine, KUNGSHOLMEN)] == ["anna"]


def test_the_command_line_makes_readers_and_changes_roles(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    added = workspace.cli("user", "add", "per", "--reader", "--password-stdin")
    assert added.code == 0, added.err
    assert "Skapade läsarkontot «per» för Kungsholmens stadsdelsförvaltning." in added.out
    listed = workspace.cli("user", "list")
    assert "per  Kungsholmens stadsdelsförvaltning  läsare" in listed.out
    with workspace.client() as http:
        assert log_in(http, "per").status_code == 303
        token = page_token(http.get("/plan"))
        assert http.post("/lankar", data={"csrf": token, "namn": "x"}).status_code == 403
        changed = workspace.cli("user", "role", "per", "samordnare")
        assert changed.code == 0, changed.err
        assert "«per» är nu samordnare; 1 inloggning avslutades." in changed.out
        assert http.get("/plan").status_code == 303  # the session ended with the old role
    assert [a.role for a in all_accounts(workspace.engine) if a.username == "per"] == [
        "coordinator"
    ]
    unknown = workspace.cli("user", "role", "per", "chef")
    assert unknown.code != 0
