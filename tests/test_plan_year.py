"""The plan's own year (issue 15): the hand-in task with tertialrapport 1, its reminders with the
plan's check in them, and the plan's state from draft to handed in to followed up.

Time is passed in: dispatcher passes at chosen mornings, `--now` on the follow-up export.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from scheduler.base.time import STOCKHOLM
from scheduler.model.mail import MailKind, OutboxStatus
from scheduler.model.occurrence import Occurrence
from scheduler.model.stored import HAND_IN_KEY
from scheduler.plan.files import read_plan, write_plan
from scheduler.services.feeds import FeedSettings
from scheduler.services.followup import tick as followup_tick
from scheduler.services.refresh import plans_in_time, refresh_occurrences
from scheduler.store.feed_tokens import create_token
from scheduler.store.plans import load_plan
from scheduler.web.app import create_app
from tests.support.cli import Cli
from tests.support.helpers import Clock
from tests.support.seed import SEED_ORGANISATION, SEED_PLAN
from tests.support.smtp_server import SmtpServer, World, make_world

HAND_IN_TITLE = "Lämna in åtgärdsplanen 2024 (tertialrapport 1)"
COORDINATOR_ADDRESS = "trygghetssamordnare@kungsholmen.example.org"  # the repo's config.toml


def morning(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=STOCKHOLM).astimezone(UTC)


def passes(world: World, first: date, last: date) -> None:
    day = first
    while day <= last:
        now = morning(day)
        for plan_id in plans_in_time(world.engine, now=now):
            refresh_occurrences(world.engine, world.config, plan_id=plan_id, now=now)
        followup_tick(world.engine, world.config, now=now)
        world.run(now)
        day += timedelta(days=1)


def hand_in_rows(world: World) -> list[Occurrence]:
    task = next(
        t for t in load_plan(world.engine, world.plan_id).plan_tasks if t.key == HAND_IN_KEY
    )
    return [r for r in world.occurrences() if r.measure_id == task.id]


def test_the_hand_in_task_is_in_the_agenda_and_the_plan_and_coordinator_feeds(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp, now=morning(date(2024, 1, 10)))
    agenda = world.cli("agenda", "--json", "--year", "2024")
    assert agenda.code == 0, agenda.err
    entries = [e for e in json.loads(agenda.out) if e["title"] == HAND_IN_TITLE]
    assert len(entries) == 1
    (entry,) = entries
    assert entry["date"] == "2024-04-30" and entry["all_day"] and entry["kind"] == "task"
    assert entry["convener"] == "Trygghetssamordnare"

    token = create_token(
        world.engine,
        organisation=SEED_ORGANISATION,
        audience="Alla",
        now=morning(date(2024, 1, 10)),
    )[1]
    http = TestClient(create_app(world.engine, world.config, clock=Clock(morning(date(2024, 3, 1))),
                                 feed_settings=replace(FeedSettings.from_settings(world.config), recheck_seconds=0)))  # fmt: skip
    uid = entry["uid"]
    for calendar in ("plan", "roll-trygghetssamordnare"):
        feed = http.get(f"/feeds/{token}/{calendar}.ics")
        assert feed.status_code == 200 and f"UID:{uid}" in feed.text, calendar
        assert "DTSTART;VALUE=DATE:20240430" in feed.text
    # Not a measure: no calendar of its own, in no area's, and not asked about in the follow-up.
    page = http.get(f"/feeds/{token}/").text
    assert "atgard-lamna-in" not in page
    ssp_area = http.get(f"/feeds/{token}/omrade-unga-i-riskzon-for-att-begaa-brott.ics")
    assert ssp_area.status_code in {200, 404} and uid not in ssp_area.text
    plan = json.loads(world.cli("plan", "--json", "--year", "2024").out)
    titles = [m["title"] for area in plan["areas"] for m in area["measures"]]
    assert HAND_IN_TITLE not in titles and plan["state"] == "utkast"


def test_hand_in_reminders_carry_the_plans_check_and_stop_once_it_is_handed_in(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp, now=morning(date(2024, 1, 10)))
    findings = world.cli("check", "--year", "2024")
    assert findings.code == 1  # the seed plan has things to look at
    finding_lines = [
        line.strip()[2:] for line in findings.out.splitlines() if line.strip().startswith("- ")
    ]
    assert finding_lines

    passes(world, date(2024, 3, 25), date(2024, 4, 10))  # the 28-day reminder (2 April)
    sent = [r for r in world.outbox(OutboxStatus.SENT) if HAND_IN_TITLE in r.subject]
    assert [(r.kind, r.lead_days) for r in sent] == [(MailKind.TASK_REMINDER, 28)]
    assert sent[0].recipient == COORDINATOR_ADDRESS
    assert sent[0].due_at.astimezone(STOCKHOLM).date() == date(2024, 4, 2)
    delivered = [m for m in smtp.handler.messages if HAND_IN_TITLE in str(m.message["Subject"])]
    assert len(delivered) == 1
    body = delivered[0].message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "kontrollen av planen" in text
    assert any(line.split(": ", 1)[-1][:40] in text for line in finding_lines)
    pending = [r for r in world.outbox() if HAND_IN_TITLE in r.subject and r.status == "pending"]
    assert {(r.kind, r.lead_days) for r in pending} >= {
        (MailKind.TASK_REMINDER, 7),
        (MailKind.TASK_REMINDER, 0),
    }

    handed = world.cli("plan", "hand-in", "--year", "2024")
    assert handed.code == 0 and "inlämnad" in handed.out, handed.err
    smtp.handler.clear()
    passes(world, date(2024, 4, 11), date(2024, 5, 10))
    assert not [m for m in smtp.handler.messages if HAND_IN_TITLE in str(m.message["Subject"])]
    assert {r.status for r in world.outbox() if r.key in {p.key for p in pending}} == {
        OutboxStatus.CANCELLED
    }
    (row,) = hand_in_rows(world)
    assert row.held is True  # the task is done
    assert json.loads(world.cli("plan", "--json", "--year", "2024").out)["state"] == "inlämnad"
    assert "redan inlämnad" in world.cli("plan", "hand-in", "--year", "2024").out


def test_the_plan_moves_from_draft_to_handed_in_to_followed_up(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp, now=morning(date(2024, 1, 10)))

    def state() -> str:
        return str(json.loads(world.cli("plan", "--json", "--year", "2024").out)["state"])

    assert state() == "utkast"
    assert "Tillstånd: utkast" in world.cli("plan", "--year", "2024").out
    assert world.cli("plan", "hand-in", "--year", "2024").code == 0
    assert state() == "inlämnad"
    assert "Tillstånd: inlämnad 20" in world.cli("plan", "--year", "2024").out
    passes(world, date(2024, 11, 15), date(2024, 11, 15))  # the follow-up starts
    early = world.cli("followup", "export", str(tmp_path / "tidig.xlsx"), "--year", "2024",
                      "--now", "2024-12-01T10:00")  # fmt: skip
    assert early.code == 0 and state() == "inlämnad"  # before the deadline: still under way
    late = world.cli("followup", "export", str(tmp_path / "uppfoljning.xlsx"), "--year", "2024",
                     "--now", "2024-12-20T10:00")  # fmt: skip
    assert late.code == 0 and "nu uppföljd" in late.out, late.out + late.err
    assert state() == "uppföljd"


def test_the_coordinator_can_mark_a_plan_followed_up_and_a_draft_past_its_day_is_reported(
    cli: Cli, tmp_path: Path
) -> None:
    old = read_plan(SEED_PLAN).plan
    from dataclasses import replace

    write_plan(replace(old, year=2020), tmp_path / "plan-2020.toml")
    assert cli("import", str(tmp_path / "plan-2020.toml")).code == 0
    check = cli("check", "--year", "2020")
    assert "skulle ha lämnats in senast 2020-04-30" in check.out
    marked = cli("plan", "followed-up", "--year", "2020")
    assert marked.code == 0 and "uppföljd" in marked.out
    assert json.loads(cli("plan", "--json", "--year", "2020").out)["state"] == "uppföljd"
    assert "skulle ha lämnats in" not in cli("check", "--year", "2020").out


def test_a_re_import_of_a_handed_in_plan_keeps_its_state_and_says_it_changed(
    cli: Cli, tmp_path: Path
) -> None:
    from dataclasses import replace

    assert cli("import", str(SEED_PLAN)).code == 0
    assert cli("plan", "hand-in", "--year", "2024").code == 0
    same = cli("import", str(SEED_PLAN))
    assert same.code == 0 and "inlämnade planen har ändrats" not in same.out
    plan = read_plan(SEED_PLAN).plan
    first = plan.areas[0]
    edited = replace(plan, areas=(
        replace(first, measures=(replace(first.measures[0], when_text="Möten 6 ggr/år"), *first.measures[1:])),
        *plan.areas[1:],
    ))  # fmt: skip
    write_plan(edited, tmp_path / "edited.toml")
    again = cli("import", str(tmp_path / "edited.toml"))
    assert again.code == 0
    assert "Obs: planen Kungsholmens stadsdelsförvaltning 2024 är inlämnad 20" in again.out
    assert "inlämnade planen har ändrats" in again.out
    assert json.loads(cli("plan", "--json", "--year", "2024").out)["state"] == "inlämnad"


def test_the_hand_in_day_comes_from_the_config(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    dated = make_world(
        tmp_path / "dated", store_url, smtp, extra='[plan_cycle]\nhand_in = "05-15"\n'
    )
    titles = {
        e["title"]: e["date"]
        for e in json.loads(dated.cli("agenda", "--json", "--year", "2024").out)
    }
    assert titles.get("Lämna in åtgärdsplanen 2024") == "2024-05-15"
    none = make_world(tmp_path / "none", store_url, smtp, extra="[plan_cycle]\nhand_in = false\n")
    agenda = json.loads(none.cli("agenda", "--json", "--year", "2024").out)
    assert not [e for e in agenda if e["title"].startswith("Lämna in åtgärdsplanen")]


def test_answering_done_to_the_hand_in_question_hands_the_plan_in(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'p.sqlite3'}", smtp,
                       now=morning(date(2024, 1, 10)))  # fmt: skip
    passes(world, date(2024, 4, 29), date(2024, 5, 6))  # the day, then the question after it
    (question,) = [
        r
        for r in world.outbox(OutboxStatus.SENT)
        if r.kind == MailKind.TASK_DONE_QUESTION and HAND_IN_TITLE in r.subject
    ]
    (mail,) = [m for m in smtp.handler.messages if str(m.message["Subject"]) == question.subject]
    links = re.findall(r"(https?://\S+/svar/\S+)", mail.text())
    assert len(links) == 2  # done, not done
    clock = Clock(morning(date(2024, 5, 6)) + timedelta(hours=2))
    with TestClient(create_app(world.engine, world.config, clock=clock)) as client:
        answered = client.post(
            urlsplit(links[0]).path, data={"note": "Inlämnad till stadsledningskontoret."}
        )
    assert answered.status_code == 200 and "markerad som inlämnad" in answered.text
    assert json.loads(world.cli("plan", "--json", "--year", "2024").out)["state"] == "inlämnad"
    (row,) = hand_in_rows(world)
    assert row.held is True
