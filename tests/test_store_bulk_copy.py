"""PostgreSQL's COPY path of store/bulk.py against its executemany path: the same rows stored,
the same rows skipped, the same counts, the same ids; and the same plans imported both ways give
the same database, table by table, row by row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, insert, inspect, text

from bench.generate import plan_files, write_plans
from bench.imports import IMPORT_AT
from scheduler.store import bulk
from scheduler.store.bulk import insert_many
from scheduler.store.engine import normalise_url, upgrade_store
from scheduler.store.tables import PlanRow
from tests.support.cli import Cli, upgraded_cli
from tests.support.databases import postgres_schema
from tests.test_store_bulk import (
    MAIL_COLUMNS,
    NOW,
    OCCURRENCES,
    OUTBOX,
    as_tuples,
    mail,
    occurrence,
    raw,
    rows_of_every_kind,
)
from tests.test_store_bulk import connection as connection  # the fixture, on both databases

PLANS: Any = PlanRow.__table__  # type: ignore[attr-defined]
NEVER, ALWAYS = 10**9, 1  # COPY_FROM_ROWS for the executemany path, and for the COPY path


@pytest.fixture
def other_postgres_store_url(postgres_url: str) -> Iterator[str]:
    with postgres_schema(postgres_url) as url:
        yield url


def many_occurrences(prefix: str) -> list[dict[str, Any]]:
    """Every kind of row, and enough of them for the COPY path at its real threshold."""
    rows = [{**row, "held": row.get("held"), "held_note": row.get("held_note", ""),
             "held_recorded_at": row.get("held_recorded_at")}
            for row in rows_of_every_kind(prefix)]  # fmt: skip
    rows += [occurrence(f"{prefix}many-{i}", NOW + timedelta(days=i, minutes=7 * i),
                        location=None if i % 3 else f"Rum {i}\tmed\\tecken\n«ny rad»",
                        held=bool(i % 2) if i % 5 else None, held_note=f"Not {i}" if i % 2 else "",
                        held_recorded_at=NOW if i % 2 else None)
             for i in range(bulk.COPY_FROM_ROWS)]  # fmt: skip
    return rows


def both_ways(connection: Connection, monkeypatch: pytest.MonkeyPatch, *, table: Any,
              columns: tuple[str, ...], batches: list[list[tuple[Any, ...]]],
              skip_existing: str | None = None) -> dict[int, list[int]]:  # fmt: skip
    """The same batches through executemany, then (rolled back to the same point) through COPY:
    each way's counts, and the table as each left it."""
    found: dict[int, list[int]] = {}
    stored: dict[int, list[tuple[Any, ...]]] = {}
    for threshold in (NEVER, ALWAYS):
        monkeypatch.setattr(bulk, "COPY_FROM_ROWS", threshold)
        savepoint = connection.begin_nested()
        found[threshold] = [insert_many(connection, table, columns, batch,
                                        skip_existing=skip_existing) for batch in batches]  # fmt: skip
        stored[threshold] = raw(connection, table.name, skip=("id",))
        savepoint.rollback()
    assert stored[NEVER] == stored[ALWAYS]
    assert stored[NEVER]
    return found


