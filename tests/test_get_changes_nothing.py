"""No GET or HEAD changes anything: a link followed from another site, a browser prefetching or a
mail scanner opening every link leaves the database exactly as it was.

On the real server (uvicorn over HTTP), with a coordinator signed in, after the follow-up's
deadline: downloading the followed-up plan (GET and HEAD of /uppfoljning.md, .xlsx, .html) leaves
every table as it was and the plan not `uppföljd`; the page offers a button instead, whose POST
is refused without the workspace's CSRF token and marks the plan with it. Then every GET and HEAD
route the application has (read from its OpenAPI description, so a new route must be added here)
is requested with real values, and every table is compared again.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import MetaData, select

from scheduler.model.stored import PlanState
from scheduler.reminders.planning import HELD
from scheduler.services.followup import coordinator_link
from scheduler.services.invitations import invite
from scheduler.services.outbox import sent_copy
from scheduler.services.refresh import answer_signer, refresh_occurrences
from scheduler.store.feed_tokens import create_token
from scheduler.store.followups import get_campaign
from scheduler.store.occurrences import list_occurrences
from scheduler.store.outbox import list_outbox
from scheduler.store.plans import find_plan_id, load_plan
from scheduler.web.app import create_app
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.seed import SEED_ORGANISATION
from tests.support.workspace_fixture import PASSWORD, START, USERNAME, Workspace, seeded_workspace

AFTER_DEADLINE = datetime(2024, 12, 16, 9, 0, tzinfo=START.tzinfo)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    workspace = seeded_workspace(tmp_path, store_url)
    started = workspace.cli("followup", "start", "--now", "2024-11-15T10:00")
    assert started.code == 0, started.err
    workspace.clock.now = AFTER_DEADLINE
    # The schedule brought up to this moment first, as the dispatcher would have: a page's own
    # refresh then has nothing to do, and anything a request writes is the request's.
    refresh_occurrences(workspace.engine, workspace.config, plan_id=plan_id(workspace), now=AFTER_DEADLINE)  # fmt: skip
    return workspace


def plan_id(workspace: Workspace) -> int:
    return find_plan_id(workspace.engine, year=2024, organisation=SEED_ORGANISATION)


@pytest.fixture
def http(workspace: Workspace) -> Iterator[httpx.Client]:
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    with serving(app, free_port()) as base, httpx.Client(base_url=base) as client:
        form = client.get("/logga-in")
        token = CSRF.search(form.text)
        assert token
        signed = client.post("/logga-in", data={"csrf": token[1], "username": USERNAME, "password": PASSWORD})  # fmt: skip
        assert signed.status_code == 303, signed.text
        yield client


def every_row(workspace: Workspace) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as stored."""
    metadata = MetaData()
    metadata.reflect(workspace.engine)
    with workspace.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def test_downloads_only_download_and_the_button_marks_the_plan(workspace: Workspace, http: httpx.Client) -> None:  # fmt: skip
    before = every_row(workspace)
    for suffix in (".md", ".xlsx", ".html"):
        for method in ("GET", "HEAD"):
            download = http.request(method, f"/uppfoljning{suffix}?ar=2024")
            assert download.status_code == 200
            assert download.headers["content-disposition"].startswith("attachment;")
    assert every_row(workspace) == before
    assert load_plan(workspace.engine, plan_id(workspace)).state != PlanState.FOLLOWED_UP

    page = http.get("/uppfoljning")
    assert "Markera planen som uppföljd" in page.text and 'action="/plan/uppfoljd?ar=2024"' in page.text  # fmt: skip
    csrf = CSRF.search(page.text)
    assert csrf
    for data in ({}, {"csrf": "gissad"}):
        refused = http.post("/plan/uppfoljd?ar=2024", data=data)
        assert refused.status_code == 403, refused.text
    assert every_row(workspace) == before

    preview = http.post("/plan/uppfoljd?ar=2024", data={"csrf": csrf[1]})
    assert preview.status_code == 200 and "Markera planen 2024 som uppföljd?" in preview.text
    assert every_row(workspace) == before  # the unconfirmed POST only shows what would happen
    marked = http.post("/plan/uppfoljd?ar=2024", data={"csrf": csrf[1], "bekraftat": "ja"})
    assert marked.status_code == 200 and "Planen 2024 är markerad som uppföljd." in marked.text
    assert load_plan(workspace.engine, plan_id(workspace)).state == PlanState.FOLLOWED_UP
    assert "planen är uppföljd" in marked.text and "Markera planen som uppföljd" not in marked.text
    again = http.post("/plan/uppfoljd?ar=2024", data={"csrf": csrf[1], "bekraftat": "ja"})
    assert again.status_code == 200 and "var redan uppföljd" in again.text


def test_the_button_before_the_deadline_changes_nothing(workspace: Workspace, http: httpx.Client) -> None:  # fmt: skip
    workspace.clock.now = AFTER_DEADLINE - timedelta(days=2)
    page = http.get("/uppfoljning")
    assert "Markera planen som uppföljd" not in page.text
    csrf = CSRF.search(page.text)
    assert csrf
    before = every_row(workspace)
    early = http.post("/plan/uppfoljd?ar=2024", data={"csrf": csrf[1]})
    assert early.status_code == 422 and "Sista svarsdag är söndag 15 december 2024" in early.text
    assert every_row(workspace) == before


