"""The services the command line and the workspace share (scheduler/services/): the agenda and
the review findings are computed once, in one place, and the command line shows what they give.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from scheduler.services.agenda import agenda_entries
from scheduler.services.plans import chosen_plan_id
from scheduler.services.refresh import plan_schedule
from scheduler.services.review import review_findings
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.engine import open_store
from tests.support.cli import Cli
from tests.support.seed import SEED_PLAN


@pytest.fixture
def seeded(cli: Cli) -> Iterator[tuple[Cli, Engine, Settings]]:
    """The seed plan (2024) imported through the command line, and the store it is in."""
    assert cli("import", str(SEED_PLAN)).code == 0
    config = load_settings(str(cli.config), environ={})
    engine = open_store(config.database.url)
    yield cli, engine, config
    engine.dispose()


def test_the_agenda_keeps_to_its_days_both_included(seeded: tuple[Cli, Engine, Settings]) -> None:
    _cli, engine, config = seeded
    now = datetime.now(UTC)
    plan_id = chosen_plan_id(engine, year=2024, now=now)
    whole = agenda_entries(engine, config, [plan_id], now=now)
    days = sorted({entry.day for entry in whole})
    assert days[0].year == days[-1].year == 2024 and len(days) > 10
    first, last = days[3], days[7]
    between = agenda_entries(engine, config, [plan_id], now=now, first=first, last=last)
    assert {entry.day for entry in between} == {day for day in days if first <= day <= last}
    assert {e.occurrence.uid for e in between} == {
        e.occurrence.uid for e in whole if first <= e.day <= last
    }
    one_day = agenda_entries(engine, config, [plan_id], now=now, first=last, last=last)
    assert one_day and {entry.day for entry in one_day} == {last}


def test_the_cli_agenda_is_the_services_agenda(seeded: tuple[Cli, Engine, Settings]) -> None:
    cli, engine, config = seeded
    result = cli("agenda", "--from", "2024-03-01", "--to", "2024-04-30", "--json")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    plan_id = chosen_plan_id(engine, year=2024, now=datetime.now(UTC))
    found = agenda_entries(engine, config, [plan_id], now=datetime.now(UTC),
                   first=date(2024, 3, 1), last=date(2024, 4, 30))  # fmt: skip
    assert printed and len(printed) == len(found)
    assert {e["uid"] for e in printed} == {e.occurrence.uid for e in found}
    by_uid = {e.occurrence.uid: e for e in found}
    for entry in printed:
        item = by_uid[entry["uid"]]
        assert (entry["title"], entry["area"], entry["convener"], entry["participants"]) == (
            item.title, item.area, item.convener, list(item.participants)
        )  # fmt: skip


def test_the_hand_in_is_reviewed_only_given_the_day(seeded: tuple[Cli, Engine, Settings]) -> None:
    """The plan is still a draft: past its hand-in day (tertial 1) `check` and /plan say so; the
    hand-in task's own reminder, which gives no day, does not repeat it."""
    cli, engine, config = seeded
    schedule = plan_schedule(engine, config, year=2024)
    before = review_findings(schedule, config, today=date(2024, 2, 1))
    after = review_findings(schedule, config, today=date(2024, 12, 1))
    without = review_findings(schedule, config)
    assert [f.kind for f in after if f.kind == "not_handed_in"] == ["not_handed_in"]
    assert [f for f in after if f.kind != "not_handed_in"] == before == without
    assert all(f.kind != "not_handed_in" for f in before + without)
    checked = cli("check", "--year", "2024")  # today is past 2024's hand-in day
    assert checked.code == 1
    assert sum(line.startswith("  - ") for line in checked.out.splitlines()) == len(after)
    assert "skulle ha lämnats in" in checked.out
