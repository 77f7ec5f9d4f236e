"""The store, on SQLite and PostgreSQL: import is one transaction, idempotent, updates in place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from scheduler.model.plan import Area, Plan
from scheduler.plan.files import read_plan
from scheduler.store.plans import find_plan_id, import_plan, load_plan
from scheduler.store.tables import MeasureRow, PlanRow
from tests.support.seed import SEED_PLAN

T0 = datetime(2024, 1, 10, 8, 0, tzinfo=UTC)
T1 = datetime(2024, 2, 1, 8, 0, tzinfo=UTC)


def seed() -> Plan:
    return read_plan(SEED_PLAN).plan


def snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        plans = [(p.id, p.revision, p.updated_at) for p in session.exec(select(PlanRow))]
        measures = [(m.id, m.key, m.title, m.action, m.retired, m.updated_at)
                    for m in session.exec(select(MeasureRow))]  # fmt: skip
    return sorted(plans) + sorted(measures, key=lambda m: str(m))


def test_importing_the_seed_stores_5_areas_and_23_measures(engine: Engine) -> None:
    result = import_plan(engine, seed(), source="seed", now=T0)
    assert (result.plan_created, result.added) == (True, 23)
    stored = load_plan(engine, find_plan_id(engine))
    assert stored.plan == seed()
    assert len(stored.measures) == 23


def test_importing_the_same_plan_again_changes_nothing(engine: Engine) -> None:
    import_plan(engine, seed(), source="seed", now=T0)
    before = snapshot(engine)
    result = import_plan(engine, seed(), source="seed", now=T1)
    assert not result.changed_anything
    assert (result.unchanged, result.added, result.changed) == (23, 0, 0)
    assert snapshot(engine) == before


def test_an_edited_plan_updates_in_place_and_keeps_measure_ids(engine: Engine) -> None:
    import_plan(engine, seed(), source="seed", now=T0)
    first = load_plan(engine, find_plan_id(engine))
    plan = seed()
    unga = plan.areas[0]
    edited_ssp = replace(unga.measures[0], when_text="Möten 6 ggr/år")
    dropped = unga.measures[1]
    new_area = Area("Ungdomsrån", (replace(dropped, title="Ny åtgärd"),))
    edited = replace(plan, areas=(
        replace(unga, measures=(edited_ssp, *unga.measures[2:])), *plan.areas[1:], new_area,
    ))  # fmt: skip
    result = import_plan(engine, edited, source="seed", now=T1)
    assert (result.added, result.changed, result.retired) == (1, 1 + 4, 1)  # positions moved up
    second = load_plan(engine, find_plan_id(engine))
    assert second.revision == first.revision + 1
    ids_before = {m.key: m.id for m in first.measures}
    ids_after = {m.key: m.id for m in second.measures}
    for key, measure_id in ids_after.items():
        if key in ids_before:
            assert ids_before[key] == measure_id
    assert second.plan == edited
    assert (
        next(m for m in second.measures if m.measure.title == "SSP").measure.when_text
        == "Möten 6 ggr/år"
    )

    # Bringing the dropped measure back revives the same row, with its id.
    import_plan(engine, seed(), source="seed", now=T1)
    third = load_plan(engine, find_plan_id(engine))
    assert {m.key: m.id for m in third.measures} == ids_before
    assert [a.name for a in third.plan.areas] == [a.name for a in seed().areas]


def test_a_failing_import_leaves_the_database_as_it_was(engine: Engine) -> None:
    import_plan(engine, seed(), source="seed", now=T0)
    before = snapshot(engine)
    plan = seed()
    broken = replace(plan, areas=(*plan.areas, Area(plan.areas[0].name)))  # duplicate area name
    with pytest.raises(Exception):  # noqa: B017 - any database error; the point is the rollback
        import_plan(engine, broken, source="seed", now=T1)
    assert snapshot(engine) == before


def test_plans_of_several_years_live_side_by_side(engine: Engine) -> None:
    import_plan(engine, seed(), source="seed", now=T0)
    import_plan(engine, replace(seed(), year=2025), source="seed", now=T1)
    assert load_plan(engine, find_plan_id(engine)).plan.year == 2025
    assert load_plan(engine, find_plan_id(engine, year=2024)).plan.year == 2024
