"""Many new rows into one table in one statement, at the driver's speed: a plan's first import
writes hundreds of occurrences and reminders, and `scheduler import` of a country's plans tens
of thousands.

SQLAlchemy Core's executemany builds a parameter dictionary per row and calls a type processor
per value, which was five times the driver's own executemany. Here the statement is compiled
once per dialect, table and columns, run through `exec_driver_sql` (errors and events stay
SQLAlchemy's) with the rows as tuples, built column by column, and each value converted by the
processor Core would call, timestamps and dates remembered once converted (the import's
`now` is in every row, and plans share meeting times). What is stored is therefore what Core's
insert stores; tests compare the raw rows. Only SQLite
(sqlite3) and PostgreSQL (psycopg) are known; elsewhere Core does the work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any, cast

from sqlalchemy import Connection, Date, DateTime, Dialect, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator, TypeEngine

Convert = Callable[[Any], Any]
# Converted timestamps and dates remembered per statement and column: a year of meeting times
# across many plans is a few thousand distinct values.
REMEMBERED_MOMENTS = 16_384


@dataclass(frozen=True)
class _Statement:
    """An insert compiled for one dialect, and where each of its parameters comes from."""

    sql: str
    # Per parameter, in the statement's order: the index of its value in the caller's rows, or
    # None for a column the caller does not give and whose default Core would send.
    sources: tuple[int | None, ...]
    defaults: tuple[Any, ...]  # per parameter: the default's value (None where `sources` has one)
    # Per parameter: the column type's bind processor; for timestamps and dates (costly to
    # convert, and the same ones recur: a country's plans meet on the same weekdays at the same
    # hours) one that remembers what it converted.
    processors: tuple[Convert | None, ...]


_COMPILED: dict[tuple[type[Dialect], Table, tuple[str, ...], str | None], _Statement | None] = {}


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


def _statement(
    dialect: Dialect, table: Table, columns: tuple[str, ...], skip_existing: str | None
) -> _Statement | None:
    """The compiled insert, once per dialect, table, columns and conflict column; None where
    this module does not know the driver (only SQLite and PostgreSQL are supported)."""
    key = (type(dialect), table, columns, skip_existing)
    if key not in _COMPILED:
        _COMPILED[key] = _compile(dialect, table, columns, skip_existing)
    return _COMPILED[key]


def _compile(
    dialect: Dialect, table: Table, columns: tuple[str, ...], skip_existing: str | None
) -> _Statement | None:
    positional = _positional(dialect)
    if positional is None:
        return None
    statement: Any = (sqlite if dialect.name == "sqlite" else postgresql).insert(table)
    if skip_existing is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[skip_existing])
    # for_executemany: no RETURNING of the new ids, which executemany cannot give back anyway.
    compiled = statement.compile(dialect=positional, column_keys=list(columns),
                                 for_executemany=True)  # fmt: skip
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    defaulted = {column.key: column for column in compiled.insert_prefetch}
    sources: list[int | None] = []
    defaults: list[Any] = []
    processors: list[Convert | None] = []
    for name in compiled.positiontup:
        column = table.c[name]
        if name in columns:
            sources.append(columns.index(name))
            defaults.append(None)
        elif name in defaulted and column.default is not None and column.default.is_scalar:
            sources.append(None)
            defaults.append(column.default.arg)  # type: ignore[attr-defined]
        else:  # a default computed per row (none in this schema): Core knows how
            return None
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None and _is_moment(column.type):
            # Equal timestamps are the same instant, stored in UTC alike (a naive one is
            # refused each time: errors are not remembered); equal dates the same date.
            processor = lru_cache(maxsize=REMEMBERED_MOMENTS)(processor)
        processors.append(processor)
    missing = set(columns) - set(compiled.positiontup)
    if missing:
        raise ValueError(f"{table.name} has no columns {sorted(missing)}")
    return _Statement(compiled.string, tuple(sources), tuple(defaults), tuple(processors))


def _is_moment(type_: TypeEngine[Any]) -> bool:
    """A date or timestamp: costly to convert, and the same ones recur."""
    base = type_.impl if isinstance(type_, TypeDecorator) else type_
    return isinstance(base, Date | DateTime)


def _positional(dialect: Dialect) -> Dialect | None:
    """`dialect`, or one like it, with positional parameters (so that rows can be tuples); None
    for a driver this module does not know."""
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        return dialect  # qmark: positional already
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return cast(Dialect, cast(Any, type(dialect))(paramstyle="format"))
    return None


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