def get_routes(workspace: Workspace) -> set[str]:
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    with warnings.catch_warnings():  # FastAPI warns of operation ids that repeat: no matter here
        warnings.simplefilter("ignore")
        paths = app.openapi()["paths"]
    return {path for path, operations in paths.items() if {"get", "head"} & set(operations)}


def test_no_get_or_head_of_any_route_changes_anything(workspace: Workspace, http: httpx.Client) -> None:  # fmt: skip
    engine = workspace.engine
    feed = create_token(engine, audience="SSP", organisation=SEED_ORGANISATION, now=START)[1]
    campaign = get_campaign(engine, plan_id(workspace))
    assert campaign is not None
    overview = coordinator_link(engine, workspace.config, campaign).split("/", 3)[3]
    bodies = "\n".join(row.body_text for row in list_outbox(engine))
    form = re.search(r"/uppfoljning/(?!samordnare)[^\s\"<>]+", bodies)  # a role's emailed form
    assert form
    meeting = list_occurrences(engine, plan_id=plan_id(workspace))[-1]
    answer = answer_signer(engine, workspace.config).sign(
        {"uid": meeting.uid, "answer": HELD}, expires=AFTER_DEADLINE + timedelta(days=30)
    )  # the link of a reminder email's "Mötet hölls"
    measure = load_plan(engine, plan_id(workspace)).measures[0].id
    invited = invite(engine, workspace.config, organisation=SEED_ORGANISATION, by="anna",
                     username="bertil", email="", now=workspace.clock())  # fmt: skip
    # A sent email with its kept copy and an .ics attached (its own page and downloads).
    sent_now = workspace.cli("remind", "run-due", "--now", "2024-03-13T08:00")
    assert sent_now.code == 0, sent_now.err
    # That pass planned from March: brought back in step with the page's clock, as a GET would.
    refresh_occurrences(engine, workspace.config, plan_id=plan_id(workspace), now=workspace.clock())
    copies = ((row, sent_copy(engine, row.id, organisation=SEED_ORGANISATION))
              for row in list_outbox(engine, status="sent"))  # fmt: skip
    sent, copy = next((row, c) for row, c in copies if c is not None and c.attachments)
    urls = {
        "/": "/", "/healthz": "/healthz", "/logga-in": "/logga-in", "/static/{name}": "/static/site.css",
        "/logga-in/oidc": "/logga-in/oidc", "/logga-in/oidc/svar": "/logga-in/oidc/svar?state=x&code=y",
        "/logg": "/logg",
        "/plan": "/plan", "/plan.xlsx": "/plan.xlsx", "/plan/atgard/{measure_id}": f"/plan/atgard/{measure}",
        "/plan/atgard/{measure_id}/text": f"/plan/atgard/{measure}/text",
        "/plan/atgard/{measure_id}/nar": f"/plan/atgard/{measure}/nar?nar=varje+m%C3%A5nad",
        "/plan/atgard/ny": "/plan/atgard/ny", "/plan/omraden": "/plan/omraden",
        "/plan/historik": "/plan/historik",
        "/agenda": "/agenda", "/lankar": "/lankar", "/paminnelser": "/paminnelser",
        "/arshjul": "/arshjul", "/arshjul.svg": "/arshjul.svg", "/arshjul.png": "/arshjul.png",
        "/arshjul.pdf": "/arshjul.pdf?papper=a3",
        "/agenda.xlsx": "/agenda.xlsx?roll=Kommunpolis", "/agenda.ics": "/agenda.ics?fran=",
        "/paminnelser/{row}": f"/paminnelser/{sent.id}",
        "/paminnelser/{row}/meddelande.eml": f"/paminnelser/{sent.id}/meddelande.eml",
        "/paminnelser/{row}/bilaga/{name}": f"/paminnelser/{sent.id}/bilaga/{copy.attachments[0].filename}",
        "/uppfoljning": "/uppfoljning", "/uppfoljning.xlsx": "/uppfoljning.xlsx",
        "/uppfoljning.html": "/uppfoljning.html", "/uppfoljning.md": "/uppfoljning.md",
        "/uppfoljning/{token}": form[0], "/uppfoljning/samordnare/{token}": f"/{overview}",
        "/uppfoljning/samordnare/{token}/roll/{role}": f"/{overview}/roll/polis",
        "/svar/{token}": f"/svar/{answer}",
        "/feeds/{token}/": f"/feeds/{feed}/", "/feeds/{token}/{name}.ics": f"/feeds/{feed}/plan.ics",
        "/roller": "/roller?roll=Kommunpolis", "/konton": "/konton",
        "/konto/ny/{token}": "/" + invited.link.split("/", 3)[3],
    }  # fmt: skip
    assert set(urls) == get_routes(workspace), "a GET route to add here"
    # The identity provider's answer is a GET by the protocol: one that no sign-in under way
    # matches is refused (400), and changes nothing either.
    refused = {"/logga-in/oidc/svar?state=x&code=y": 400}
    before = every_row(workspace)
    for url in urls.values():
        for method in ("GET", "HEAD"):
            answered = http.request(method, url)
            assert answered.status_code == refused.get(url, 200), (
                method,
                url,
                answered.status_code,
            )
    assert every_row(workspace) == before
