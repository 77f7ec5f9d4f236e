"""Many new rows into one table in one statement, at the driver's speed: a plan's first import
writes hundreds of occurrences and reminders, and `scheduler import` of a country's plans tens
of thousands.

SQLAlchemy Core's executemany builds a parameter dictionary per row and calls a type processor
per value, which was five times the driver's own executemany. Here the INSERT is written once
per dialect, table and columns from the table's metadata (the columns given, then those with a
plain default, as Core's insert would send them), and run with `Connection.exec_driver_sql`
(errors and events stay SQLAlchemy's) through the driver's executemany, the rows as tuples built
column by column. Each value is converted by the bind processor of its column's type, which is
what Core calls (`TypeEngine.bind_processor`), timestamps and dates remembered once converted
(the import's `now` is in every row, and plans share meeting times). What is stored is therefore
what Core's insert stores; tests compare the raw rows. Only SQLite (sqlite3) and PostgreSQL
(psycopg) are known; elsewhere Core does the work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from sqlalchemy import Column, Connection, Date, DateTime, Dialect, Table, insert
from sqlalchemy.types import TypeDecorator, TypeEngine

from scheduler.base.caches import memo, memoised

Convert = Callable[[Any], Any]
# Each driver's parameter marker for positional parameters (its DB-API paramstyle).
_MARKERS = {("sqlite", "pysqlite"): "?", ("postgresql", "psycopg"): "%s"}


@dataclass(frozen=True)
class Statement:
    """An insert written for one dialect, and where each of its parameters comes from."""

    sql: str
    # Per parameter, in the statement's order: the index of its value in the caller's rows, or
    # None for a column the caller does not give and whose default Core would send.
    sources: tuple[int | None, ...]
    defaults: tuple[Any, ...]  # per parameter: the default's value (None where `sources` has one)
    # Per parameter: the column type's bind processor; for timestamps and dates (costly to
    # convert, and the same ones recur: a country's plans meet on the same weekdays at the same
    # hours) one that remembers what it converted.
    processors: tuple[Convert | None, ...]


def insert_many(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    skip_existing: str | None = None,
) -> int:
    """Insert `rows` (values in the order of `columns`) into `table`, in one statement run by
    the driver's executemany. Columns not given get their defaults, as with Core's insert.

    `skip_existing`: the unique column whose existing values make a row be skipped (`INSERT …
    ON CONFLICT (column) DO NOTHING`): two processes inserting the same key both succeed, and
    the row that is there stands. Returns how many rows were added."""
    if not rows:
        return 0
    dialect = connection.dialect
    statement = _statement(dialect, table, tuple(columns), skip_existing)
    if statement is None:
        return _insert_with_core(connection, table, columns, rows)
    given = list(zip(*rows, strict=True))
    if len(given) != len(columns):
        raise ValueError(f"rows of {len(given)} values for the {len(columns)} columns {columns}")
    count = len(rows)
    values: list[Any] = []
    for source, default, processor in zip(
        statement.sources, statement.defaults, statement.processors, strict=True
    ):
        if source is None:
            values.append(repeat(processor(default) if processor else default, count))
        elif processor is None:
            values.append(given[source])
        else:
            values.append(map(processor, given[source]))
    result = connection.exec_driver_sql(statement.sql, list(zip(*values, strict=True)))
    # Both drivers sum the rows each execution added, and a skipped row adds none (a test
    # holds both to it).
    return int(result.rowcount)


@memo("store.insert_statement")
def _statement(
    dialect: Dialect, table: Table, columns: tuple[str, ...], skip_existing: str | None
) -> Statement | None:
    """The insert, once per dialect, table, columns and conflict column (a few dozen in all);
    None where this module does not know the driver (only SQLite and PostgreSQL are supported)."""
    marker = _MARKERS.get((dialect.name, dialect.driver))
    if marker is None:
        return None
    missing = [name for name in columns if name not in table.c]
    if missing:
        raise ValueError(f"{table.name} has no columns {sorted(missing)}")
    sent: list[Column[Any]] = [table.c[name] for name in columns]
    sources: list[int | None] = list(range(len(columns)))
    defaults: list[Any] = [None] * len(columns)
    for column in table.c:
        if column.key in columns or column.default is None:
            continue  # given, or left to the database (its key, a server default, NULL)
        if not column.default.is_scalar:  # a default computed per row (none in this schema)
            return None  # Core knows how
        sent.append(column)
        sources.append(None)
        defaults.append(column.default.arg)  # type: ignore[attr-defined]  # a ColumnDefault's
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in sent)}) "
           f"VALUES ({', '.join(marker for _ in sent)})")  # fmt: skip
    if skip_existing is not None:
        sql += f" ON CONFLICT ({quote(table.c[skip_existing].name)}) DO NOTHING"
    processors = tuple(_processor(column, dialect) for column in sent)
    return Statement(sql, tuple(sources), tuple(defaults), processors)


def _processor(column: Column[Any], dialect: Dialect) -> Convert | None:
    """The bind processor Core calls for `column`'s values on `dialect`; for a date or timestamp
    one that remembers what it converted. Equal timestamps are the same instant, stored in UTC
    alike (a naive one is refused each time: errors are not remembered); equal dates the same
    date."""
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    if processor is not None and _is_moment(column.type):
        return memoised("store.converted_moment", processor)
    return processor


def _is_moment(type_: TypeEngine[Any]) -> bool:
    """A date or timestamp: costly to convert, and the same ones recur."""
    base = type_.impl if isinstance(type_, TypeDecorator) else type_
    return isinstance(base, Date | DateTime)


def _insert_with_core(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> int:
    """A database this module does not know: Core's insert, without skipping (the unique key
    still holds: a row whose key exists fails the transaction)."""
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
    return len(rows)
