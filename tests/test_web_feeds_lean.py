"""The lean path for feed polls (scheduler/web/feed_serving.py) answers as the application's route
does: the same status, headers and bytes for 200, 304, HEAD and 404, and a change shows when it
would without it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from scheduler.services.feeds import FeedSettings
from scheduler.store.feed_tokens import create_token, list_tokens, revoke_token
from scheduler.store.occurrences import cancel_occurrence
from scheduler.web.app import create_app, serving_app
from scheduler.web.feed_serving import LeanFeeds
from tests.support.feeds_fixture import Scheduled, scheduled_plan
from tests.support.helpers import Clock
from tests.support.seed import SEED_ORGANISATION

NOW = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def scheduled(tmp_path: Path, store_url: str) -> Scheduled:
    return scheduled_plan(tmp_path, store_url)


def clients(scheduled: Scheduled, clock: Clock, recheck_seconds: float) -> tuple[TestClient, TestClient]:  # fmt: skip
    """The application as `scheduler serve` runs it (behind the lean path) and without the lean
    path, on one store and one clock."""
    settings = replace(
        FeedSettings.from_settings(scheduled.config), recheck_seconds=recheck_seconds
    )
    apps = [create_app(scheduled.engine, scheduled.config, clock=clock, feed_settings=settings)
            for _ in range(2)]  # fmt: skip
    return TestClient(serving_app(apps[0])), TestClient(apps[1])


def same(lean: httpx.Response, plain: httpx.Response) -> None:
    assert lean.status_code == plain.status_code
    assert lean.headers.multi_items() == plain.headers.multi_items()
    assert lean.content == plain.content


@pytest.mark.parametrize("recheck_seconds", [0.0, 3600.0])
def test_every_answer_is_the_applications_own(scheduled: Scheduled, recheck_seconds: float) -> None:  # fmt: skip
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    scoped = create_token(
        scheduled.engine,
        organisation=SEED_ORGANISATION,
        audience="Polis",
        scope="roll-kommunpolis",
        now=NOW,
    )[1]
    lean, plain = clients(scheduled, Clock(NOW), recheck_seconds)
    etag = plain.get(f"/feeds/{secret}/plan.ics").headers["etag"]
    asked: list[tuple[str, str, dict[str, str]]] = [
        ("GET", f"/feeds/{secret}/plan.ics", {}),
        ("GET", f"/feeds/{secret}/plan.ics", {"If-None-Match": etag}),
        ("GET", f"/feeds/{secret}/plan.ics", {"If-None-Match": f'"x", W/{etag}'}),
        ("GET", f"/feeds/{secret}/plan.ics", {"If-None-Match": '"annat"'}),
        ("HEAD", f"/feeds/{secret}/plan.ics", {}),
        ("HEAD", f"/feeds/{secret}/plan.ics", {"If-None-Match": etag}),
        ("GET", f"/feeds/{secret}/plan.todo.ics", {}),
        ("GET", f"/feeds/{secret}/atgard-ssp.serie.ics", {}),
        ("GET", f"/feeds/{scoped}/roll-kommunpolis.ics", {}),
        ("GET", f"/feeds/{scoped}/plan.ics", {}),  # outside the link's scope: 404
        ("GET", f"/feeds/{secret}/nonsens.ics", {}),
        ("GET", "/feeds/inte-en-riktig-token/plan.ics", {}),
        ("GET", f"/feeds/{secret}/plan.ics?from=2024-03-01&to=2024-04-01", {}),
        ("GET", f"/feeds/{secret}/plan.ics?from=igår", {}),
        ("POST", f"/feeds/{secret}/plan.ics", {}),
    ]
    for _ in range(2):  # the first time prepared, the second answered from what was prepared
        for method, url, headers in asked:
            same(lean.request(method, url, headers=headers), plain.request(method, url, headers=headers))  # fmt: skip


def test_a_link_revoked_through_the_server_is_404_at_its_next_poll(scheduled: Scheduled) -> None:
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    lean, plain = clients(scheduled, Clock(NOW), recheck_seconds=3600)
    url = f"/feeds/{secret}/plan.ics"
    assert lean.get(url).status_code == lean.get(url).status_code == 200
    row = list_tokens(scheduled.engine)[0]
    assert row.id is not None
    revoke_token(scheduled.engine, row.id, now=NOW)
    lean.app.app.state.feeds.recheck_now()  # type: ignore[attr-defined]  # as the links page does
    revoked = lean.get(url)
    assert revoked.status_code == 404 and revoked.text == "Hittades inte."
    same(lean.head(url), plain.head("/feeds/inte-en-riktig-token/plan.ics"))


def test_a_plan_change_shows_after_the_recheck_interval_as_without_it(scheduled: Scheduled) -> None:  # fmt: skip
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    url = f"/feeds/{secret}/plan.ics"
    waiting, waiting_plain = clients(scheduled, Clock(NOW), recheck_seconds=3600)
    at_once, at_once_plain = clients(scheduled, Clock(NOW), recheck_seconds=0)
    before = {client: client.get(url).content for client in (waiting, waiting_plain, at_once, at_once_plain)}  # fmt: skip
    assert len(set(before.values())) == 1
    uid = scheduled.rows()[0].uid
    cancel_occurrence(scheduled.engine, uid, now=NOW + timedelta(minutes=1), note="Sjukdom")
    # Within the interval a poll is answered as before; with none, the change is there.
    same(waiting.get(url), waiting_plain.get(url))
    assert waiting.get(url).content == before[waiting]
    changed = at_once.get(url)
    same(changed, at_once_plain.get(url))
    assert changed.content != before[at_once] and b"Sjukdom" in changed.content


def test_the_next_day_moves_the_window_as_without_it(scheduled: Scheduled) -> None:
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    url = f"/feeds/{secret}/plan.ics"
    clock = Clock(datetime(2024, 12, 31, 22, 30, tzinfo=UTC))  # 23:30 in Stockholm
    lean, plain = clients(scheduled, clock, recheck_seconds=3600)
    first = lean.get(url)
    same(first, plain.get(url))
    clock.now += timedelta(hours=1)  # New Year's Day in Stockholm, still the 31st in UTC
    same(lean.get(url), plain.get(url))
    clock.now += timedelta(days=75)  # the rolling window has left most of the year behind
    moved = lean.get(url)
    same(moved, plain.get(url))
    assert moved.content != first.content and b"BEGIN:VEVENT" not in moved.content


def test_it_keeps_no_more_responses_than_the_feed_cache_holds(scheduled: Scheduled) -> None:
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    settings = replace(
        FeedSettings.from_settings(scheduled.config), recheck_seconds=3600, cache_entries=2
    )
    lean = serving_app(create_app(scheduled.engine, scheduled.config, clock=Clock(NOW), feed_settings=settings))  # fmt: skip
    assert isinstance(lean, LeanFeeds)
    http = TestClient(lean)
    names = ["plan", "plan.todo", "atgard-ssp", "roll-kommunpolis", "plan"]
    for name in names:
        assert http.get(f"/feeds/{secret}/{name}.ics").status_code == 200
    assert len(lean._prepared) == 2
