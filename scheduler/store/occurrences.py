"""Published occurrences: keep the database in step with the computed schedule, and record what
people do to single occurrences (move, cancel, held or not).

The computed schedule says what should be; these rows say what was published. Syncing bumps
SEQUENCE and the change time of an occurrence only when something a calendar shows changed, so an
unchanged plan gives byte-identical feeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import NoResultFound
from sqlmodel import Session, select

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.model.occurrence import (
    Occurrence,
    OccurrenceKind,
    OccurrenceStatus,
    PlannedOccurrence,
)
from scheduler.store.bulk import insert_many
from scheduler.store.engine import Bind, connection_of, transaction_of
from scheduler.store.tables import OccurrenceRow, PlanRow


@dataclass(frozen=True)
class SyncResult:
    added: int
    moved: int
    cancelled: int
    unchanged: int
    # Reminder rows added, updated or cancelled with them (a changed address changes only these).
    reminders: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.moved or self.cancelled or self.reminders)


@dataclass(frozen=True)
class Synced:
    """What a sync did, and the plan's occurrences after it: the same values, in the same order,
    as `list_occurrences` then reads (tests/test_occurrence_sync_rows.py holds it to that), so the
    reminders planned next need not read back thousands of rows just written."""

    result: SyncResult
    rows: list[Occurrence]


def _same(row: OccurrenceRow, planned: PlannedOccurrence) -> bool:
    return (
        row.start == planned.start
        and row.end == planned.end
        and row.all_day == planned.all_day
        and row.kind == planned.kind
        and row.location == planned.location
        and row.status == OccurrenceStatus.PLANNED
    )


def sync_occurrences(
    bind: Bind, *, plan_id: int, planned: Iterable[PlannedOccurrence], now: datetime
) -> Synced:
    """Callers run this inside `write_transaction` (planning.refresh_occurrences), whose lock
    makes two processes syncing the same change take turns: the second finds the first's rows.

    The past stays as it was: a meeting that has begun is neither moved nor cancelled by a
    changed plan (it was held or not; the follow-up asks), and a measure already in the calendar
    gets no new dates before `now`. A measure new to the calendar gets its whole year, past
    dates included, as a first import does."""
    added = moved = cancelled = unchanged = 0
    with Session(bind) as session, session.begin():
        rows = {
            r.uid: r
            for r in session.exec(select(OccurrenceRow).where(OccurrenceRow.plan_id == plan_id))
        }
        in_calendar = {row.measure_id for row in rows.values()}
        seen: set[str] = set()
        new_rows: list[tuple[Any, ...]] = []
        for item in planned:
            seen.add(item.uid)
            row = rows.get(item.uid)
            if row is None and item.start < now and item.measure_id in in_calendar:
                continue
            if row is not None and row.start < now:
                unchanged += 1
            elif row is None:
                new_rows.append((plan_id, item.measure_id, item.uid, item.series_label, item.kind,
                                 item.original_date, item.start, item.end, item.all_day,
                                 item.location, OccurrenceStatus.PLANNED, 0, now, now))  # fmt: skip
            elif row.manual or _same(row, item):
                unchanged += 1
            else:
                row.start, row.end, row.all_day = item.start, item.end, item.all_day
                row.kind, row.location, row.status = (
                    item.kind,
                    item.location,
                    OccurrenceStatus.PLANNED,
                )
                row.sequence += 1
                row.changed_at = now
                moved += 1
        for uid, row in rows.items():
            if (
                uid not in seen
                and row.status == OccurrenceStatus.PLANNED
                and not row.manual
                and row.start >= now
            ):
                row.status = OccurrenceStatus.CANCELLED
                row.note = "Utgår: mötet finns inte längre i planen."
                row.sequence += 1
                row.changed_at = now
                cancelled += 1
        # One statement run by the driver (bulk.insert_many): thousands of new meetings (a
        # plan's first import) are neither an ORM object nor a parameter dictionary each.
        added = insert_many(session.connection(), _OCCURRENCES, _NEW_COLUMNS, new_rows)
        values = [_as_read(occurrence_value(row)) for row in rows.values()]
        if new_rows:
            values += _new_values(session.connection(), plan_id, new_rows, now)
    values.sort(key=lambda o: (o.start, o.uid))  # as _LIST orders them
    return Synced(SyncResult(added, moved, cancelled, unchanged), values)


def _new_values(
    connection: Any, plan_id: int, new_rows: list[tuple[Any, ...]], now: datetime
) -> list[Occurrence]:
    """The rows just inserted (at `now`) as values: their ids read back (two columns), the rest
    as written, with times in UTC as the store gives them back."""
    ids = dict(connection.execute(_IDS, {"plan_id": plan_id}).all())
    written = now.astimezone(UTC)
    return [
        Occurrence(ids[uid], plan_id, measure_id, uid, label, kind, original, start.astimezone(UTC),
                   end.astimezone(UTC), all_day, location, status, False, sequence, "", None, "",
                   None, written, written)
        for (plan_id, measure_id, uid, label, kind, original, start, end, all_day, location,
             status, sequence, _created, _changed) in new_rows
    ]  # fmt: skip


def _as_read(value: Occurrence) -> Occurrence:
    """Times as the store gives them back (UTCDateTime: in UTC), whatever zone they were set in."""
    return replace(
        value,
        start=value.start.astimezone(UTC),
        end=value.end.astimezone(UTC),
        held_recorded_at=value.held_recorded_at and value.held_recorded_at.astimezone(UTC),
        created_at=value.created_at.astimezone(UTC),
        changed_at=value.changed_at.astimezone(UTC),
    )


def occurrence_value(row: OccurrenceRow) -> Occurrence:
    """The row as a plain value: nothing outside the store sees an ORM object."""
    assert row.id is not None
    return Occurrence(
        id=row.id, plan_id=row.plan_id, measure_id=row.measure_id, uid=row.uid,
        series_label=row.series_label, kind=OccurrenceKind(row.kind), original_date=row.original_date,
        start=row.start, end=row.end, all_day=row.all_day, location=row.location,
        status=OccurrenceStatus(row.status), manual=row.manual, sequence=row.sequence, note=row.note,
        held=row.held, held_note=row.held_note, held_recorded_at=row.held_recorded_at,
        created_at=row.created_at, changed_at=row.changed_at,
    )  # fmt: skip


# The stored codes' enum members, for reading many rows (`list_occurrences`).
_KIND_BY_CODE = {kind.value: kind for kind in OccurrenceKind}
_STATUS_BY_CODE = {status.value: status for status in OccurrenceStatus}
_KIND_AT, _STATUS_AT = (
    [f.name for f in fields(Occurrence)].index(name) for name in ("kind", "status")
)


def list_occurrences(bind: Bind, *, plan_id: int) -> list[Occurrence]:
    """The plan's occurrences in time order. Read as plain tuples in the value's field order, not
    ORM objects or mappings: a plan of a thousand measures has ten thousand of them, read at every
    import and reminder pass, and an export reads every plan's."""
    with connection_of(bind) as connection:
        rows = connection.execute(_LIST, {"plan_id": plan_id}).all()
    return [_listed(list(row)) for row in rows]


