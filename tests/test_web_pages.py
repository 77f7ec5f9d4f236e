"""What every response of the web server shares (scheduler/web/pages.py): Swedish error pages
instead of English JSON, HEAD wherever GET works, security headers, no-store on personal pages,
and a limit on request bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text

from scheduler.followup.settings import FollowupSettings
from scheduler.services import followup as campaign
from scheduler.store.feed_tokens import create_token
from scheduler.store.followups import answers, get_campaign
from scheduler.web.app import create_app
from tests.support.followup_fixture import FollowupWorld, followup_world, local
from tests.support.helpers import Clock
from tests.support.seed import SEED_ORGANISATION

ROLE = "Preventionssamordnare"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[FollowupWorld]:
    world = followup_world(tmp_path)
    campaign.start(world.engine, world.config, now=local("2024-11-15T08:00"))
    yield world
    world.close()


def client(world: FollowupWorld, **options: object) -> TestClient:
    app = create_app(world.engine, world.config, clock=Clock(local("2024-11-16T10:00")))
    return TestClient(app, **options)  # type: ignore[arg-type]


@pytest.fixture
def http(world: FollowupWorld) -> TestClient:
    return client(world)


def form_path(world: FollowupWorld) -> str:
    row = get_campaign(world.engine, world.plan_id)
    assert row is not None
    url = campaign.form_link(
        world.engine, world.config, row, ROLE, FollowupSettings.from_section(world.config.followup)
    )
    return url.removeprefix(world.config.base_url)


def feed_token(world: FollowupWorld) -> str:
    return create_token(
        world.engine,
        organisation=SEED_ORGANISATION,
        audience="SSP",
        scope="",
        now=local("2024-11-15T08:00"),
    )[1]


def assert_swedish_page(response: Response, status: int, heading: str) -> None:
    """An accessible Swedish page in the site's layout: lang, a heading, a way home."""
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="sv">' in page and f"<h1>{heading}</h1>" in page
    assert '<a href="/">Till startsidan</a>' in page
    assert '<link rel="stylesheet" href="/static/site.css">' in page
    assert "detail" not in page and not page.lstrip().startswith("{")


def test_unknown_routes_get_a_swedish_404_page_not_english_json(http: TestClient) -> None:
    # (/uppfoljning is the workspace's follow-up page now: tests/test_workspace_followup.py.)
    for path in ("/finns-inte", "/feeds/", "/svar/"):
        assert_swedish_page(http.get(path), 404, "Sidan finns inte")
    # Calendar clients, not people, read .ics addresses: a short Swedish text is enough there.
    feed = http.get("/feeds/okand-token/plan.ics")
    assert (feed.status_code, feed.text) == (404, "Hittades inte.")


def test_a_method_the_page_does_not_take_gets_a_swedish_405_page(
    world: FollowupWorld, http: TestClient
) -> None:
    response = http.put(form_path(world), data={"x": "y"})
    assert_swedish_page(response, 405, "Det går inte att göra så här")
    assert {"GET", "HEAD"} <= set(response.headers["allow"].replace(" ", "").split(","))


def test_head_on_pages_answers_like_get_without_a_body(
    world: FollowupWorld, http: TestClient
) -> None:
    for path in ("/", form_path(world), f"/feeds/{feed_token(world)}/", "/static/site.css"):
        full, head = http.get(path), http.head(path)
        assert (head.status_code, head.content) == (200, b""), path
        assert head.headers["content-type"] == full.headers["content-type"]
        assert head.headers["content-length"] == str(len(full.content))
    assert http.head("/finns-inte").status_code == 404


def test_a_server_error_gets_a_swedish_500_page_with_the_security_headers(
    world: FollowupWorld,
) -> None:
    with world.engine.begin() as connection:  # a real fault: the answers' table is gone
        connection.execute(text("drop table followup_answer"))
    response = client(world, raise_server_exceptions=False).get(form_path(world))
    assert_swedish_page(response, 500, "Något gick fel")
    assert "Traceback" not in response.text and "followup_answer" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_invalid_link_pages_are_swedish_with_a_way_home(http: TestClient) -> None:
    for path in ("/uppfoljning/inte-en-länk", "/svar/inte-en-länk"):
        assert_swedish_page(http.get(path), 400, "Ogiltig länk")


def test_every_response_carries_the_security_headers(
    world: FollowupWorld, http: TestClient
) -> None:
    token = feed_token(world)
    responses = {
        "home": http.get("/"),
        "form": http.get(form_path(world)),
        "feed page": http.get(f"/feeds/{token}/"),
        "feed": http.get(f"/feeds/{token}/plan.ics"),
        "missing": http.get("/finns-inte"),
        "style": http.get("/static/site.css"),
        "refused post": http.post(form_path(world), data={"csrf": "gissad"}),
        "too large": http.post(form_path(world), content=b"x" * (3 * 1024 * 1024)),
    }
    for name, response in responses.items():
        assert response.headers["content-security-policy"].startswith("default-src 'self'"), name
        assert "'unsafe-inline'" not in response.headers["content-security-policy"], name
        assert response.headers["referrer-policy"] == "no-referrer", name
        assert response.headers["x-frame-options"] == "DENY", name
        assert response.headers["x-content-type-options"] == "nosniff", name


def test_personal_pages_are_not_stored_by_caches_and_feeds_keep_their_own_caching(
    world: FollowupWorld, http: TestClient
) -> None:
    token = feed_token(world)
    for path in (form_path(world), f"/feeds/{token}/"):  # the link's secret is in the page
        assert http.get(path).headers["cache-control"] == "no-store", path
    feed = http.get(f"/feeds/{token}/plan.ics")
    assert feed.headers["cache-control"] == "private, max-age=900" and feed.headers["etag"]


def test_pages_have_no_inline_style_or_script_that_the_policy_would_block(
    world: FollowupWorld, http: TestClient
) -> None:
    row = get_campaign(world.engine, world.plan_id)
    assert row is not None
    overview = campaign.coordinator_link(world.engine, world.config, row)
    paths = ("/", form_path(world), f"/feeds/{feed_token(world)}/", "/finns-inte",
             overview.removeprefix(world.config.base_url))  # fmt: skip
    for path in paths:
        page = http.get(path).text
        # A script only as a file of the site's own (`<script src="/static/…">`), never inline.
        assert not re.search(
            r"<style|<script(?![^>]*\ssrc=\"/static/)|\sstyle=|\son[a-z]+=", page
        ), path
        for script in re.findall(r'<script src="(/static/[^"]+)"', page):
            assert http.get(script).headers["content-type"].startswith("text/javascript"), script
    assert 'src="/static/copy.js"' in http.get(paths[2]).text
    policy = http.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy


def test_a_truly_huge_body_gets_a_swedish_413_page_and_stores_nothing(
    world: FollowupWorld, http: TestClient
) -> None:
    path = form_path(world)
    huge = b"text-1=" + b"x" * (3 * 1024 * 1024)
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    told = http.post(path, content=huge, headers=form_type)  # Content-Length says so
    assert_swedish_page(told, 413, "För mycket skickades")

    def chunks() -> Iterator[bytes]:  # chunked: no length up front, refused while streaming
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start : start + 64 * 1024]

    streamed = http.post(path, content=chunks(), headers=form_type)
    assert_swedish_page(streamed, 413, "För mycket skickades")
    assert answers(world.engine, world.plan_id) == {}
