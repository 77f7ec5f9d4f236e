"""The lean write path (store/bulk.py), on SQLite and PostgreSQL: what it stores is what
SQLAlchemy Core's insert stores, as the database holds it (read back raw through the driver);
defaults filled in, timestamps in UTC, a naive one refused, existing keys skipped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert

from scheduler.base.time import STOCKHOLM
from scheduler.store.bulk import insert_many
from scheduler.store.tables import MeasureRow, OccurrenceRow, OutboxRow, PlanRow

OCCURRENCES: Any = OccurrenceRow.__table__  # type: ignore[attr-defined]
OUTBOX: Any = OutboxRow.__table__  # type: ignore[attr-defined]
NOW = datetime(2025, 3, 1, 8, 0, 0, 123456, tzinfo=STOCKHOLM)  # 07:00:00.123456 UTC


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A transaction on a store with one plan (id 1) and one measure (id 1), rolled back."""
    with engine.connect() as connection:
        connection.execute(insert(PlanRow.__table__), {"organisation": "Norrby", "year": 2025,  # type: ignore[attr-defined]
                                                       "created_at": NOW, "updated_at": NOW})  # fmt: skip
        connection.execute(insert(MeasureRow.__table__), {"plan_id": 1, "key": "k", "position": 0,  # type: ignore[attr-defined]
                                                          "title": "Möte", "cause": "", "action": "",
                                                          "when_text": "", "responsible_text": "",
                                                          "followup_text": "", "operational_goal": "",
                                                          "schedule_json": "{}", "updated_at": NOW})  # fmt: skip
        yield connection
        connection.rollback()


def raw(connection: Connection, table: str, *, skip: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The rows as the database holds them (no type processing: SQLite's text as text), by id,
    without the columns in `skip`."""
    result = connection.exec_driver_sql(f"select * from {table} order by id")
    names = [entry[0] for entry in result.cursor.description]
    return [tuple(v for n, v in zip(names, row, strict=True) if n not in skip) for row in result]


def occurrence(uid: str, start: datetime, **values: Any) -> dict[str, Any]:
    return {"plan_id": 1, "measure_id": 1, "uid": uid, "series_label": "Vår", "kind": "meeting",
            "original_date": start.date(), "start": start, "end": start + timedelta(hours=1),
            "all_day": False, "location": "Rådhuset", "status": "planned", "sequence": 0,
            "created_at": NOW, "changed_at": NOW, **values}  # fmt: skip


def rows_of_every_kind(prefix: str) -> list[dict[str, Any]]:
    """Timestamps in and out of summer time, in other zones, with and without microseconds;
    a row without a location, an all-day one, one with a past answer."""
    return [
        occurrence(f"{prefix}1", datetime(2025, 3, 30, 2, 30, tzinfo=STOCKHOLM)),
        occurrence(
            f"{prefix}2",
            datetime(2025, 10, 26, 2, 30, 0, 5, tzinfo=STOCKHOLM, fold=1),
            location=None,
        ),
        occurrence(
            f"{prefix}3",
            datetime(2025, 6, 1, tzinfo=timezone(timedelta(hours=-7))),
            all_day=True,
            held=True,
            held_note="Hölls",
            held_recorded_at=NOW,
        ),
        occurrence(
            f"{prefix}4",
            datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            original_date=date(2025, 12, 30),
            sequence=3,
        ),
    ]


def as_tuples(rows: list[dict[str, Any]]) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    columns = tuple(rows[0])
    assert all(tuple(row) == columns for row in rows)
    return columns, [tuple(row.values()) for row in rows]


def test_rows_are_stored_as_core_stores_them_column_by_column(connection: Connection) -> None:
    by_core, lean = rows_of_every_kind("core-"), rows_of_every_kind("lean-")
    # Rows of different columns are separate statements for both, defaults filling the rest.
    for row in by_core:
        connection.execute(insert(OCCURRENCES), [row])
    for row in lean:
        assert insert_many(connection, OCCURRENCES, *as_tuples([row])) == 1
    stored = raw(connection, "occurrence", skip=("id", "uid"))
    assert stored[:4] == stored[4:]
    assert len(stored) == 8
    # And many rows of the same columns in one statement.
    columns, values = as_tuples(
        [occurrence(f"many-{i}", NOW + timedelta(days=i)) for i in range(50)]
    )
    connection.execute(insert(OCCURRENCES), [dict(zip(columns, v, strict=True)) for v in values])
    uid = columns.index("uid")
    again = [(*v[:uid], f"again-{i}", *v[uid + 1 :]) for i, v in enumerate(values)]
    assert insert_many(connection, OCCURRENCES, columns, again) == 50
    stored = raw(connection, "occurrence", skip=("id", "uid"))[8:]
    assert stored[:50] == stored[50:]


def test_a_timestamp_in_another_zone_is_stored_as_utc(connection: Connection) -> None:
    start = datetime(2025, 3, 1, 9, 15, tzinfo=STOCKHOLM)  # 08:15 UTC
    insert_many(connection, OCCURRENCES, *as_tuples([occurrence("u", start)]))
    (row,) = connection.exec_driver_sql("select start, created_at from occurrence").all()
    if connection.dialect.name == "sqlite":
        assert tuple(row) == ("2025-03-01 08:15:00.000000", "2025-03-01 07:00:00.123456")
    else:
        assert tuple(row) == (start, NOW)
        assert row[0].utcoffset() is not None


def test_a_naive_timestamp_is_refused_and_nothing_is_stored(connection: Connection) -> None:
    with pytest.raises(ValueError, match="naive"):
        insert_many(connection, OCCURRENCES,
                    *as_tuples([occurrence("u", datetime(2025, 3, 1, 9, 15))]))  # fmt: skip
    assert raw(connection, "occurrence", skip=()) == []


def mail(key: str, subject: str) -> tuple[Any, ...]:
    return (key, 1, "meeting-14d", "a@example.org", NOW, subject, "", "", "pending", NOW, NOW)


MAIL_COLUMNS = ("key", "plan_id", "kind", "recipient", "due_at", "subject", "body_text",
                "body_html", "status", "created_at", "updated_at")  # fmt: skip


def test_existing_keys_are_skipped_and_only_the_added_rows_counted(connection: Connection) -> None:
    assert insert_many(connection, OUTBOX, MAIL_COLUMNS, [mail("a", "first"), mail("b", "first")],
                       skip_existing="key") == 2  # fmt: skip
    # One key that exists, one new, and one new twice in the same batch: the first one stands.
    added = insert_many(connection, OUTBOX, MAIL_COLUMNS,
                        [mail("a", "second"), mail("c", "second"), mail("d", "second"),
                         mail("d", "third")], skip_existing="key")  # fmt: skip
    assert added == 2
    subjects = connection.exec_driver_sql("select key, subject from outbox order by key").all()
    assert [tuple(row) for row in subjects] == [
        ("a", "first"), ("b", "first"), ("c", "second"), ("d", "second")
    ]  # fmt: skip
    assert insert_many(connection, OUTBOX, MAIL_COLUMNS, [], skip_existing="key") == 0


def test_skipping_rows_leaves_them_as_core_would_have_written_them(connection: Connection) -> None:
    columns = MAIL_COLUMNS
    connection.execute(insert(OUTBOX), [dict(zip(columns, mail("core", "s"), strict=True))])
    insert_many(connection, OUTBOX, columns, [mail("lean", "s")], skip_existing="key")
    core, lean = raw(connection, "outbox", skip=("id", "key"))
    assert core == lean
