"""Two years of one installation with the clock passed in, never slept: the 2024 plan imported in
January, links made, a rollover to 2025 in November, the 2024 follow-up starting on its date
anyway, the subscriptions holding both years across the change and letting 2024 go in March.

Each morning a dispatcher pass runs as `scheduler remind run-due` does it (refresh of the plans in
time, the follow-up step, the send pass) through a real SMTP server.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from scheduler.base.time import STOCKHOLM
from scheduler.mail.render import message_id
from scheduler.model.mail import OutboxStatus
from scheduler.services.feeds import FeedSettings
from scheduler.services.followup import role_tasks
from scheduler.services.followup import tick as followup_tick
from scheduler.services.refresh import (
    import_and_schedule,
    plan_schedule,
    plans_in_time,
    refresh_occurrences,
    rolled_over,
)
from scheduler.store.feed_tokens import create_token
from scheduler.store.plans import load_plan
from scheduler.web.app import create_app
from tests.support.helpers import Clock
from tests.support.smtp_server import SENDER, SmtpServer, World, make_world

DTSTART = re.compile(rb"DTSTART(?:;TZID=Europe/Stockholm|;VALUE=DATE)?:(\d{8})")


def morning(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=STOCKHOLM).astimezone(UTC)


def dispatcher_pass(world: World, now: datetime) -> None:
    """What `scheduler remind run-due` does at `now`."""
    for plan_id in plans_in_time(world.engine, now=now):
        refresh_occurrences(world.engine, world.config, plan_id=plan_id, now=now)
    followup_tick(world.engine, world.config, now=now)
    world.run(now)


def mornings(world: World, first: date, last: date) -> None:
    day = first
    while day <= last:
        dispatcher_pass(world, morning(day))
        day += timedelta(days=1)


def days_in(feed: bytes) -> list[date]:
    """The start day of each event (not of the time zone's rules)."""
    days = []
    for event in feed.split(b"BEGIN:VEVENT")[1:]:
        found = DTSTART.search(event)
        assert found is not None
        text = found.group(1).decode()
        days.append(date(int(text[:4]), int(text[4:6]), int(text[6:])))
    return days


def test_two_years_links_feeds_follow_up_and_reminders_across_the_change(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    imported_at = morning(date(2024, 1, 10))
    world = make_world(tmp_path, store_url, smtp, now=imported_at)
    organisation = load_plan(world.engine, world.plan_id).plan.organisation
    everything = create_token(world.engine, audience="Alla", organisation=organisation,
                              now=imported_at)[1]  # fmt: skip
    ssp_only = create_token(world.engine, audience="SSP-gruppen", scope="atgard-ssp",
                            organisation=organisation, now=imported_at)[1]  # fmt: skip
    clock = Clock(imported_at)
    app = create_app(world.engine, world.config, clock=clock,
                     feed_settings=replace(FeedSettings.from_settings(world.config), recheck_seconds=0))  # fmt: skip
    http = TestClient(app)

    def feed(token: str, name: str) -> bytes:
        response = http.get(f"/feeds/{token}/{name}.ics")
        assert response.status_code == 200, (name, response.status_code)
        return bytes(response.content)

    january = days_in(feed(everything, "plan"))
    assert january and {d.year for d in january} == {2024}

    # 5 November 2024: next year's plan, made from this one.
    rollover_at = morning(date(2024, 11, 5))
    plan_2024 = load_plan(world.engine, world.plan_id)
    result, _ = import_and_schedule(world.engine, world.config,
                                    rolled_over(plan_2024.plan, 2025),
                                    source="rollover från 2024", now=rollover_at)  # fmt: skip
    plan_2025 = result.plan_id
    assert plan_2025 != world.plan_id

    # Up to 20 November: the closing year's follow-up starts on 15 November although 2025 exists.
    smtp.handler.clear()
    mornings(world, date(2024, 11, 5), date(2024, 11, 20))
    schedule_2024 = plan_schedule(world.engine, world.config, plan_id=world.plan_id)
    asked = {task.email for task in role_tasks(schedule_2024, world.config) if task.email}
    assert len(asked) >= 3
    followup_mail = [r for r in world.outbox(OutboxStatus.SENT) if r.kind == "followup-start"]
    assert {r.recipient for r in followup_mail} == asked
    assert {r.plan_id for r in followup_mail} == {world.plan_id}
    delivered = {m.message_id: set(m.rcpt_tos) for m in smtp.handler.messages}
    for row in followup_mail:  # through the SMTP server, to the role's address and no other
        assert delivered[message_id(row.key, SENDER.split("@")[1])] == {row.recipient}

    clock.now = morning(date(2024, 11, 20))
    plan_feed = days_in(feed(everything, "plan"))
    assert any(d > date(2024, 11, 20) and d.year == 2024 for d in plan_feed), "rest of 2024 gone"
    assert any(d.year == 2025 for d in plan_feed)
    ssp = days_in(feed(ssp_only, "atgard-ssp"))
    assert {d.year for d in ssp} >= {2024, 2025}
    assert http.get(f"/feeds/{ssp_only}/plan.ics").status_code == 404
    uids_2025 = set(re.findall(rb"UID:(\S+)", feed(everything, "plan")))

    # 15 January 2025: December 2024 is still in the feed; 2025's reminders go out.
    mornings(world, date(2024, 11, 21), date(2025, 1, 15))
    clock.now = morning(date(2025, 1, 15))
    plan_feed = days_in(feed(everything, "plan"))
    assert any(d.year == 2024 and d.month == 12 for d in plan_feed), "December 2024 vanished"
    assert any(d.year == 2025 for d in plan_feed)
    sent_2025 = [r for r in world.outbox(OutboxStatus.SENT) if r.plan_id == plan_2025
                 and r.kind.startswith(("meeting-", "task-"))]  # fmt: skip
    assert sent_2025, "no reminder of a 2025 meeting went out"
    assert all(r.due_at <= morning(date(2025, 1, 15)) for r in sent_2025)

    # After 1 March 2025 (60 days on): 2024 has left the subscriptions; the UIDs did not change.
    clock.now = morning(date(2025, 3, 2))
    march = feed(everything, "plan")
    assert days_in(march) and {d.year for d in days_in(march)} == {2025}
    assert {d.year for d in days_in(feed(ssp_only, "atgard-ssp"))} == {2025}
    still_there = set(re.findall(rb"UID:(\S+)", march))
    assert still_there & uids_2025, "2025's events got new UIDs"
