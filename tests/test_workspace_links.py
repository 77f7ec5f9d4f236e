"""Calendar links in the workspace: listed per organisation, created for an audience and one
calendar (stored by the name that outlives the year), the subscribe page's address shown once,
revoked after a confirm step, and then every feed of the link answers 404 over HTTP. Another
organisation's link is not found; a form without its token changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from scheduler.store.feed_tokens import create_token, list_tokens
from scheduler.store.tables import FeedTokenRow
from tests.support.districts import KUNGSHOLMEN, NORRMALM
from tests.support.workspace_fixture import (
    Workspace,
    log_in,
    page_token,
    seeded_workspace,
    two_district_workspace,
)


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return seeded_workspace(tmp_path, store_url)


def signed_in(workspace: Workspace) -> tuple[TestClient, str]:
    http = workspace.client()
    assert log_in(http).status_code == 303
    page = http.get("/lankar")
    assert page.status_code == 200
    return http, page_token(page)


def created_address(response: httpx.Response) -> str:
    found = re.search(r'id="ny-adress" type="text" value="([^"]+)" readonly', response.text)
    assert found
    return found[1]


def test_a_link_for_a_role_is_stored_by_its_lasting_name_and_shown_once(
    workspace: Workspace,
) -> None:
    http, csrf = signed_in(workspace)
    created = http.post("/lankar", data={"csrf": csrf, "mottagare": "  Polisen\n Kungsholmen ",
                                          "kalender": "roll-kommunpolis"})  # fmt: skip
    assert created.status_code == 200
    assert "Ny länk för Polisen Kungsholmen" in created.text
    assert "Adressen är hemlig och visas bara nu." in created.text
    assert 'data-copy="sidan för Polisen Kungsholmen"' in created.text
    assert '<script src="/static/copy.js" defer>' in created.text
    address = created_address(created)
    assert address.startswith(f"{workspace.config.base_url}/feeds/") and address.endswith("/")
    (row,) = list_tokens(workspace.engine)
    assert (row.audience, row.scope, row.organisation) == ("Polisen Kungsholmen",
                                                           "roll-kommunpolis", KUNGSHOLMEN)  # fmt: skip
    token = address.split("/feeds/")[1].rstrip("/")
    # The subscribe page opens only the role's calendar.
    page = http.get(f"/feeds/{token}/")
    assert page.status_code == 200 and "Kommunpolis" in page.text
    feed = http.get(f"/feeds/{token}/roll-kommunpolis.ics")
    assert feed.status_code == 200 and icalendar.Calendar.from_ical(feed.content).events
    assert http.get(f"/feeds/{token}/plan.ics").status_code == 404

    listing = http.get("/lankar")
    assert token not in listing.text  # shown once: the secret is not stored
    row_html = listing.text.split(f'id="lank-{row.id}"')[1].split("</li>")[0]
    assert "Polisen Kungsholmen" in row_html and "Kommunpolis: möten och uppgifter" in row_html
    assert "Aktiv" in row_html and "2024-03-13" in row_html


def test_an_old_id_name_is_stored_as_the_name_that_outlives_the_year(workspace: Workspace) -> None:
    http, csrf = signed_in(workspace)
    ssp = next(re.finditer(r'<option value="(atgard-ssp)">SSP</option>', http.get("/lankar").text))
    assert ssp
    from scheduler.feeds.scopes import find_scope
    from scheduler.services.refresh import plan_schedule
    from scheduler.store.plans import find_plan_id

    plan_id = find_plan_id(workspace.engine, year=2024, organisation=KUNGSHOLMEN)
    schedule = plan_schedule(workspace.engine, workspace.config, plan_id=plan_id)
    measure_id = find_scope(schedule, "atgard-ssp").measure_id
    created = http.post("/lankar", data={"csrf": csrf, "mottagare": "SSP-gruppen",
                                          "kalender": f"atgard-{measure_id}"})  # fmt: skip
    assert created.status_code == 200
    (row,) = list_tokens(workspace.engine)
    assert row.scope == "atgard-ssp"


def test_everything_is_the_default(workspace: Workspace) -> None:
    http, csrf = signed_in(workspace)
    created = http.post("/lankar", data={"csrf": csrf, "mottagare": "Rådet", "kalender": ""})
    token = created_address(created).split("/feeds/")[1].rstrip("/")
    (row,) = list_tokens(workspace.engine)
    assert row.scope == ""
    assert http.get(f"/feeds/{token}/plan.ics").status_code == 200
    assert "Alla möten och uppgifter" in http.get("/lankar").text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mottagare": "   "}, "Mottagare: skriv vem länken ges till"),
        ({"mottagare": "x" * 201}, "Mottagare: 201 tecken; högst 200 får plats."),
        (
            {"kalender": "omrade-trafik"},
            "Vad länken visar: planen har ingen kalender «omrade-trafik».",
        ),
    ],
)
def test_bad_input_creates_nothing_and_comes_back(
    workspace: Workspace, fields: dict[str, str], message: str
) -> None:
    http, csrf = signed_in(workspace)
    data = {"csrf": csrf, "mottagare": "SSP-<gruppen>", "kalender": "roll-skolan"} | fields
    refused = http.post("/lankar", data=data)
    assert refused.status_code == 422
    assert "Länken kunde inte skapas" in refused.text and message in refused.text
    assert list_tokens(workspace.engine) == []
    if "mottagare" not in fields:
        assert 'value="SSP-&lt;gruppen&gt;"' in refused.text


def test_revoking_asks_first_then_the_feeds_answer_404(workspace: Workspace) -> None:
    http, csrf = signed_in(workspace)
    created = http.post("/lankar", data={"csrf": csrf, "mottagare": "Skolan", "kalender": ""})
    token = created_address(created).split("/feeds/")[1].rstrip("/")
    assert http.get(f"/feeds/{token}/plan.ics").status_code == 200  # now in the server's cache
    (row,) = list_tokens(workspace.engine)

    asked = http.post("/lankar/aterkalla", data={"csrf": csrf, "id": str(row.id)})
    assert asked.status_code == 200
    assert (
        "Återkalla länken för Skolan?" in asked.text and 'name="bekrafta" value="ja"' in asked.text
    )
    assert list_tokens(workspace.engine)[0].revoked_at is None
    assert http.get(f"/feeds/{token}/plan.ics").status_code == 200

    done = http.post("/lankar/aterkalla", data={"csrf": csrf, "id": str(row.id), "bekrafta": "ja"})
    assert done.status_code == 200
    assert "Länken för Skolan (Alla möten och uppgifter) är återkallad." in done.text
    assert list_tokens(workspace.engine)[0].revoked_at is not None
    for path in ("plan.ics", ""):
        assert http.get(f"/feeds/{token}/{path}").status_code == 404
    row_html = done.text.split(f'id="lank-{row.id}"')[1].split("</li>")[0]
    assert "Återkallad 2024-03-13" in row_html and "/lankar/aterkalla" not in row_html


def test_a_form_without_its_token_changes_nothing(workspace: Workspace) -> None:
    http, csrf = signed_in(workspace)
    _, token = create_token(workspace.engine, audience="Skolan", organisation=KUNGSHOLMEN,
                            now=workspace.clock())  # fmt: skip
    (row,) = list_tokens(workspace.engine)
    for data in ({"mottagare": "Skolan"}, {"mottagare": "Skolan", "csrf": "y" * 64}):
        refused = http.post("/lankar", data=data)
        assert refused.status_code == 403 and "Formuläret kunde inte skickas" in refused.text
    refused = http.post("/lankar/aterkalla", data={"id": str(row.id), "bekrafta": "ja"})
    assert refused.status_code == 403
    assert len(list_tokens(workspace.engine)) == 1
    assert list_tokens(workspace.engine)[0].revoked_at is None
    assert http.get(f"/feeds/{token}/plan.ics").status_code == 200
    assert http.post("/lankar/aterkalla", data={"csrf": csrf, "id": "999"}).status_code == 404


def test_another_organisations_links_are_not_listed_nor_revoked(
    tmp_path: Path, store_url: str
) -> None:
    workspace = two_district_workspace(tmp_path, store_url)
    _, theirs = create_token(workspace.engine, audience="Norrmalmsrådet", organisation=NORRMALM,
                             now=workspace.clock())  # fmt: skip
    old, _ = create_token(workspace.engine, audience="Från förr", organisation=KUNGSHOLMEN,
                          now=workspace.clock())  # fmt: skip
    with workspace.engine.begin() as connection:  # a link from before the districts, not bound
        connection.execute(update(FeedTokenRow).where(col(FeedTokenRow.id) == old.id).values(organisation=""))  # fmt: skip
    http, csrf = signed_in(workspace)
    page = http.get("/lankar").text
    assert "Norrmalmsrådet" not in page and "SSP Norrmalm" not in page
    assert "Från förr" not in page  # it belongs to no district, the first one listed neither
    their_row = next(r for r in list_tokens(workspace.engine) if r.organisation == NORRMALM)
    for data in ({"csrf": csrf, "id": str(their_row.id)},
                 {"csrf": csrf, "id": str(their_row.id), "bekrafta": "ja"}):  # fmt: skip
        refused = http.post("/lankar/aterkalla", data=data)
        assert refused.status_code == 404 and "Norrmalm" not in refused.text
    assert (
        next(r for r in list_tokens(workspace.engine) if r.organisation == NORRMALM).revoked_at
        is None
    )
    assert http.get(f"/feeds/{theirs}/plan.ics").status_code == 200
    assert http.get("/lankar", params={"organisation": "norrmalm"}).status_code == 404
    created = http.post("/lankar", data={"csrf": csrf, "mottagare": "Rådet", "kalender": ""})
    assert created.status_code == 200
    assert [r.organisation for r in list_tokens(workspace.engine) if r.audience == "Rådet"] == [
        KUNGSHOLMEN
    ]
