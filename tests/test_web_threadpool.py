"""The web server's database work never runs on its event loop: a form post waiting for a SQLite
lock must not stall the feed polls (real uvicorn, a real SQLite write lock held by the test)."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from scheduler.followup.settings import FollowupSettings
from scheduler.services import followup as campaign
from scheduler.services.feeds import FeedSettings
from scheduler.services.refresh import plan_schedule
from scheduler.store.feed_tokens import create_token
from scheduler.store.followups import answers, get_campaign
from scheduler.web.app import create_app
from tests.support.followup_fixture import followup_world, local
from tests.support.helpers import Clock, free_port
from tests.support.live_server import serving
from tests.support.seed import SEED_ORGANISATION

ROLE = "Preventionssamordnare"


def test_a_form_post_waiting_for_a_sqlite_lock_does_not_stall_feed_polls(tmp_path: Path) -> None:
    port = free_port()
    world = followup_world(tmp_path, base_url=f"http://127.0.0.1:{port}")
    try:
        campaign.start(world.engine, world.config, now=local("2024-11-15T08:00"))
        row = get_campaign(world.engine, world.plan_id)
        assert row is not None
        form = campaign.form_link(world.engine, world.config, row, ROLE,
                                  FollowupSettings.from_section(world.config.followup))  # fmt: skip
        schedule = plan_schedule(world.engine, world.config, plan_id=world.plan_id)
        ssp = next(i.stored.id for i in schedule.measures if i.stored.measure.title == "SSP")
        secret = create_token(
            world.engine,
            organisation=SEED_ORGANISATION,
            audience="SSP",
            scope="",
            now=local("2024-11-15T08:00"),
        )[1]
        settings = replace(FeedSettings.from_settings(world.config), recheck_seconds=3600)
        app = create_app(world.engine, world.config, clock=Clock(local("2024-11-16T10:00")),
                         feed_settings=settings)  # fmt: skip
        with serving(app, port) as base, httpx.Client(base_url=base, timeout=120) as http:
            feed_url = f"/feeds/{secret}/plan.ics"
            assert http.get(feed_url).status_code == 200
            page = http.get(form).text
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            _race(world.engine, tmp_path / "followup.sqlite3", http, form, feed_url,
                  {"csrf": csrf, f"status-{ssp}": "genomford", f"text-{ssp}": "Åtta möten.",
                   "action": "skicka"})  # fmt: skip
        assert answers(world.engine, world.plan_id)[ssp].text == "Åtta möten."
    finally:
        world.close()


def _race(engine: Any, database: Path, http: httpx.Client, form: str, feed_url: str,
          data: dict[str, str]) -> None:  # fmt: skip
    writing = threading.Event()

    def before_write(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        if words[:1] in (["INSERT"], ["UPDATE"]) and "followup_answer" in words[:3]:
            writing.set()  # the post is about to wait for the lock the test holds

    event.listen(engine, "before_cursor_execute", before_write)
    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # the write lock: the post's INSERT must wait for it
    posted: list[httpx.Response] = []
    poster = threading.Thread(  # a client of its own: another browser
        target=lambda: posted.append(httpx.post(form, data=data, cookies=http.cookies, timeout=120))
    )
    try:
        poster.start()
        assert writing.wait(timeout=60), "the post never reached its write"
        feed = http.get(feed_url)  # answered while the post still waits: nothing stalls the loop
        post_done_before_feed = bool(posted)
    finally:
        locker.execute("COMMIT")
        locker.close()
        poster.join(timeout=120)
        event.remove(engine, "before_cursor_execute", before_write)
    assert feed.status_code == 200 and feed.content.startswith(b"BEGIN:VCALENDAR")
    assert not post_done_before_feed
    assert posted and posted[0].status_code == 303
