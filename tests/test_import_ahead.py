"""A many-file import's reading ahead (services/import_ahead.py): worker processes read the next
plan files and place their plans; the import takes a placement only when it was made for exactly
the stored plan's measures, year and policy (issue 14). That the stored result equals importing
the files one by one, with and without workers, is tests/test_import_many.py's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.cadence import CalendarPolicy
from scheduler.plan.files import read_plan
from scheduler.plan.files.limits import default_limits
from scheduler.plan.review import lexicon_for, responsibilities
from scheduler.schedule.occurrences import place_items, plan_items, schedule_plan
from scheduler.services.import_ahead import (
    ReadOptions,
    default_workers,
    place_read_plan,
    read_ahead,
)
from scheduler.services.refresh import calendar_policy, import_and_schedule
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.cli import Cli
from tests.support.seed import ROOT, SEED_PLAN

NOW = datetime(2024, 1, 8, 7, tzinfo=UTC)
MARK = "placerad i förväg"  # a warning no real placement gives: shows whose placement was used


def seed_settings() -> Settings:
    return load_settings(str(ROOT / "config.toml"), environ={})


def test_a_placement_made_from_the_file_is_made_for_the_plan_as_stored(engine: Engine) -> None:
    settings = seed_settings()
    read = read_plan(SEED_PLAN)
    placed = place_read_plan(read, settings)
    assert placed is not None

    import_and_schedule(engine, settings, read.plan, source=str(SEED_PLAN), now=NOW)

    stored = load_plan(engine, find_plan_id(engine, year=2024))
    items = plan_items(stored.measures, responsibilities(stored.measures, lexicon_for(settings)))
    assert placed.made_for(items, year=2024, policy=calendar_policy(settings))
    assert placed.schedules == place_items(items, year=2024, policy=calendar_policy(settings)).schedules  # fmt: skip


def _marked(schedules: tuple) -> tuple:  # type: ignore[type-arg]
    return tuple(replace(s, warnings=(*s.warnings, MARK)) for s in schedules)


def test_schedule_plan_takes_a_placement_only_when_made_for_its_items_year_and_policy(
    engine: Engine,
) -> None:
    settings = seed_settings()
    read = read_plan(SEED_PLAN)
    import_and_schedule(engine, settings, read.plan, source=str(SEED_PLAN), now=NOW)
    stored = load_plan(engine, find_plan_id(engine, year=2024))
    found = responsibilities(stored.measures, lexicon_for(settings))
    policy = calendar_policy(settings)
    items = plan_items(stored.measures, found)
    made = place_items(items, year=2024, policy=policy)

    def used(placed: object) -> bool:
        schedule = schedule_plan(stored, policy=policy, responsibilities=found, placed=placed)  # type: ignore[arg-type]
        return all(MARK in item.schedule.warnings for item in schedule.measures)

    assert used(replace(made, schedules=_marked(made.schedules)))
    other_policy = CalendarPolicy.from_section(settings.calendar.model_copy(update={"default_weekday": "FR"}))  # fmt: skip
    for wrong in (
        replace(made, year=2025),
        replace(made, policy=other_policy),
        replace(made, items=(replace(items[0], convener="Någon annan"), *items[1:])),
        replace(made, items=items[:-1]),
    ):
        assert not used(replace(wrong, schedules=_marked(made.schedules)))
    assert other_policy != policy


def test_a_plan_of_an_organisation_not_configured_among_several_is_not_placed(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[organisation]\nemail = "trygghet@example.se"\n'
        '[organisations.norrby]\nname = "Norrby kommun"\n'
        '[organisations.norrby.roles.samordnare]\nemail = "samordnare@norrby.example.se"\n',
        encoding="utf-8",
    )
    settings = load_settings(str(config), environ={})
    read = read_plan(SEED_PLAN)  # Kungsholmen's
    assert place_read_plan(read, settings) is None
    norrby = replace(read, plan=replace(read.plan, organisation="norrby"))
    assert place_read_plan(norrby, settings) is not None


def test_workers_hand_back_every_file_in_order_and_nothing_for_a_file_they_cannot_read(
    tmp_path: Path,
) -> None:
    settings = seed_settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("year = \n", encoding="utf-8")
    # Over several of a worker's tasks (FILES_PER_TASK files each), the last one short.
    paths = [SEED_PLAN, tmp_path / "missing.toml", broken] * 3
    options = ReadOptions(None, None, None, default_limits())

    with read_ahead(paths, settings, options, workers=1) as made:
        results = list(made)

    assert [result is not None for result in results] == [True, False, False] * 3
    first = results[0]
    assert first is not None and first.read == read_plan(SEED_PLAN)
    assert first.placed == place_read_plan(first.read, settings)
    with read_ahead(paths, settings, options, workers=0) as made:
        assert list(made) == [None] * len(paths)


def test_workers_by_default_one_per_core_but_the_writer_and_none_for_few_files() -> None:
    assert default_workers(1) == 0
    assert default_workers(2) == 0
    assert default_workers(300) == max(0, len(__import__("os").sched_getaffinity(0)) - 1)


@pytest.mark.parametrize(
    ("jobs", "told"), [("-1", "(välj 0–64)"), ("x", "(ett heltal)"), ("65", "(välj 0–64)")]
)
def test_jobs_must_be_a_count_of_processes(sqlite_cli: Cli, jobs: str, told: str) -> None:
    result = sqlite_cli("import", "--jobs", jobs, str(SEED_PLAN))
    assert result.code == 2
    assert f"ogiltigt antal processer: '{jobs}' {told}" in result.err
