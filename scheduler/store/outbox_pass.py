"""One dispatcher pass's hold on the outbox: one connection, and one transaction per row.

A row's outcome (sent, retry, failed, skipped, cancelled) is written in the same transaction that
claims the next row, and that transaction commits before the next row is sent; the last outcome is
written when the pass ends. So at any moment at most one row of a pass has been handed to the
mail server without being marked: a dispatcher killed then leaves that one row claimed, and it is
sent again (with the same Message-ID) once the claim runs out, as before. Every other row is
either marked or still pending. The claim is the same conditional update as `outbox.claim`, so
two dispatchers racing for a row still get it once between them.

The claim's transaction also reads what the pass needs to decide about the row as the database
is at that moment: its occurrence's status and start (a meeting cancelled or moved since the
reminder was made), and the plan's schedule state (whether a cached rendering is still current).

Durability: the pass's transactions do not wait for the disk (SQLite `synchronous=NORMAL` in
WAL mode on the pass's connection, PostgreSQL `synchronous_commit=off`). A killed dispatcher
loses nothing by it (its commits are in the database, only not yet flushed to the disk); after
a power loss or an operating system crash the last marks may be undone, and those rows are then
sent again, with the same Message-ID, as a killed dispatcher's in-flight row is. None is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Connection, Engine, bindparam, select, update
from sqlalchemy.exc import NoResultFound

from scheduler.model.mail import OutboxMail, OutboxStatus, is_change, made_for_start
from scheduler.model.occurrence import OccurrenceStatus
from scheduler.store.occurrences import schedule_state
from scheduler.store.outbox import _aware, _due, _ready
from scheduler.store.tables import OccurrenceRow, OutboxRow

_ROWS = OutboxRow.__table__  # type: ignore[attr-defined]
_OCCURRENCE_TABLE = OccurrenceRow.__table__  # type: ignore[attr-defined]
_NOW: BindParameter[datetime] = bindparam("now")
_ID: BindParameter[int] = bindparam("row_id")
# Built once: SQLAlchemy's statement building costs as much as the statement itself.
_CLAIM = (
    update(_ROWS)
    .where(_ROWS.c.id == _ID, _ready(_NOW))  # type: ignore[arg-type]
    .values(status=OutboxStatus.SENDING, claimed_by=bindparam("worker"), claimed_until=bindparam("until"),
            updated_at=_NOW)
    # Everything an OutboxMail holds; not the copy of a sent message (a claimed row has none).
    .returning(*(column for column in _ROWS.c if column.name != "sent_message"))
)  # fmt: skip
_OCCURRENCE = select(_OCCURRENCE_TABLE.c.status, _OCCURRENCE_TABLE.c.start).where(
    _OCCURRENCE_TABLE.c.id == _ID
)


@dataclass(frozen=True)
class Claimed:
    """A row this pass holds, with what was true of it when it was claimed."""

    row: OutboxMail
    outdated: str | None  # why it no longer fits its meeting or task (a reason in Swedish)
    plan_state: str | None  # `schedule_state` of its plan; None: no plan, or the plan is gone


@dataclass(frozen=True)
class _Outcome:
    row_id: int
    values: dict[str, Any]


class PassLedger:
    """Claims and marks of one pass, over one connection (see the module's docstring)."""

    def __init__(self, connection: Connection, *, worker: str, lease: timedelta) -> None:
        self._connection = connection
        self._worker = worker
        self._lease = lease
        self._outcome: _Outcome | None = None
        self._finish = update(_ROWS).where(
            _ROWS.c.id == _ID, _ROWS.c.status == OutboxStatus.SENDING, _ROWS.c.claimed_by == worker
        )

    def claim(self, row_id: int, *, now: datetime) -> Claimed | None:
        """Write the previous row's outcome and take this one, in one transaction. None when
        another dispatcher has it (or it is no longer ready)."""
        with self._transaction() as connection:
            self._write_outcome(connection)
            found = connection.execute(_CLAIM, {"row_id": row_id, "now": now, "worker": self._worker,
                                                "until": now + self._lease}).first()  # fmt: skip
            if found is None:
                return None
            values = found._asdict()
            row = OutboxMail(**{**values, "status": OutboxStatus(values["status"])})
            outdated = None
            if row.occurrence_id is not None:
                occurrence = connection.execute(_OCCURRENCE, {"row_id": row.occurrence_id}).first()
                outdated = _outdated(row, None if occurrence is None else tuple(occurrence))
            state = None
            if row.plan_id is not None and row.occurrence_id is not None:
                try:
                    state = schedule_state(connection, plan_id=row.plan_id)
                except NoResultFound:  # the plan is gone: the renderer says so
                    state = None
        return Claimed(row, outdated, state)

    def skip(self, row_ids: list[int], *, now: datetime, reason: str) -> int:
        """Pending rows the pass will not send (overtaken by a later reminder), skipped in one
        conditional update: a row another dispatcher has claimed meanwhile is left to it."""
        if not row_ids:
            return 0
        with self._transaction() as connection:
            result = connection.execute(
                update(_ROWS)
                .where(_ROWS.c.id.in_(row_ids), _due(now))
                .values(status=OutboxStatus.SKIPPED, last_error=reason, updated_at=now)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    # The outcome of the row just handled: written with the next claim, or when the pass ends.
    def sent(
        self, row_id: int, *, now: datetime, attempts: int, message: str | None = None
    ) -> None:
        """`message`: the message as it went to the mail server, kept with the row."""
        self._record(row_id, status=OutboxStatus.SENT, sent_at=now, attempts=attempts, claimed_until=None,
                     last_error="", updated_at=now, sent_message=message)  # fmt: skip

    def retry(self, row_id: int, *, now: datetime, attempts: int, retry_at: datetime, error: str) -> None:  # fmt: skip
        self._record(row_id, status=OutboxStatus.PENDING, attempts=attempts, next_attempt_at=retry_at,
                     claimed_until=None, last_error=error, updated_at=now)  # fmt: skip

    def failed(self, row_id: int, *, now: datetime, attempts: int, error: str) -> None:
        self._record(row_id, status=OutboxStatus.FAILED, attempts=attempts, claimed_until=None, last_error=error,
                     updated_at=now)  # fmt: skip

    def skipped(self, row_id: int, *, now: datetime, reason: str) -> None:
        self._record(
            row_id,
            status=OutboxStatus.SKIPPED,
            claimed_until=None,
            last_error=reason,
            updated_at=now,
        )

    def cancelled(self, row_id: int, *, now: datetime, reason: str) -> None:
        self._record(row_id, status=OutboxStatus.CANCELLED, claimed_until=None, last_error=reason,
                     updated_at=now)  # fmt: skip

    def close(self) -> None:
        """Write the last outcome."""
        if self._outcome is not None:
            with self._transaction() as connection:
                self._write_outcome(connection)

    def _record(self, row_id: int, **values: Any) -> None:
        assert self._outcome is None, "an outcome not yet written"
        self._outcome = _Outcome(row_id, values)

    def _write_outcome(self, connection: Connection) -> None:
        """Conditional on still holding the claim: a dispatcher whose lease ran out changes
        nothing. (Cleared once committed: a failed transaction leaves it for the next one.)"""
        if self._outcome is not None:
            # The columns to set are the parameters' names (the statement has no values()).
            connection.execute(
                self._finish, {"row_id": self._outcome.row_id, **self._outcome.values}
            )

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        connection = self._connection
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield connection
        self._outcome = None


def _outdated(row: OutboxMail, occurrence: tuple[str, datetime] | None) -> str | None:
    """Why a reminder no longer fits its meeting or task (its occurrence's status and start, as
    read in the claim), or None when it still does. The schedule sync cancels such rows, but a
    dispatcher that does not sync (the one inside `scheduler serve`) may reach them first, after a
    `scheduler cancel` or `scheduler move`."""
    if occurrence is None:
        return "Mötet eller uppgiften finns inte längre."
    if is_change(row.kind):
        # A change notice is about the move or the cancellation: it is rendered from the
        # occurrence as it is when claimed, so a later change only makes it newer. (A later
        # change made by a person withdraws it when that change's own notice is added.)
        return None
    status, start = occurrence
    if status == OccurrenceStatus.CANCELLED:
        return "Mötet eller uppgiften har ställts in."
    made_for = made_for_start(row.key)
    if made_for is not None and made_for != _aware(start):
        return "Mötet eller uppgiften har flyttats."
    return None


@contextmanager
def pass_ledger(engine: Engine, *, worker: str, lease: timedelta) -> Iterator[PassLedger]:
    """A ledger over a connection of its own; the last outcome is written however the pass
    ends (a row sent before an error elsewhere stays sent)."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a per-connection setting, and not allowed inside a transaction
            before = int(connection.exec_driver_sql("PRAGMA synchronous").scalar_one())
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.commit()
        ledger = PassLedger(connection, worker=worker, lease=lease)
        try:
            yield ledger
        finally:
            try:
                ledger.close()
            finally:
                if sqlite:  # the pooled connection goes back as it came
                    connection.rollback()
                    connection.exec_driver_sql(f"PRAGMA synchronous={before}")
                    connection.commit()
