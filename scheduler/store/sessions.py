"""The workspace's sessions (table `login_session`), by the SHA-256 of the id the browser holds.

Every web process reads the same rows, so deleting one (logout) or all of an account's (a new
password, the account removed) ends them everywhere at the next request. The rules (how long a
session lasts, when it counts as idle) are the service's (scheduler.services.sessions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, or_, select, update

from scheduler.store.tables import AccountRow, SessionRow

_SESSION = SessionRow.__table__  # type: ignore[attr-defined]
_ACCOUNT_TABLE = AccountRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredSession:
    """A session and the account it belongs to."""

    id_hash: str
    account_id: int
    username: str
    organisation: str
    last_seen_at: datetime
    expires_at: datetime
    role: str = "coordinator"


def add_session(
    engine: Engine, *, id_hash: str, account_id: int, now: datetime, expires_at: datetime,
    client_address: str, idle_before: datetime,
) -> None:  # fmt: skip
    """A new session; sessions that have ended (past their end, or idle since before
    `idle_before`) are deleted in the same transaction, so the table never grows with them."""
    with engine.begin() as connection:
        connection.execute(
            delete(_SESSION).where(
                or_(_SESSION.c.expires_at <= now, _SESSION.c.last_seen_at < idle_before)
            )
        )
        connection.execute(
            _SESSION.insert().values(
                id_hash=id_hash, account_id=account_id, created_at=now, last_seen_at=now,
                expires_at=expires_at, client_address=client_address,
            )
        )  # fmt: skip


def find_session(engine: Engine, id_hash: str) -> StoredSession | None:
    query = (
        select(_SESSION.c.id_hash, _SESSION.c.account_id, _ACCOUNT_TABLE.c.username,
               _ACCOUNT_TABLE.c.organisation, _SESSION.c.last_seen_at, _SESSION.c.expires_at,
               _ACCOUNT_TABLE.c.role)
        .join(_ACCOUNT_TABLE, _ACCOUNT_TABLE.c.id == _SESSION.c.account_id)
        .where(_SESSION.c.id_hash == id_hash)
    )  # fmt: skip
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else StoredSession(*row)


def touch_session(engine: Engine, id_hash: str, *, now: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(_SESSION).where(_SESSION.c.id_hash == id_hash).values(last_seen_at=now)
        )


def delete_session(engine: Engine, id_hash: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(_SESSION).where(_SESSION.c.id_hash == id_hash))


def delete_account_sessions(connection: Connection, account_id: int) -> int:
    """Every session of the account, in the caller's transaction; how many there were."""
    result = connection.execute(delete(_SESSION).where(_SESSION.c.account_id == account_id))
    return int(result.rowcount)
