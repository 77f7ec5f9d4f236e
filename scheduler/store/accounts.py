"""Coordinator accounts and the wrong passwords counted against each username.

The store keeps what it is given: hashing and the throttling rule are the service's
(scheduler.services.accounts)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.store.tables import AccountRow, LoginFailureRow

# How long no attempt is checked after the n-th wrong password in a row (None: at once).
LockRule = Callable[[int], timedelta | None]


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


def remove_account(engine: Engine, username: str) -> AccountRow:
    with Session(engine) as session, session.begin():
        row = session.exec(select(AccountRow).where(AccountRow.username == username)).first()
        if row is None:
            raise NotFoundError(
                f"det finns inget konto som heter «{username}» (se «scheduler user list»)."
            )
        session.delete(row)
        failures = session.get(LoginFailureRow, username)
        if failures is not None:
            session.delete(failures)
        session.flush()
        session.expunge(row)
    return row


def failures_of(engine: Engine, username: str) -> LoginFailureRow | None:
    with Session(engine) as session:
        return session.get(LoginFailureRow, username)


def record_failure(
    engine: Engine, username: str, *, now: datetime, lock_for: LockRule
) -> LoginFailureRow:
    """One more wrong password for `username`; `lock_for(failures)` says for how long no attempt
    is checked (None: not locked)."""
    for _attempt in range(2):  # a first failure inserted by two processes at once: count again
        try:
            with Session(engine) as session, session.begin():
                row = session.get(LoginFailureRow, username, with_for_update=True)
                if row is None:
                    row = LoginFailureRow(username=username, failures=0, last_failure_at=now)
                    session.add(row)
                row.failures += 1
                row.last_failure_at = now
                delay = lock_for(row.failures)
                row.locked_until = now + delay if delay is not None else None
                session.flush()
                session.expunge(row)
                return row
        except IntegrityError:
            continue
    raise UsageError("inloggningen kunde inte registreras; försök igen.")


def clear_failures(engine: Engine, username: str) -> None:
    with Session(engine) as session, session.begin():
        row = session.get(LoginFailureRow, username)
        if row is not None:
            session.delete(row)
