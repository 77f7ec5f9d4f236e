"""The plan's contents written by id (scheduler/store/plan_contents.py), on both databases: a
measure moved or renamed keeps its id and gets the key an import would give it, so the exported
plan imports again without a change; a removed measure added again under its area and title comes
back with its id; areas swap names and take a removed area's name; an id of another plan is
refused and nothing is kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.base.errors import NotFoundError
from scheduler.model.plan import Measure
from scheduler.model.plan_contents import AreaContents, MeasureContents, PlanContents
from scheduler.services.plan_edits import Edit, contents_of, save_contents
from scheduler.store.plans import find_plan_id, import_plan, load_plan
from tests.support.workspace_fixture import Workspace, seeded_workspace
from tests.test_get_changes_nothing import every_row

NOW = datetime(2024, 3, 13, 8, tzinfo=UTC)


def save(workspace: Workspace, edit: Edit, note: str = "test") -> None:
    plan_id = find_plan_id(workspace.engine, year=2024)
    outcome = save_contents(workspace.engine, workspace.config, plan_id=plan_id, edit=edit,
                            author="anna", note=note, now=NOW)  # fmt: skip
    assert outcome.saved


def stored_id(item: MeasureContents | AreaContents) -> int:
    assert item.id is not None
    return item.id


def contents(workspace: Workspace) -> PlanContents:
    return contents_of(workspace.engine, find_plan_id(workspace.engine, year=2024))


def test_moved_and_renamed_measures_import_again_unchanged(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    first, second = contents(workspace).areas[:2]
    walk, area = stored_id(first.measures[0]), stored_id(second)
    save(workspace, lambda c: c.with_measure_moved(walk, area))
    save(workspace, lambda c: c.with_texts(walk, {"rubrik": "Nytt namn"}))
    save(workspace, lambda c: c.with_area_renamed(area, "Bytt område"))
    stored = load_plan(workspace.engine, find_plan_id(workspace.engine, year=2024))
    assert stored.measure(walk).area == "Bytt område"
    assert stored.measure(walk).measure.title == "Nytt namn"
    result = import_plan(workspace.engine, stored.plan, source="export", now=NOW)
    assert (result.added, result.changed, result.retired) == (0, 0, 0)


def test_a_removed_measure_comes_back_with_its_id(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    area = contents(workspace).areas[0]
    item = area.measures[1]
    save(workspace, lambda c: c.without_measure(stored_id(item)))
    assert contents(workspace).measure(stored_id(item)) is None
    save(workspace, lambda c: c.with_area(replace(
        c.areas[0], measures=(*c.areas[0].measures[:1], MeasureContents(None, item.measure),
                              *c.areas[0].measures[1:]))))  # fmt: skip
    assert contents(workspace).measure(stored_id(item)) is not None
    # A measure of the same title added after it is another measure, with a key of its own.
    save(
        workspace,
        lambda c: c.with_measure_added(stored_id(area), Measure(title=item.measure.title)),
    )
    titles = [m.measure.title for m in contents(workspace).areas[0].measures]
    assert titles.count(item.measure.title) == 2


def test_areas_swap_names_and_take_a_removed_ones(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    a, b = contents(workspace).areas[:2]

    def swapped(c: PlanContents) -> PlanContents:
        return c.with_area_renamed(stored_id(a), b.name).with_area_renamed(stored_id(b), a.name)

    save(workspace, swapped)
    names = {area.id: area.name for area in contents(workspace).areas}
    assert (names[a.id], names[b.id]) == (b.name, a.name)
    save(workspace, lambda c: c.with_area_added("Tillfälligt"))
    added = next(area for area in contents(workspace).areas if area.name == "Tillfälligt")
    save(workspace, lambda c: PlanContents(tuple(x for x in c.areas if x.id != added.id)))
    save(workspace, lambda c: c.with_area_renamed(stored_id(a), "Tillfälligt"))
    assert {area.id: area.name for area in contents(workspace).areas}[a.id] == "Tillfälligt"


def test_an_id_not_of_the_plan_keeps_nothing(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    before = every_row(workspace)
    with pytest.raises(NotFoundError):
        save(workspace, lambda c: c.with_texts(999_999, {"orsak": "x"}))
    stranger = MeasureContents(999_999, Measure(title="Främling"))
    with pytest.raises(NotFoundError):
        save(workspace, lambda c: c.with_area(replace(c.areas[0], measures=(stranger,))))
    assert every_row(workspace) == before
