"""Every row of every table, to compare before and after a POST that must change nothing (the
first, unconfirmed POST of a preview: scheduler/web/confirm.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, select


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows, sorted, by table name (read from the database itself, so a table a
    migration adds is compared too)."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for name, table in metadata.tables.items()
        }


def assert_unchanged(engine: Engine, before: dict[str, list[tuple[Any, ...]]]) -> None:
    after = table_rows(engine)
    changed = [name for name in before if before[name] != after.get(name)]
    assert not changed and set(after) == set(before), (
        f"changed tables: {changed}: {[(before[n], after.get(n)) for n in changed]}"
    )
