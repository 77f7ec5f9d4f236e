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

On PostgreSQL a batch of `COPY_FROM_ROWS` rows or more goes by COPY, psycopg's public
`Cursor.copy` and `Copy.write_row`: the rows stream to the server as one message flow, where
executemany sends a bind and an execute per row and the server plans and runs each (a fifth of
importing 300 plans was psycopg's executemany). They are copied into a temporary table of the
statement's columns and an order number, then moved by one `WITH moved AS (DELETE FROM
temporary RETURNING …) INSERT … SELECT … FROM moved ORDER BY …` with the same `ON CONFLICT (key)
DO NOTHING`: the insert is an ordinary statement run by `exec_driver_sql`, so a conflict skips
the same rows, the count is the rows added, ids are drawn in the callers' order (a skipped row
draws one too, as in executemany), lock waits and constraint errors are SQLAlchemy's as before,
and a copy into a temporary table (this session's alone) has nothing to wait for or conflict
with. The temporary table is made once per connection (`CREATE … IF NOT EXISTS`, a no-op after)
and kept: creating and dropping one per batch wrote the system catalogs four times per plan and
was a tenth of the server's work in a many-plan import. The same statement empties it, and
`ON COMMIT DELETE ROWS` empties it at every commit (a failed transaction's rows are gone with
it, and so is a table it created). Its name carries a digest of its columns and their types,
so a connection kept across a schema change makes a new one rather than use a stale one.
Smaller batches (a plan's re-import adding a few reminders) stay with executemany, where the
extra statements would cost more than they save. `tests/test_store_bulk_copy.py` writes the same
rows, and imports the same plans, both ways and compares what is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Final

from sqlalchemy import Column, Connection, Date, DateTime, Dialect, Table, insert
from sqlalchemy.types import TypeDecorator, TypeEngine

from scheduler.base.caches import memo, memoised

Convert = Callable[[Any], Any]
# Each driver's parameter marker for positional parameters (its DB-API paramstyle).
_MARKERS = {("sqlite", "pysqlite"): "?", ("postgresql", "psycopg"): "%s"}
# From this many rows in one call, PostgreSQL gets them by COPY (see above). A plan's first
# import writes hundreds of reminders and meetings at once; a re-import adds a few.
COPY_FROM_ROWS: Final = 64
_ORDER = "bulk_order"  # the temporary table's column that keeps the callers' order


@dataclass(frozen=True)
class CopyStatements:
    """PostgreSQL's way in for many rows: a temporary table, COPY into it, the insert from it."""

    create: str
    copy: str
    insert: str


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
    copy: CopyStatements | None = None  # PostgreSQL's, for batches of COPY_FROM_ROWS or more


def insert_many(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    skip_existing: str | None = None,
) -> int:
    """Insert `rows` (values in the order of `columns`) into `table`, in one statement run by
    the driver's executemany, or on PostgreSQL for `COPY_FROM_ROWS` rows or more one COPY and
    one statement. Columns not given get their defaults, as with Core's insert.

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
    converted = list(zip(*values, strict=True))
    if statement.copy is not None and count >= COPY_FROM_ROWS:
        return _copied(connection, statement.copy, converted)
    result = connection.exec_driver_sql(statement.sql, converted)
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
    names = ", ".join(quote(c.name) for c in sent)
    on_conflict = ""
    if skip_existing is not None:
        on_conflict = f" ON CONFLICT ({quote(table.c[skip_existing].name)}) DO NOTHING"
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join(marker for _ in sent)})"
    processors = tuple(_processor(column, dialect) for column in sent)
    copy = None
    if dialect.name == "postgresql":
        shape = ",".join(f"{c.name} {c.type.compile(dialect=dialect)}" for c in sent)
        digest = hashlib.sha256(f"{table.name}({shape})".encode()).hexdigest()[:12]
        temporary = quote(f"bulk_{table.name}_{digest}")
        copy = CopyStatements(
            # Only the columns and their types: no defaults (an id drawn here would be lost),
            # no constraints, no indexes. Kept for the session, emptied at every commit.
            create=(f"CREATE TEMPORARY TABLE IF NOT EXISTS {temporary} ON COMMIT DELETE ROWS AS "
                    f"SELECT 0::bigint AS {_ORDER}, {names} FROM {quote(table.name)} WITH NO DATA"),
            copy=f"COPY {temporary} ({_ORDER}, {names}) FROM STDIN",
            insert=(f"WITH moved AS (DELETE FROM {temporary} RETURNING {_ORDER}, {names}) "
                    f"INSERT INTO {quote(table.name)} ({names}) "
                    f"SELECT {names} FROM moved ORDER BY {_ORDER}{on_conflict}"),
        )  # fmt: skip
    return Statement(sql + on_conflict, tuple(sources), tuple(defaults), processors, copy)


def _copied(connection: Connection, statements: CopyStatements, rows: list[tuple[Any, ...]]) -> int:
    """The rows (converted as for executemany) into the table by COPY and one INSERT … SELECT;
    how many were added."""
    connection.exec_driver_sql(statements.create)
    # The psycopg connection under SQLAlchemy's, in the same transaction.
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statements.copy) as copy:
        for number, row in enumerate(rows):
            copy.write_row((number, *row))
    return int(connection.exec_driver_sql(statements.insert).rowcount)


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
