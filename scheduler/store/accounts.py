"""Coordinator accounts: added, found, given a new password, removed.

The store keeps what it is given: hashing and the password rules are the service's
(scheduler.services.accounts). A new password and a removed account end every session of the
account in the same transaction (scheduler.store.sessions).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.store.login_attempts import Subject, clear
from scheduler.store.sessions import delete_account_sessions
from scheduler.store.tables import AccountRow

_ACCOUNT = AccountRow.__table__  # type: ignore[attr-defined]


def add_account(
    engine: Engine, *, username: str, organisation: str, password_hash: str, now: datetime
) -> AccountRow:
    row = AccountRow(username=username, organisation=organisation, password_hash=password_hash,
                     created_at=now)  # fmt: skip
    try:
        with Session(engine) as session, session.begin():
            session.add(row)
            session.flush()
            session.expunge(row)
    except IntegrityError:
        raise UsageError(f"det finns redan ett konto som heter «{username}».") from None
    return row


def find_account(engine: Engine, username: str) -> AccountRow | None:
    with Session(engine) as session:
        return session.exec(select(AccountRow).where(AccountRow.username == username)).first()


def get_account(engine: Engine, account_id: int) -> AccountRow | None:
    with Session(engine) as session:
        return session.get(AccountRow, account_id)


def list_accounts(engine: Engine) -> list[AccountRow]:
    with Session(engine) as session:
        query = select(AccountRow).order_by(col(AccountRow.organisation), col(AccountRow.username))
        return list(session.exec(query))


def missing_account(username: str) -> NotFoundError:
    return NotFoundError(
        f"det finns inget konto som heter «{username}» (se «scheduler user list»)."
    )


def set_password_hash(
    engine: Engine, username: str, password_hash: str, *, attempts: Subject
) -> tuple[AccountRow, int]:
    """The account's new password; its sessions end and its counted sign-in attempts are
    forgotten, in one transaction. Returns the account and how many sessions ended."""
    with Session(engine) as session, session.begin():
        row = session.exec(select(AccountRow).where(AccountRow.username == username)).first()
        if row is None or row.id is None:
            raise missing_account(username)
        connection = session.connection()
        connection.execute(
            update(_ACCOUNT).where(_ACCOUNT.c.id == row.id).values(password_hash=password_hash)
        )
        ended = delete_account_sessions(connection, row.id)
        clear(connection, attempts)
        session.expunge(row)
    return row, ended


def remove_account(engine: Engine, username: str, *, attempts: Subject) -> AccountRow:
    """The account goes, with its sessions (also by the foreign key's ON DELETE CASCADE) and its
    counted sign-in attempts."""
    with Session(engine) as session, session.begin():
        row = session.exec(select(AccountRow).where(AccountRow.username == username)).first()
        if row is None or row.id is None:
            raise missing_account(username)
        connection = session.connection()
        delete_account_sessions(connection, row.id)
        clear(connection, attempts)
        session.delete(row)
        session.flush()
        session.expunge(row)
    return row
