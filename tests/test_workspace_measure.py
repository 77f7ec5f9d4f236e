"""A measure's schedule edited in the workspace (/plan/atgard/<id>): the new weekday, time,
months, location and convener take effect at once in the stored occurrences, the agenda, the feed
and the pending reminders, and go out with the plan (.xlsx); a refused form changes nothing and
gives the typed values back; another organisation's measure is not found."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import text

from scheduler.base.time import STOCKHOLM
from scheduler.model.occurrence import OccurrenceStatus
from scheduler.plan.files import read_plan
from scheduler.store.feed_tokens import create_token
from scheduler.store.occurrences import list_occurrences
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.seed import SEED_ORGANISATION
from tests.support.workspace_fixture import (
    Workspace,
    log_in,
    page_token,
    seeded_workspace,
    two_district_workspace,
)

COUNCIL = "Kungsholmens trygghets- och säkerhetsråd"
THURSDAY = 3


def council_id(workspace: Workspace) -> int:
    stored = load_plan(workspace.engine, find_plan_id(workspace.engine, year=2024))
    return next(m.id for m in stored.measures if m.measure.title == COUNCIL)


def signed_in(workspace: Workspace) -> TestClient:
    http = workspace.client()
    assert log_in(http).status_code == 303
    return http


def save(http: TestClient, measure_id: int, **fields: object) -> httpx.Response:
    url = f"/plan/atgard/{measure_id}?ar=2024"
    data = {"csrf": page_token(http.get(url)), "veckodag": "", "tid": "", "plats": "",
            "sammankallande": ""} | fields  # fmt: skip
    response: httpx.Response = http.post(url, data=data)
    return response


def planned(workspace: Workspace, measure_id: int) -> list[tuple[str, str, str | None]]:
    """(date, local time, location) of the measure's planned occurrences."""
    plan_id = find_plan_id(workspace.engine, year=2024)
    return [
        (o.start.astimezone(STOCKHOLM).date().isoformat(),
         o.start.astimezone(STOCKHOLM).strftime("%H:%M"), o.location)
        for o in list_occurrences(workspace.engine, plan_id=plan_id)
        if o.measure_id == measure_id and o.status != OccurrenceStatus.CANCELLED
    ]  # fmt: skip


