"""A reminder is rendered when it is claimed for sending, not a year ahead: the refresh stores who
gets it, when and its subject; the bodies and the .ics are made by the dispatcher from the data as
it is then (a meeting's new place goes out without the subject changing), the plan's schedule is
computed once for a pass of many rows, and a row whose meeting is gone is skipped with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

import scheduler.reminders.planning
import scheduler.services.reminder_mail
from scheduler.mail.render import message_id
from scheduler.model.mail import MailKind, OutboxStatus
from scheduler.model.plan import Area, Plan
from scheduler.plan.files import read_plan
from scheduler.services.refresh import import_and_schedule, plan_schedule
from scheduler.store.outbox import enqueue_once
from tests.support.seed import SEED_PLAN
from tests.support.smtp_server import SENDER, SmtpServer, make_world

NEW_PLACE = "Stadshuset, sal Ängen"


def test_a_refresh_renders_no_bodies_and_stores_none(
    tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_rendering(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a body was rendered while planning")

    # The digest is off by default: planning renders no email at all, only subjects.
    monkeypatch.setattr(scheduler.reminders.planning, "render_email", no_rendering)
    monkeypatch.setattr(scheduler.reminders.planning, "_attachment", no_rendering)
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'plan.sqlite3'}", smtp)
    rows = world.outbox(OutboxStatus.PENDING)
    assert {r.kind.split("-")[0] for r in rows} >= {"meeting", "task", "held"}
    for row in rows:
        assert row.subject.strip() and "\n" not in row.subject
        assert (row.body_text, row.body_html, row.attachment) == ("", "", None)


def test_a_reminder_sent_after_its_meeting_moved_rooms_carries_the_new_place(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'place.sqlite3'}", smtp)
    row = next(
        r
        for r in world.outbox(OutboxStatus.PENDING)
        if (r.kind, r.lead_days) == (MailKind.MEETING_REMINDER, 2)
    )
    occurrence = next(o for o in world.occurrences() if o.id == row.occurrence_id)
    item = next(
        i
        for i in plan_schedule(world.engine, world.config, plan_id=world.plan_id).measures
        if i.stored.id == occurrence.measure_id
    )
    assert occurrence.location != NEW_PLACE

    # The plan file now names a place for the measure; its times stay as they were.
    plan = world_plan()
    areas = tuple(
        Area(area.name, tuple(
            replace(m, schedule=replace(m.schedule, location=NEW_PLACE))
            if (area.name, m.title) == (item.stored.area, item.stored.measure.title) else m
            for m in area.measures
        ))
        for area in plan.areas
    )  # fmt: skip
    changed = row.due_at - timedelta(days=3)
    import_and_schedule(world.engine, world.config, replace(plan, areas=areas), source="test",
                        now=changed)  # fmt: skip
    moved = next(o for o in world.occurrences() if o.id == occurrence.id)
    assert moved.location == NEW_PLACE and moved.start == occurrence.start
    # Same row, same subject: nothing the planning stores tells the change...
    (after,) = [r for r in world.outbox() if r.key == row.key]
    assert (after.id, after.status, after.subject) == (row.id, OutboxStatus.PENDING, row.subject)
    assert after.body_text == ""

    world.run(row.due_at)
    assert [r.key for r in world.outbox(OutboxStatus.SENT) if r.key == row.key] == [row.key]
    domain = SENDER.split("@")[1]
    (got,) = [m for m in smtp.handler.snapshot() if m.message_id == message_id(row.key, domain)]
    # ...and the email, rendered at claim, has the new place in its text, HTML and .ics.
    assert str(got.message["Subject"]) == row.subject
    assert f"Plats: {NEW_PLACE}" in got.text()
    html = got.message.get_body(preferencelist=("html",))
    assert html is not None and NEW_PLACE in str(html.get_content())
    (ics,) = list(got.message.iter_attachments())
    (event,) = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(event["LOCATION"]) == NEW_PLACE


def world_plan() -> Plan:
    return read_plan(SEED_PLAN).plan  # as make_world reads it


def test_a_pass_of_many_reminders_computes_the_schedule_once(
    tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'once.sqlite3'}", smtp)
    rows = world.outbox(OutboxStatus.PENDING)
    busiest = max({r.due_at for r in rows}, key=lambda due: sum(r.due_at == due for r in rows))
    assert sum(r.due_at == busiest for r in rows) >= 2
    computed: list[int] = []
    real = plan_schedule

    def counting(*args: Any, **kwargs: Any) -> Any:
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scheduler.services.reminder_mail, "plan_schedule", counting)
    # Earlier rows first (as a dispatcher would have), then the busiest morning in one pass.
    for due in sorted({r.due_at for r in rows if r.due_at < busiest}):
        world.run(due)
    computed.clear()
    result = world.run(busiest)
    assert result.sent >= 2 and computed == [1]


def test_a_reminder_whose_meeting_is_gone_is_skipped_with_the_reason(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'gone.sqlite3'}", smtp)
    now = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    enqueue_once(world.engine, [{
        "key": "orphan|meeting-2d|2024-01-05T10:00:00+01:00", "kind": MailKind.MEETING_REMINDER, "lead_days": 2,
        "plan_id": world.plan_id, "occurrence_id": None, "role": "Trygghetssamordnare",
        "recipient": "trygghetssamordnare@kungsholmen.example.org", "due_at": now - timedelta(minutes=5),
        "useful_until": now + timedelta(days=3), "subject": "Påminnelse", "body_text": "",
        "body_html": "", "attachment": None,
    }], now=now)  # fmt: skip
    result = world.run(now, refresh=False)  # the dispatcher's own check, not a refresh's
    (row,) = [r for r in world.outbox() if r.key.startswith("orphan|")]
    assert (
        row.status == OutboxStatus.SKIPPED
        and row.last_error == "Mötet eller uppgiften finns inte längre."
    )
    assert result.skipped >= 1
    assert all("orphan" not in str(m.message["Subject"]) for m in smtp.handler.snapshot())


def test_a_weekly_digest_is_made_when_sent_from_what_is_then_coming(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """The digest row holds its subject only; the email sent lists what is coming as the week
    begins: a meeting cancelled after the digest was planned is not in it."""
    from scheduler.base.templating import swedish_date, swedish_time
    from scheduler.services.refresh import refresh_occurrences
    from scheduler.services.reminder_mail import ReminderRenderer
    from scheduler.store.occurrences import cancel_occurrence

    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'digest.sqlite3'}", smtp,
                       extra='[reminders]\ndigest = "also"\n')  # fmt: skip
    digests = [r for r in world.outbox(OutboxStatus.PENDING) if r.kind == "digest"]
    assert digests and all((r.body_text, r.body_html) == ("", "") for r in digests)
    # The week with most on: after one is cancelled, there is still a digest to send.
    row = max(digests, key=lambda r: int(r.subject.split(": ", 1)[1].split(" ", 1)[0]))
    before = ReminderRenderer(world.engine, world.config).content(row).email.text
    entries = [line for line in before.splitlines() if line.startswith("- ")]
    assert entries
    titles = {i.stored.id: i.stored.measure.title
              for i in plan_schedule(world.engine, world.config, plan_id=world.plan_id).measures}  # fmt: skip

    def line_of(o: Any) -> str:
        return f"- {swedish_date(o.start)} kl. {swedish_time(o.start)}:"

    gone = next(o for o in world.occurrences() if o.status != "cancelled" and not o.all_day
                and any(e.startswith(line_of(o)) and titles[o.measure_id] in e for e in entries))  # fmt: skip
    day_before = row.due_at - timedelta(days=1)
    cancel_occurrence(world.engine, gone.uid, now=day_before)
    refresh_occurrences(world.engine, world.config, plan_id=world.plan_id, now=day_before)
    for _ in range(100):  # a pass sends at most max_per_pass: catch up to the digest
        world.run(row.due_at)
        if next(r for r in world.outbox() if r.key == row.key).status != OutboxStatus.PENDING:
            break
    domain = SENDER.split("@")[1]
    (sent,) = [m for m in smtp.handler.snapshot() if m.message_id == message_id(row.key, domain)]
    after = [line for line in sent.text().splitlines() if line.startswith("- ")]
    assert len(after) == len(entries) - 1
    assert not [e for e in after if e.startswith(line_of(gone)) and titles[gone.measure_id] in e]
    (stored,) = [r for r in world.outbox() if r.key == row.key]
    assert stored.status == OutboxStatus.SENT
