"""What an import writes, row by row, on both databases: a first import, an unchanged one, a
re-import with edits (a measure changed, one added, one removed, an area renamed and the areas
reordered) and one bringing the removed measure and area back.

The expected rows are what the ORM version of `import_plan` wrote (ids, positions, revision
bumps, retired flags, change times), written out here: the Core version must write the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from scheduler.base.errors import UsageError
from scheduler.model.plan import Area, Measure, Plan, PolicyOverrides
from scheduler.store.engine import write_transaction
from scheduler.store.plans import ImportResult, import_plan, load_plan
from scheduler.store.tables import AreaRow, MeasureRow, PlanRow

TABLES: tuple[Any, ...] = (PlanRow.__table__, AreaRow.__table__, MeasureRow.__table__)  # type: ignore[attr-defined]
D1, D2, D3 = (datetime(2025, 1, day, 8, tzinfo=UTC) for day in (1, 2, 3))

UNGA = Area("Unga", (
    Measure("SSP", when_text="varje månad", convener="Polis"),
    Measure("Barn", schedule=PolicyOverrides(kind="meeting", weekday="tisdag")),
    Measure("Barn", cause="två av samma titel"),
    Measure("Går bort"),
))  # fmt: skip
TRAFIK = Area("Trafik", (Measure("Hastighet", responsible_text="Kommunen"),))
VALD = Area("Våld", (Measure("VINR", operational_goal="färre"), Measure("Stöd")))
FIRST = Plan("Norrby kommun", 2025, (UNGA, TRAFIK, VALD))
OTHER = Plan("Söderby kommun", 2025, (TRAFIK,))
# Trafik renamed and moved first; SSP changed, "Går bort" gone, "Ny" new.
EDITED = Plan("Norrby kommun", 2025, (
    replace(TRAFIK, name="Trafiken"),
    replace(UNGA, measures=(replace(UNGA.measures[0], when_text="varannan månad"),
                            *UNGA.measures[1:3], Measure("Ny"))),
    VALD,
))  # fmt: skip
# "Går bort" and Trafik back, the areas in another order.
BACK = Plan("Norrby kommun", 2025, (VALD, UNGA, TRAFIK))

# The rows, as (the table's columns in order); D1–D3 the imports' times.
# fmt: off
FIRST_ROWS = {
    "plan": [
        (1, 'Norrby kommun', 2025, 'a.toml', 1, '', 'draft', None, None, D1, D1),
        (2, 'Söderby kommun', 2025, 's.toml', 1, '', 'draft', None, None, D1, D1),
    ],
    "area": [
        (1, 1, 0, 'Unga', False),
        (2, 1, 1, 'Trafik', False),
        (3, 1, 2, 'Våld', False),
        (4, 2, 0, 'Trafik', False),
    ],
    "measure": [
        (1, 1, 1, None, '["Unga", "SSP", 0]', 0, 'SSP', '', '', 'varje månad', '', '', '', 'Polis', '{}', False, D1),
        (2, 1, 1, None, '["Unga", "Barn", 0]', 1, 'Barn', '', '', '', '', '', '', None, '{"kind": "meeting", "weekday": "tisdag"}', False, D1),
        (3, 1, 1, None, '["Unga", "Barn", 1]', 2, 'Barn', 'två av samma titel', '', '', '', '', '', None, '{}', False, D1),
        (4, 1, 1, None, '["Unga", "Går bort", 0]', 3, 'Går bort', '', '', '', '', '', '', None, '{}', False, D1),
        (5, 1, 2, None, '["Trafik", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', False, D1),
        (6, 1, 3, None, '["Våld", "VINR", 0]', 0, 'VINR', '', '', '', '', '', 'färre', None, '{}', False, D1),
        (7, 1, 3, None, '["Våld", "Stöd", 0]', 1, 'Stöd', '', '', '', '', '', '', None, '{}', False, D1),
        (8, 1, None, 'hand-in', 'plan:hand-in', -1, 'Lämna in åtgärdsplanen', '', '', '', '', '', '', None, '{}', False, D1),
        (9, 2, 4, None, '["Trafik", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', False, D1),
        (10, 2, None, 'hand-in', 'plan:hand-in', -1, 'Lämna in åtgärdsplanen', '', '', '', '', '', '', None, '{}', False, D1),
    ],
}
EDITED_ROWS = {
    "plan": [
        (1, 'Norrby kommun', 2025, 'b.toml', 2, '', 'draft', None, None, D1, D2),
        (2, 'Söderby kommun', 2025, 's.toml', 1, '', 'draft', None, None, D1, D1),
    ],
    "area": [
        (1, 1, 1, 'Unga', False),
        (2, 1, 1, 'Trafik', True),
        (3, 1, 2, 'Våld', False),
        (4, 2, 0, 'Trafik', False),
        (5, 1, 0, 'Trafiken', False),
    ],
    "measure": [
        (1, 1, 1, None, '["Unga", "SSP", 0]', 0, 'SSP', '', '', 'varannan månad', '', '', '', 'Polis', '{}', False, D2),
        (2, 1, 1, None, '["Unga", "Barn", 0]', 1, 'Barn', '', '', '', '', '', '', None, '{"kind": "meeting", "weekday": "tisdag"}', False, D1),
        (3, 1, 1, None, '["Unga", "Barn", 1]', 2, 'Barn', 'två av samma titel', '', '', '', '', '', None, '{}', False, D1),
        (4, 1, 1, None, '["Unga", "Går bort", 0]', 3, 'Går bort', '', '', '', '', '', '', None, '{}', True, D2),
        (5, 1, 2, None, '["Trafik", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', True, D2),
        (6, 1, 3, None, '["Våld", "VINR", 0]', 0, 'VINR', '', '', '', '', '', 'färre', None, '{}', False, D1),
        (7, 1, 3, None, '["Våld", "Stöd", 0]', 1, 'Stöd', '', '', '', '', '', '', None, '{}', False, D1),
        (8, 1, None, 'hand-in', 'plan:hand-in', -1, 'Lämna in åtgärdsplanen', '', '', '', '', '', '', None, '{}', False, D1),
        (9, 2, 4, None, '["Trafik", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', False, D1),
        (10, 2, None, 'hand-in', 'plan:hand-in', -1, 'Lämna in åtgärdsplanen', '', '', '', '', '', '', None, '{}', False, D1),
        (11, 1, 5, None, '["Trafiken", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', False, D2),
        (12, 1, 1, None, '["Unga", "Ny", 0]', 3, 'Ny', '', '', '', '', '', '', None, '{}', False, D2),
    ],
}
BACK_ROWS = {
    "plan": [
        (1, 'Norrby kommun', 2025, 'c.toml', 3, '', 'draft', None, None, D1, D3),
        (2, 'Söderby kommun', 2025, 's.toml', 1, '', 'draft', None, None, D1, D1),
    ],
    "area": [
        (1, 1, 1, 'Unga', False),
        (2, 1, 2, 'Trafik', False),
        (3, 1, 0, 'Våld', False),
        (4, 2, 0, 'Trafik', False),
        (5, 1, 0, 'Trafiken', True),
    ],
    "measure": [
        (1, 1, 1, None, '["Unga", "SSP", 0]', 0, 'SSP', '', '', 'varje månad', '', '', '', 'Polis', '{}', False, D3),
        (2, 1, 1, None, '["Unga", "Barn", 0]', 1, 'Barn', '', '', '', '', '', '', None, '{"kind": "meeting", "weekday": "tisdag"}', False, D1),
        (3, 1, 1, None, '["Unga", "Barn", 1]', 2, 'Barn', 'två av samma titel', '', '', '', '', '', None, '{}', False, D1),
        (4, 1, 1, None, '["Unga", "Går bort", 0]', 3, 'Går bort', '', '', '', '', '', '', None, '{}', False, D3),
        (5, 1, 2, None, '["Trafik", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', False, D3),
        (6, 1, 3, None, '["Våld", "VINR", 0]', 0, 'VINR', '', '', '', '', '', 'färre', None, '{}', False, D1),
        (7, 1, 3, None, '["Våld", "Stöd", 0]', 1, 'Stöd', '', '', '', '', '', '', None, '{}', False, D1),
        (8, 1, None, 'hand-in', 'plan:hand-in', -1, 'Lämna in åtgärdsplanen', '', '', '', '', '', '', None, '{}', False, D1),
        (9, 2, 4, None, '["Trafik", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', False, D1),
        (10, 2, None, 'hand-in', 'plan:hand-in', -1, 'Lämna in åtgärdsplanen', '', '', '', '', '', '', None, '{}', False, D1),
        (11, 1, 5, None, '["Trafiken", "Hastighet", 0]', 0, 'Hastighet', '', '', '', 'Kommunen', '', '', None, '{}', True, D3),
        (12, 1, 1, None, '["Unga", "Ny", 0]', 3, 'Ny', '', '', '', '', '', '', None, '{}', True, D3),
    ],
}
# fmt: on


def rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    with engine.connect() as connection:
        for table in TABLES:
            found[table.name] = [tuple(row) for row in
                                 connection.execute(select(table).order_by(table.c.id))]  # fmt: skip
    return found


def result(
    plan_id: int, organisation: str, created: bool, added: int, changed: int, unchanged: int,
    retired: int,
) -> ImportResult:  # fmt: skip
    return ImportResult(plan_id, organisation, 2025, created, added, changed, unchanged, retired)


def test_imports_write_the_rows_the_orm_wrote(engine: Engine) -> None:
    assert import_plan(engine, FIRST, source="a.toml", now=D1) == result(
        1, "Norrby kommun", True, 7, 0, 0, 0
    )
    with write_transaction(engine) as connection:  # inside a caller's transaction
        assert import_plan(connection, OTHER, source="s.toml", now=D1) == result(
            2, "Söderby kommun", True, 1, 0, 0, 0
        )
    assert rows(engine) == FIRST_ROWS

    # The same plan again: nothing written, not even the source or the change time.
    assert import_plan(engine, FIRST, source="other.toml", now=D2) == result(
        1, "Norrby kommun", False, 0, 0, 7, 0
    )
    assert rows(engine) == FIRST_ROWS

    with write_transaction(engine) as connection:
        assert import_plan(connection, EDITED, source="b.toml", now=D2) == result(
            1, "Norrby kommun", False, 2, 1, 4, 2
        )
    assert rows(engine) == EDITED_ROWS
    assert load_plan(engine, 1).plan == EDITED

    # Changed: the returning measures (Går bort, Hastighet of Trafik) and SSP's text again.
    assert import_plan(engine, BACK, source="c.toml", now=D3) == result(
        1, "Norrby kommun", False, 0, 3, 4, 2
    )
    assert rows(engine) == BACK_ROWS
    assert load_plan(engine, 1).plan == BACK


def test_a_refused_import_writes_nothing_and_rolls_the_callers_transaction_back(
    engine: Engine,
) -> None:
    import_plan(engine, FIRST, source="a.toml", now=D1)
    before = rows(engine)
    only_one = replace(FIRST, areas=(replace(VALD, measures=VALD.measures[:1]),))
    with pytest.raises(UsageError, match="skulle ta bort 6 av 7 åtgärder"):
        import_plan(engine, only_one, source="b.toml", now=D2)
    assert rows(engine) == before
    # In a caller's transaction nothing of the transaction stays.
    with pytest.raises(UsageError), write_transaction(engine) as connection:
        import_plan(connection, OTHER, source="s.toml", now=D2)
        import_plan(connection, only_one, source="b.toml", now=D2)
    assert rows(engine) == before
    import_plan(engine, only_one, source="b.toml", now=D2, force=True)
    assert [row[-2] for row in rows(engine)["measure"]] == [True] * 5 + [
        False,
        True,
        False,
    ]  # VINR and the task stay
