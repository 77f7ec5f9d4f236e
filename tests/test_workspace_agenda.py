"""The agenda in the workspace: the organisation's upcoming meetings and tasks, filtered by area,
role and forum; moving and cancelling one from its form tells the convener (the change notice in
the outbox) and the feed fetched over HTTP shows it; bad input, a stale form and another
organisation's meeting change nothing."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest
from fastapi.testclient import TestClient

from scheduler.base.time import STOCKHOLM
from scheduler.model.mail import MailKind, OutboxMail, is_change
from scheduler.model.occurrence import Occurrence
from scheduler.store.feed_tokens import create_token
from scheduler.store.occurrences import get_occurrence
from scheduler.store.outbox import list_outbox
from tests.support.cli import Cli
from tests.support.districts import NORRMALM
from tests.support.unchanged_tables import assert_unchanged, table_rows
from tests.support.workspace_fixture import (
    Workspace,
    log_in,
    page_token,
    seeded_workspace,
    two_district_workspace,
)

PREVENTION = "preventionssamordnare@kungsholmen.example.org"  # convenes SSP
TODAY = date(2024, 3, 13)  # the fixture's clock


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return seeded_workspace(tmp_path, store_url)


def agenda(cli: Cli, *extra: str) -> list[dict[str, object]]:
    result = cli("agenda", "--json", "--from", TODAY.isoformat(), "--to", "2024-12-31", *extra)
    assert result.code == 0, result.err
    entries: list[dict[str, object]] = json.loads(result.out)
    return entries


def shown(page: str) -> list[str]:
    return re.findall(r'<tr class="entry[^"]*" id="[^"]+" data-uid="([^"]+)"', page)


def signed_in(workspace: Workspace) -> tuple[TestClient, str]:
    http = workspace.client()
    assert log_in(http).status_code == 303
    page = http.get("/agenda")
    assert page.status_code == 200
    return http, page_token(page)


def first_ssp_meeting(cli: Cli) -> dict[str, object]:
    return next(e for e in agenda(cli) if e["title"] == "SSP" and e["kind"] == "meeting")


def change_rows(workspace: Workspace) -> list[OutboxMail]:
    return [row for row in list_outbox(workspace.engine) if is_change(row.kind)]


def feed_event(http: TestClient, token: str, uid: str) -> icalendar.Event:
    response = http.get(f"/feeds/{token}/plan.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = [e for e in calendar.events if e.uid == uid]
    return event


def a_feed(workspace: Workspace) -> str:
    _, token = create_token(workspace.engine, audience="SSP-gruppen",
                            organisation="Kungsholmens stadsdelsförvaltning", now=workspace.clock())  # fmt: skip
    return token


def test_the_agenda_lists_the_upcoming_meetings_and_tasks_as_the_command_does(
    workspace: Workspace,
) -> None:
    http, _ = signed_in(workspace)
    page = http.get("/agenda").text
    expected = [str(e["uid"]) for e in agenda(workspace.cli)]
    assert len(expected) > 40
    assert shown(page) == expected
    meeting = first_ssp_meeting(workspace.cli)
    item = page.split(f'data-uid="{meeting["uid"]}"')[1].split("</tr>")[0]
    assert 'class="name">SSP – ' in item and "Preventionssamordnare" in item
    assert (
        'data-label="Datum"' in item and 'data-label="Plats"' in item and "Möte, planerat" in item
    )
    assert 'aria-current="page">Agenda</a>' in page


def test_filters_by_area_role_and_forum(workspace: Workspace) -> None:
    http, _ = signed_in(workspace)
    everything = agenda(workspace.cli)
    area = "Otrygga och brottsutsatta platser"
    by_area = shown(http.get("/agenda", params={"omrade": area}).text)
    assert by_area == [str(e["uid"]) for e in everything if e["area"] == area]
    assert 0 < len(by_area) < len(everything)

    by_role = shown(http.get("/agenda", params={"roll": "kommunpolisen"}).text)
    assert by_role == [str(e["uid"]) for e in agenda(workspace.cli, "--role", "Kommunpolis")]
    assert 0 < len(by_role) < len(everything)

    page = http.get("/agenda", params={"forum": "SSP – Gymnasiet"}).text
    assert shown(page) == [str(e["uid"]) for e in everything
                           if e["title"] == "SSP" and e["series"] == "Gymnasiet"]  # fmt: skip
    assert shown(page) and '<option value="SSP – Gymnasiet" selected>' in page
    whole = shown(http.get("/agenda", params={"forum": "SSP"}).text)
    assert set(shown(page)) < set(whole)
    assert shown(http.get("/agenda", params={"omrade": "Trafik"}).text) == []


def test_moving_a_meeting_tells_the_convener_and_the_feed_shows_the_new_time(
    workspace: Workspace,
) -> None:
    http, csrf = signed_in(workspace)
    token = a_feed(workspace)
    meeting = first_ssp_meeting(workspace.cli)
    uid = str(meeting["uid"])
    before = get_occurrence(workspace.engine, uid)
    assert feed_event(http, token, uid).get("SEQUENCE", 0) == before.sequence  # cached now

    moved = http.post("/agenda/flytta", data={
        "csrf": csrf, "uid": uid, "datum": "2024-04-17", "tid": "13:15", "slut": "",
        "note": "Krockar med lovet"})  # fmt: skip
    assert moved.status_code == 200
    assert "Flyttat: «SSP – " in moved.text and "onsdag 17 april 2024 kl. 13:15" in moved.text
    assert "Sammankallande (Preventionssamordnare) får ett mejl om ändringen." in moved.text

    after = get_occurrence(workspace.engine, uid)
    start = datetime(2024, 4, 17, 13, 15, tzinfo=STOCKHOLM)
    assert after.start == start and after.end - after.start == before.end - before.start
    assert after.sequence == before.sequence + 1 and after.note == "Krockar med lovet"
    (notice,) = change_rows(workspace)
    assert notice.kind == MailKind.CHANGE_MOVED and notice.recipient == PREVENTION
    assert notice.occurrence_id == before.id

    event = feed_event(http, token, uid)
    assert start == event.DTSTART and event["SEQUENCE"] == after.sequence
    item = moved.text.split(f'data-uid="{uid}"')[1].split("</tr>")[0]
    assert "onsdag 17 april 2024" in item and "13:15" in item and "(ändrat)" in item


def test_a_new_end_time_sets_the_length(workspace: Workspace) -> None:
    http, csrf = signed_in(workspace)
    uid = str(first_ssp_meeting(workspace.cli)["uid"])
    moved = http.post("/agenda/flytta", data={"csrf": csrf, "uid": uid, "datum": "2024-04-17",
                                              "tid": "13:00", "slut": "16:30", "note": ""})  # fmt: skip
    assert moved.status_code == 200
    after = get_occurrence(workspace.engine, uid)
    assert after.end == datetime(2024, 4, 17, 16, 30, tzinfo=STOCKHOLM)


def test_cancelling_a_meeting_tells_the_convener_and_the_feed_shows_it_cancelled(
    workspace: Workspace,
) -> None:
    http, csrf = signed_in(workspace)
    token = a_feed(workspace)
    uid = str(first_ssp_meeting(workspace.cli)["uid"])
    before = get_occurrence(workspace.engine, uid)
    assert str(feed_event(http, token, uid).get("STATUS", "CONFIRMED")) != "CANCELLED"

    rows = table_rows(workspace.engine)
    preview = http.post("/agenda/stall-in", data={"csrf": csrf, "uid": uid, "note": "Sjukdom"})
    assert preview.status_code == 200 and "Ställa in «SSP – " in preview.text
    assert "Sammankallande (Preventionssamordnare) får ett mejl om att mötet är inställt" in preview.text  # fmt: skip
    assert 'name="note" value="Sjukdom"' in preview.text and 'name="bekraftat" value="ja"' in preview.text  # fmt: skip
    assert_unchanged(workspace.engine, rows)  # shown, not done: no row of any table changed
    cancelled = http.post("/agenda/stall-in", data={"csrf": csrf, "uid": uid, "note": "Sjukdom",
                                                    "bekraftat": "ja"})  # fmt: skip
    assert cancelled.status_code == 200
    assert "Inställt: «SSP – " in cancelled.text
    assert "Sammankallande (Preventionssamordnare) får ett mejl om ändringen." in cancelled.text
    after = get_occurrence(workspace.engine, uid)
    assert after.status == "cancelled" and after.sequence == before.sequence + 1
    (notice,) = change_rows(workspace)
    assert notice.kind == MailKind.CHANGE_CANCELLED and notice.recipient == PREVENTION
    event = feed_event(http, token, uid)
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == after.sequence
    item = cancelled.text.split(f'data-uid="{uid}"')[1].split("</tr>")[0]
    assert "<strong>Inställt</strong>" in item and "/agenda/stall-in" not in item
    assert 'action="/agenda/aterstall"' in item


def test_a_cancelled_meeting_is_restored_the_convener_told_and_the_feed_shows_it_again(
    workspace: Workspace,
) -> None:
    http, csrf = signed_in(workspace)
    token = a_feed(workspace)
    uid = str(first_ssp_meeting(workspace.cli)["uid"])
    assert http.post("/agenda/stall-in", data={"csrf": csrf, "uid": uid, "bekraftat": "ja"}).status_code == 200  # fmt: skip
    cancelled = get_occurrence(workspace.engine, uid)
    assert cancelled.status == "cancelled"

    rows = table_rows(workspace.engine)
    preview = http.post("/agenda/aterstall", data={"csrf": csrf, "uid": uid})
    assert preview.status_code == 200 and "Återställa «SSP – " in preview.text
    assert "Sammankallande (Preventionssamordnare) får ett mejl om att mötet blir av igen" in preview.text  # fmt: skip
    assert_unchanged(workspace.engine, rows)

    restored = http.post("/agenda/aterstall", data={"csrf": csrf, "uid": uid, "bekraftat": "ja"})
    assert restored.status_code == 200 and "Återställt: «SSP – " in restored.text
    assert "Sammankallande (Preventionssamordnare) får ett mejl om ändringen." in restored.text
    after = get_occurrence(workspace.engine, uid)
    assert after.status == "planned" and after.sequence == cancelled.sequence + 1
    assert after.start == cancelled.start
    notice = [row for row in change_rows(workspace) if row.kind == MailKind.CHANGE_RESTORED]
    assert [(n.recipient, n.subject[:11]) for n in notice] == [(PREVENTION, "Återställt:")]
    event = feed_event(http, token, uid)
    assert str(event.get("STATUS", "CONFIRMED")) != "CANCELLED"
    assert event["SEQUENCE"] == after.sequence
    item = restored.text.split(f'data-uid="{uid}"')[1].split("</li>")[0]
    assert "<strong>Inställt</strong>" not in item and "/agenda/stall-in" in item
    # Restoring what is not cancelled changes nothing and tells no one.
    rows = table_rows(workspace.engine)
    again = http.post("/agenda/aterstall", data={"csrf": csrf, "uid": uid, "bekraftat": "ja"})
    assert again.status_code == 200 and "är inte inställt; inget ändrades" in again.text
    assert_unchanged(workspace.engine, rows)


def unchanged(workspace: Workspace, before: Occurrence) -> None:
    assert get_occurrence(workspace.engine, before.uid) == before
    assert change_rows(workspace) == []


@pytest.mark.parametrize(
    ("fields", "message", "field_id"),
    [
        (
            {"datum": "2024-02-30"},
            "Nytt datum: «2024-02-30» är inget datum. Skriv ÅÅÅÅ-MM-DD",
            "datum",
        ),
        ({"datum": "17 april"}, "Nytt datum: «17 april» är inget datum.", "datum"),
        ({"datum": "1999-05-04"}, "Nytt datum: 1999-05-04 ligger utanför år 2000–2100.", "datum"),
        ({"datum": "2101-01-04"}, "ligger utanför år 2000–2100.", "datum"),
        ({"tid": "25:00"}, "Ny tid: «25:00» är ingen tid. Skriv TT:MM", "tid"),
        ({"slut": "08:00"}, "Slutar: 08:00 ligger inte efter starttiden 13:00.", "slut"),
        ({"slut": "13:00"}, "Slutar: 13:00 ligger inte efter starttiden 13:00.", "slut"),
    ],
)
def test_bad_input_is_named_in_swedish_the_values_come_back_and_nothing_changes(
    workspace: Workspace, fields: dict[str, str], message: str, field_id: str
) -> None:
    http, csrf = signed_in(workspace)
    uid = str(first_ssp_meeting(workspace.cli)["uid"])
    before = get_occurrence(workspace.engine, uid)
    data = {"csrf": csrf, "uid": uid, "datum": "2024-04-17", "tid": "13:00", "slut": "",
            "note": "Mitt <b>meddelande</b>"} | fields  # fmt: skip
    refused = http.post("/agenda/flytta", data=data)
    assert refused.status_code == 422
    assert "Ändringen kunde inte göras" in refused.text and message in refused.text
    key = re.search(rf'id="(m[0-9a-f]+)" data-uid="{re.escape(uid)}"', refused.text)
    assert key
    assert f'href="#{field_id}-{key[1]}"' in refused.text
    item = refused.text.split(f'data-uid="{uid}"')[1].split("</tr>")[0]
    assert "<details open>" in item
    for name, value in data.items():
        if name in ("datum", "tid", "slut"):
            assert f'name="{name}" value="{value}"' in item
    assert 'value="Mitt &lt;b&gt;meddelande&lt;/b&gt;"' in item
    assert f'id="{field_id}-{key[1]}"' in item and 'aria-invalid="true"' in item
    unchanged(workspace, before)


def test_a_form_without_its_token_or_an_unknown_uid_changes_nothing(workspace: Workspace) -> None:
    http, csrf = signed_in(workspace)
    uid = str(first_ssp_meeting(workspace.cli)["uid"])
    before = get_occurrence(workspace.engine, uid)
    for path, data in (("/agenda/flytta", {"uid": uid, "datum": "2024-04-17", "tid": "13:00"}),
                       ("/agenda/stall-in", {"uid": uid}),
                       ("/agenda/aterstall", {"uid": uid})):  # fmt: skip
        refused = http.post(path, data=data)
        assert refused.status_code == 403
        assert "Formuläret kunde inte skickas" in refused.text
        forged = http.post(path, data=data | {"csrf": "x" * 64})
        assert forged.status_code == 403
        missing = http.post(path, data=data | {"csrf": csrf, "uid": "nothing@here"})
        assert missing.status_code == 404
    unchanged(workspace, before)


def test_another_organisations_meeting_is_not_found_and_nothing_changes(
    tmp_path: Path, store_url: str
) -> None:
    workspace = two_district_workspace(tmp_path, store_url)
    http, csrf = signed_in(workspace)
    page = http.get("/agenda").text
    theirs = agenda(workspace.cli, "--organisation", "norrmalm")
    ours = agenda(workspace.cli, "--organisation", "kungsholmen")
    assert shown(page) == [str(e["uid"]) for e in ours]
    assert NORRMALM not in page and "SSP Norrmalm" not in page
    uid = str(next(e for e in theirs if e["kind"] == "meeting")["uid"])
    before = get_occurrence(workspace.engine, uid)
    moved = http.post("/agenda/flytta", data={"csrf": csrf, "uid": uid, "datum": "2024-04-17",
                                              "tid": "13:00"})  # fmt: skip
    assert moved.status_code == 404 and "Sidan finns inte" in moved.text
    cancelled = http.post("/agenda/stall-in", data={"csrf": csrf, "uid": uid})
    assert cancelled.status_code == 404 and NORRMALM not in cancelled.text
    unchanged(workspace, before)
    assert http.get("/agenda", params={"organisation": "norrmalm"}).status_code == 404