def _listed(values: list[Any]) -> Occurrence:
    """A row read in the value's field order, its codes as their enum members (a dict lookup:
    cheaper than the Enum's call, for the many rows `list_occurrences` reads)."""
    values[_KIND_AT] = _KIND_BY_CODE[values[_KIND_AT]]
    values[_STATUS_AT] = _STATUS_BY_CODE[values[_STATUS_AT]]
    return Occurrence(*values)


def get_occurrence(bind: Bind, uid: str) -> Occurrence:
    with Session(bind) as session:
        row = session.exec(select(OccurrenceRow).where(OccurrenceRow.uid == uid)).first()
    if row is None:
        raise NotFoundError(f"Det finns inget möte eller någon uppgift med UID {uid}.")
    return occurrence_value(row)


def move_occurrence(
    bind: Bind, uid: str, *, start: datetime, end: datetime, now: datetime, note: str = ""
) -> Occurrence:
    """A person moved a meeting: same UID, higher SEQUENCE, and the schedule leaves it alone."""
    if end <= start:
        raise UsageError("Sluttiden måste vara efter starttiden.")
    with Session(bind) as session, session.begin():
        row = session.exec(select(OccurrenceRow).where(OccurrenceRow.uid == uid)).first()
        if row is None:
            raise NotFoundError(f"Det finns inget möte eller någon uppgift med UID {uid}.")
        row.start, row.end, row.status, row.manual = start, end, OccurrenceStatus.PLANNED, True
        row.note = note
        row.sequence += 1
        row.changed_at = now
        session.flush()
        return occurrence_value(row)


def cancel_occurrence(bind: Bind, uid: str, *, now: datetime, note: str = "") -> Occurrence:
    """A person cancelled it: higher SEQUENCE, once (cancelling again changes nothing)."""
    with Session(bind) as session, session.begin():
        row = session.exec(select(OccurrenceRow).where(OccurrenceRow.uid == uid)).first()
        if row is None:
            raise NotFoundError(f"Det finns inget möte eller någon uppgift med UID {uid}.")
        if row.status != OccurrenceStatus.CANCELLED:
            row.status, row.manual, row.note = OccurrenceStatus.CANCELLED, True, note
            row.sequence += 1
            row.changed_at = now
        session.flush()
        return occurrence_value(row)