def test_copy_stores_every_kind_of_row_as_executemany_does(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; SQLite has only the executemany path")
    columns, rows = as_tuples(many_occurrences("u-"))
    counts = both_ways(connection, monkeypatch, table=OCCURRENCES, columns=columns, batches=[rows])
    assert counts == {NEVER: [len(rows)], ALWAYS: [len(rows)]}


def test_copy_skips_and_counts_existing_keys_as_executemany_does(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; SQLite has only the executemany path")
    first = [mail(f"k{i}", "first") for i in range(0, 100, 2)]
    # Half of the keys exist; one key comes twice in the batch (the first one stands).
    second = [mail(f"k{i}", "second") for i in range(100)] + [mail("k1", "third")]
    counts = both_ways(connection, monkeypatch, table=OUTBOX, columns=MAIL_COLUMNS,
                       batches=[first, second, second], skip_existing="key")  # fmt: skip
    assert counts == {NEVER: [50, 50, 0], ALWAYS: [50, 50, 0]}


def test_ids_are_drawn_in_the_callers_order_skipped_rows_too(
    postgres_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids as executemany draws them: in the rows' order, and one for a skipped row as well."""
    engine = upgrade_store(postgres_store_url)[0]
    try:
        ids: dict[int, list[tuple[Any, ...]]] = {}
        for threshold in (NEVER, ALWAYS):
            monkeypatch.setattr(bulk, "COPY_FROM_ROWS", threshold)
            with engine.connect() as connection:
                plan = new_plan(connection, year=2025 if threshold == NEVER else 2026)
                start = connection.exec_driver_sql(
                    "select coalesce(max(id), 0) from outbox"
                ).scalar()
                batch = [(f"{threshold}-{k}", plan, *mail("x", str(k))[2:]) for k in (5, 3, 9, 1)]
                insert_many(connection, OUTBOX, MAIL_COLUMNS, batch[:2], skip_existing="key")
                insert_many(connection, OUTBOX, MAIL_COLUMNS, batch, skip_existing="key")
                found = connection.exec_driver_sql(
                    f"select id - {start}, subject from outbox where id > {start} order by id").all()  # fmt: skip
                ids[threshold] = [tuple(row) for row in found]
                connection.commit()
        # 1, 2 for the first batch; 3, 4 drawn and lost by its two rows skipped in the second.
        assert ids[NEVER] == ids[ALWAYS] == [(1, "5"), (2, "3"), (5, "9"), (6, "1")]
    finally:
        engine.dispose()


def new_plan(connection: Connection, *, year: int = 2025) -> int:
    values = {"organisation": "Norrby", "year": year, "created_at": NOW, "updated_at": NOW}
    found = connection.execute(insert(PLANS).returning(PLANS.c.id), values).scalar_one()
    return int(found)


def database_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return {table: [tuple(row) for row in connection.execute(
                        text(f'select * from "{table}" order by 1'))]
                    for table in inspect(connection).get_table_names()}  # fmt: skip
    finally:
        engine.dispose()


def imported(config: Path, folder: Path) -> tuple[Cli, str]:
    cli = upgraded_cli(config)
    result = cli("import", "--jobs", "1", "--now", IMPORT_AT, *map(str, plan_files(folder)))
    assert result.code == 0, result.err
    return cli, result.out


def test_the_same_plans_imported_both_ways_give_the_same_database(
    postgres_store_url: str, other_postgres_store_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # The same plan files, and the same key for links (it is in each plan's fingerprint).
    config = write_plans(tmp_path, 6, 25, database_url=postgres_store_url)
    key = '[server]\nsecret_key = "samma-nyckel-for-bada-databaserna-0123456789"\n'
    config.write_text(config.read_text(encoding="utf-8") + key, encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text(config.read_text(encoding="utf-8").replace(
        postgres_store_url, other_postgres_store_url), encoding="utf-8")  # fmt: skip
    monkeypatch.setattr(bulk, "COPY_FROM_ROWS", NEVER)
    _, said_by_executemany = imported(config, tmp_path)
    monkeypatch.setattr(bulk, "COPY_FROM_ROWS", ALWAYS)
    _, said_by_copy = imported(other, tmp_path)

    assert said_by_copy == said_by_executemany
    by_executemany = database_rows(postgres_store_url)
    by_copy = database_rows(other_postgres_store_url)
    assert by_copy.keys() == by_executemany.keys()
    for table, rows in by_executemany.items():
        assert by_copy[table] == rows, table
    assert len(by_copy["occurrence"]) > 1000 and len(by_copy["outbox"]) > 500


def test_sqlite_never_takes_the_copy_path(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the executemany path's own test is test_store_bulk.py")
    monkeypatch.setattr(bulk, "COPY_FROM_ROWS", ALWAYS)
    with engine.connect() as connection:
        plan = new_plan(connection)
        rows = [(f"k{i}", plan, *mail("x", "s")[2:]) for i in range(3)]
        assert insert_many(connection, OUTBOX, MAIL_COLUMNS, rows, skip_existing="key") == 3
