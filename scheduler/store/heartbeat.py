"""The dispatcher's heartbeat: each pass records when it ran and what it did, one row per host,
so `/healthz` can say when reminders were last looked at."""

from __future__ import annotations

import socket
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from scheduler.store.tables import DispatcherPassRow


@dataclass(frozen=True)
class PassCounts:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    claimed_by_others: int = 0


def record_pass(engine: Engine, counts: PassCounts, *, worker: str, now: datetime) -> None:
    """Upsert this host's row in one statement: two dispatchers on one host (the server and
    cron) finishing at once must not fail on the primary key."""
    values: dict[str, Any] = {"worker": worker, "finished_at": now, **asdict(counts)}
    with Session(engine) as session, session.begin():
        statement = _insert(session).values(host=socket.gethostname(), **values)
        session.execute(statement.on_conflict_do_update(index_elements=["host"], set_=values))


def _insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(DispatcherPassRow)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(DispatcherPassRow)


def last_pass(engine: Engine) -> datetime | None:
    """When any dispatcher last finished a pass, or None when none ever has."""
    with Session(engine) as session:
        return session.exec(select(func.max(DispatcherPassRow.finished_at))).one()