def restore_occurrence(bind: Bind, uid: str, *, now: datetime, note: str = "") -> Occurrence:
    """A person brought a cancelled one back: planned again at the time it has, higher SEQUENCE,
    once (restoring one that is not cancelled changes nothing). It stays one a person changed
    (`manual`), so a re-plan leaves it where it is, as it left the cancellation."""
    with Session(bind) as session, session.begin():
        row = session.exec(select(OccurrenceRow).where(OccurrenceRow.uid == uid)).first()
        if row is None:
            raise NotFoundError(f"Det finns inget möte eller någon uppgift med UID {uid}.")
        if row.status == OccurrenceStatus.CANCELLED:
            row.status, row.manual, row.note = OccurrenceStatus.PLANNED, True, note
            row.sequence += 1
            row.changed_at = now
        session.flush()
        return occurrence_value(row)


def record_answer(engine: Engine, uid: str, *, held: bool, note: str, now: datetime) -> Occurrence:
    """The convener's answer after the meeting (held or not) or the due day (done or not).
    The last answer counts; the follow-up reads it."""
    with Session(engine) as session, session.begin():
        row = session.exec(select(OccurrenceRow).where(OccurrenceRow.uid == uid)).first()
        if row is None:
            raise NotFoundError(f"Det finns inget möte eller någon uppgift med UID {uid}.")
        row.held, row.held_note, row.held_recorded_at = held, note, now
        session.flush()
        return occurrence_value(row)


def schedule_state(bind: Bind, *, plan_id: int) -> str:
    """Everything of the stored plan a schedule refresh, a feed or a reminder reads, as one cheap
    text: the plan's revision and the occurrences' last change, last answer, count and SEQUENCEs
    (a move, a cancel or an answer changes it; nothing else that is stored does). One statement, built
    once: the dispatcher asks for each row it claims. Raises NoResultFound for no such plan."""
    with connection_of(bind) as connection:
        found = connection.execute(_STATE, {"plan_id": plan_id}).one()
    revision, changed, answered, count, sequences = found
    return f"{revision}|{changed}|{answered}|{count}|{sequences}"


_PLAN_TABLE, _OCCURRENCES = PlanRow.__table__, OccurrenceRow.__table__  # type: ignore[attr-defined]
# The values of a new row, in sync_occurrences' order; the other columns take their defaults.
_NEW_COLUMNS = ("plan_id", "measure_id", "uid", "series_label", "kind", "original_date", "start",
                "end", "all_day", "location", "status", "sequence", "created_at", "changed_at")  # fmt: skip
_OF_PLAN = _OCCURRENCES.c.plan_id == bindparam("plan_id")
_LIST = (
    sa_select(*(_OCCURRENCES.c[f.name] for f in fields(Occurrence)))
    .where(_OF_PLAN)
    .order_by(_OCCURRENCES.c.start, _OCCURRENCES.c.uid)
)
_IDS = sa_select(_OCCURRENCES.c.uid, _OCCURRENCES.c.id).where(_OF_PLAN)
_STATE = sa_select(
    _PLAN_TABLE.c.revision,
    sa_select(func.max(_OCCURRENCES.c.changed_at)).where(_OF_PLAN).scalar_subquery(),
    sa_select(func.max(_OCCURRENCES.c.held_recorded_at)).where(_OF_PLAN).scalar_subquery(),
    sa_select(func.count()).select_from(_OCCURRENCES).where(_OF_PLAN).scalar_subquery(),
    # A move or cancel raises a SEQUENCE even when its time is not the latest change (a clock
    # set back, a change dated in the past).
    sa_select(func.coalesce(func.sum(_OCCURRENCES.c.sequence), 0))
    .where(_OF_PLAN)
    .scalar_subquery(),
).where(_PLAN_TABLE.c.id == bindparam("plan_id"))


def stored_fingerprint(bind: Bind, *, plan_id: int) -> str:
    """Raises NoResultFound for no such plan."""
    with connection_of(bind) as connection:
        found: str = connection.execute(_FINGERPRINT, {"plan_id": plan_id}).scalar_one()
    return found


def store_fingerprint(bind: Bind, *, plan_id: int, fingerprint: str) -> None:
    """One UPDATE (Core), not an ORM select and flush: run once per plan imported. Raises
    NoResultFound for no such plan."""
    with transaction_of(bind) as connection:
        result = connection.execute(
            _STORE_FINGERPRINT, {"plan_id": plan_id, "schedule_fingerprint": fingerprint}
        )
        if result.rowcount != 1:
            raise NoResultFound("No row was found when one was required")


_FINGERPRINT = sa_select(_PLAN_TABLE.c.schedule_fingerprint).where(
    _PLAN_TABLE.c.id == bindparam("plan_id")
)
_STORE_FINGERPRINT = update(_PLAN_TABLE).where(_PLAN_TABLE.c.id == bindparam("plan_id"))
