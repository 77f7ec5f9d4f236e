"""Feeds over HTTP: secret token URLs, strong ETag, 304, HEAD, 404 for unknown and revoked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.services.feeds import FeedSettings
from scheduler.store.feed_tokens import create_token, list_tokens, revoke_token
from scheduler.web.app import create_app
from tests.feeds_fixture import Scheduled, scheduled_plan

NOW = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def scheduled(tmp_path: Path, store_url: str) -> Scheduled:
    return scheduled_plan(tmp_path, store_url)


def client_for(scheduled: Scheduled, recheck_seconds: float = 0.0) -> TestClient:
    settings = FeedSettings(
        recheck_seconds=recheck_seconds, organizer_email=scheduled.config.organisation.email
    )
    app = create_app(scheduled.engine, scheduled.config, clock=lambda: NOW, feed_settings=settings)
    return TestClient(app)


def token(scheduled: Scheduled, scope: str = "") -> str:
    return create_token(scheduled.engine, audience="SSP-gruppen", scope=scope, now=NOW)[1]


def test_a_feed_is_served_with_a_strong_etag_and_calendar_type(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    response = http.get(f"/feeds/{token(scheduled)}/plan.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.content.startswith(b"BEGIN:VCALENDAR") and b"BEGIN:VEVENT" in response.content


def test_a_matching_if_none_match_gets_304_without_a_body(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    etag = http.get(url).headers["etag"]
    again = http.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert http.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert http.get(url, headers={"If-None-Match": f'"x", {etag}'}).status_code == 304


def test_head_gives_the_headers_of_get_without_the_body(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    full = http.get(url)
    head = http.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == full.headers["etag"]
    assert head.headers["content-length"] == str(len(full.content))
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"


def test_unknown_and_revoked_tokens_get_a_bare_404(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    secret = token(scheduled)
    assert http.get(f"/feeds/{secret}/plan.ics").status_code == 200
    unknown = http.get("/feeds/not-a-real-token/plan.ics")
    assert unknown.status_code == 404 and unknown.text == "Hittades inte."
    row = next(r for r in list_tokens(scheduled.engine) if r.revoked_at is None)
    assert row.id is not None
    revoke_token(scheduled.engine, row.id, now=NOW)
    for path in (f"/feeds/{secret}/plan.ics", f"/feeds/{secret}/"):
        revoked = http.get(path)
        assert revoked.status_code == 404 and revoked.text == "Hittades inte."
    assert http.head(f"/feeds/{secret}/plan.ics").status_code == 404


def test_tokens_are_stored_hashed(scheduled: Scheduled) -> None:
    secret = token(scheduled)
    stored = list_tokens(scheduled.engine)[0]
    assert secret not in stored.token_hash and len(secret) >= 40


def test_a_token_limited_to_one_scope_opens_only_that_feed(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    secret = token(scheduled, scope="roll-kommunpolis")
    assert http.get(f"/feeds/{secret}/roll-kommunpolis.ics").status_code == 200
    assert http.get(f"/feeds/{secret}/plan.ics").status_code == 404


def test_an_unknown_scope_is_404(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    assert http.get(f"/feeds/{token(scheduled)}/nonsens.ics").status_code == 404


def test_the_feed_page_explains_subscribing_in_swedish_with_webcal_links(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    secret = token(scheduled)
    page = http.get(f"/feeds/{secret}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for words in ("Outlook", "Google Kalender", "Apple Kalender", "Thunderbird", "Prenumerera"):
        assert words in page.text
    assert f"webcal://testserver/feeds/{secret}/plan.ics" in page.text or "webcal://" in page.text
    assert 'id="atgard-' in page.text  # the link back from each calendar entry lands here


def test_a_poll_costs_no_database_work_until_the_recheck_interval(scheduled: Scheduled) -> None:
    from sqlalchemy import event

    http = client_for(scheduled, recheck_seconds=3600)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    first = http.get(url)
    statements: list[str] = []
    event.listen(scheduled.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    second = http.get(url, headers={"If-None-Match": first.headers["etag"]})
    third = http.get(url)
    assert second.status_code == 304 and third.content == first.content
    assert statements == []


def test_the_feed_changes_when_the_plan_changes(scheduled: Scheduled) -> None:
    from scheduler.store.occurrences import cancel_occurrence

    http = client_for(scheduled)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    before = http.get(url)
    uid = scheduled.rows()[5].uid
    cancel_occurrence(scheduled.engine, uid, now=NOW)
    after = http.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert b"STATUS:CANCELLED" in after.content