def test_a_new_weekday_time_months_and_place_take_effect_at_once(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    measure_id = council_id(workspace)
    plan = http.get("/plan?ar=2024")
    assert f'href="/plan/atgard/{measure_id}?ar=2024"' in plan.text
    before = planned(workspace, measure_id)
    assert len(before) == 4 and {d for d, _, _ in before} != set()
    page = http.get(f"/plan/atgard/{measure_id}?ar=2024")
    assert page.status_code == 200 and "Ändra schemat: " + COUNCIL in page.text
    token = create_token(
        workspace.engine,
        organisation=SEED_ORGANISATION,
        audience="Rådet",
        scope="",
        now=workspace.clock(),
    )[1]

    done = save(http, measure_id, veckodag="torsdag", tid="13:30", manad=["3", "5", "9", "11"],
                plats="Rådhuset, sal 2", sammankallande="Kommunpolis")  # fmt: skip
    assert done.status_code == 200, done.text
    assert f"Schemat för «{COUNCIL}» är sparat." in done.text
    # Meetings of the same convener were spread around the council's Mondays; they move back.
    assert "Obs: datumen för «SSP», «Platssamverkan» ändrades också" in done.text
    after = planned(workspace, measure_id)
    # What has been stays as it was (February's meeting was held, or not); the rest follows.
    past = [entry for entry in before if entry[0] < "2024-03-13"]
    assert past == [("2024-02-12", "09:00", None)] and after[:1] == past
    after = after[1:]
    assert len(after) == 4  # March, May, September, November
    for day, clock, location in after:
        moved = date.fromisoformat(day)
        assert moved.weekday() == THURSDAY and moved.month in {3, 5, 9, 11}, after
        assert (clock, location) == ("13:30", "Rådhuset, sal 2")
    # The page shows the new dates by name, and the form keeps what was saved.
    assert "torsdag" in done.text and 'value="13:30"' in done.text
    assert 'value="torsdag" selected' in done.text

    # The agenda (the command line reads the same store) and the feed, fetched over HTTP.
    agenda = json.loads(workspace.cli("agenda", "--json", "--year", "2024").out)
    council = [
        e for e in agenda if e["title"] == COUNCIL and e["status"] != OccurrenceStatus.CANCELLED
    ]
    assert sorted(e["start"][:10] for e in council) == [past[0][0]] + [d for d, _, _ in after]
    feed = http.get(f"/feeds/{token}/plan.ics")
    assert feed.status_code == 200
    events = [e for e in Calendar.from_ical(feed.content).walk("VEVENT")
              if str(e["SUMMARY"]).endswith(COUNCIL) and str(e.get("STATUS")) != "CANCELLED"]  # fmt: skip
    starts = sorted(e.decoded("DTSTART").astimezone(STOCKHOLM) for e in events)
    assert [s.date().isoformat() for s in starts] == [past[0][0]] + [d for d, _, _ in after]
    assert all(s.weekday() == THURSDAY and s.strftime("%H:%M") == "13:30" for s in starts[1:])

    # The pending reminders follow the new dates and go to the new convener.
    with workspace.engine.connect() as connection:
        pending = connection.execute(text(
            "SELECT outbox.recipient, occurrence.start FROM outbox JOIN occurrence"
            " ON occurrence.id = outbox.occurrence_id WHERE occurrence.measure_id = :m"
            " AND outbox.status = 'pending' AND outbox.kind = 'meeting-reminder'"), {"m": measure_id}).all()  # fmt: skip
    pending = [row for row in pending if str(row.start) >= "2024-03-13"]  # what is to come
    police = workspace.config.role("Kommunpolis")
    assert police is not None and pending
    assert {row.recipient for row in pending} == {police.email}
    new_days = {d for d, _, _ in after}
    assert {str(row.start)[:10] for row in pending} <= new_days

    # The plan as .xlsx carries the overrides, as the plan file would.
    workbook = tmp_path / "plan.xlsx"
    workbook.write_bytes(http.get("/plan.xlsx?ar=2024").content)
    measure = next(m for a in read_plan(workbook).plan.areas for m in a.measures
                   if m.title == COUNCIL)  # fmt: skip
    assert (measure.schedule.weekday, measure.schedule.time) == ("torsdag", "13:30")
    assert measure.schedule.months == (3, 5, 9, 11) and measure.convener == "Kommunpolis"

    # Saving the same values again changes nothing; clearing them gives the policy's dates back.
    again = save(http, measure_id, veckodag="torsdag", tid="13:30", manad=["3", "5", "9", "11"],
                 plats="Rådhuset, sal 2", sammankallande="Kommunpolis")  # fmt: skip
    assert "Inget ändrades" in again.text
    cleared = save(http, measure_id)
    assert cleared.status_code == 200
    assert planned(workspace, measure_id) == before


def test_a_refused_form_changes_nothing_and_gives_the_typed_text_back(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    measure_id = council_id(workspace)
    revision = load_plan(workspace.engine, find_plan_id(workspace.engine, year=2024)).revision
    before = planned(workspace, measure_id)

    refused = save(http, measure_id, veckodag="torsdag", tid="25:61", plats="Sal\x07 2",
                   sammankallande="Påven", manad=["3"])  # fmt: skip
    assert refused.status_code == 422
    body = refused.text
    assert 'role="alert"' in body and "Schemat kunde inte sparas" in body
    assert "Tid: «25:61» är ingen tid." in body and 'href="#tid"' in body
    assert "Plats: texten har ett" in body
    assert "Sammankallande: «Påven» är ingen roll" in body
    assert 'value="25:61"' in body and 'value="torsdag" selected' in body
    assert re.search(r'id="manad-3" name="manad" value="3" checked', body)
    assert re.search(r'id="tid"[^>]*aria-invalid="true"', body)
    assert planned(workspace, measure_id) == before
    assert (
        load_plan(workspace.engine, find_plan_id(workspace.engine, year=2024)).revision == revision
    )


def test_without_the_forms_token_nothing_is_saved(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    measure_id = council_id(workspace)
    before = planned(workspace, measure_id)
    refused = http.post(f"/plan/atgard/{measure_id}?ar=2024", data={"veckodag": "torsdag"})
    assert refused.status_code == 403 and "Inget ändrades" in refused.text
    assert planned(workspace, measure_id) == before


def test_another_organisations_measure_is_not_found(tmp_path: Path, store_url: str) -> None:
    workspace = two_district_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    norrmalm = load_plan(workspace.engine, find_plan_id(
        workspace.engine, year=2024, organisation="Norrmalms stadsdelsförvaltning"))  # fmt: skip
    theirs = norrmalm.measures[0].id
    assert http.get(f"/plan/atgard/{theirs}?ar=2024").status_code == 404
    csrf = page_token(http.get("/plan"))
    posted = http.post(f"/plan/atgard/{theirs}?ar=2024", data={"csrf": csrf, "veckodag": "torsdag"})
    assert posted.status_code == 404
    assert load_plan(workspace.engine, norrmalm.id).measures[0].measure.schedule.weekday is None
    assert http.get("/plan/atgard/999999?ar=2024").status_code == 404
