"""Workspace accounts: added, found, given a new password or role, removed; and the accounts
made and kept up to date by signing in through an identity provider.

The store keeps what it is given: hashing and the password rules are the service's
(scheduler.services.accounts). A new password and a removed account end every session of the
account in the same transaction (scheduler.store.sessions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.model.account import COORDINATOR, READER, Account, Role
from scheduler.store.login_attempts import Subject, clear
from scheduler.store.sessions import delete_account_sessions
from scheduler.store.tables import AccountRow

_ACCOUNT = AccountRow.__table__  # type: ignore[attr-defined]


def stored_role(text: str) -> Role:
    """A role column's text as a Role (anything but "reader" is a coordinator, as the column's
    default)."""
    return READER if text == READER else COORDINATOR


def account_value(row: AccountRow) -> Account:
    assert row.id is not None  # read or flushed: the database gave it its id
    return Account(row.id, row.username, row.organisation, row.password_hash, row.created_at,
                   role=stored_role(row.role), oidc_issuer=row.oidc_issuer, oidc_subject=row.oidc_subject,
                   display_name=row.display_name, email=row.email)  # fmt: skip


def add_account(
    engine: Engine, *, username: str, organisation: str, password_hash: str, now: datetime,
    role: Role = COORDINATOR,
) -> Account:  # fmt: skip
    row = AccountRow(username=username, organisation=organisation, password_hash=password_hash,
                     created_at=now, role=role)  # fmt: skip
    try:
        with Session(engine) as session, session.begin():
            session.add(row)
            session.flush()
            session.expunge(row)
    except IntegrityError:
        raise UsageError(f"det finns redan ett konto som heter «{username}».") from None
    return account_value(row)


def find_account(engine: Engine, username: str) -> Account | None:
    with Session(engine) as session:
        row = session.exec(select(AccountRow).where(AccountRow.username == username)).first()
        return None if row is None else account_value(row)


def get_account(engine: Engine, account_id: int) -> Account | None:
    with Session(engine) as session:
        row = session.get(AccountRow, account_id)
        return None if row is None else account_value(row)


def list_accounts(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        query = select(AccountRow).order_by(col(AccountRow.organisation), col(AccountRow.username))
        return [account_value(row) for row in session.exec(query)]


def missing_account(username: str) -> NotFoundError:
    return NotFoundError(
        f"det finns inget konto som heter «{username}» (se «scheduler user list»)."
    )


def set_password_hash(
    engine: Engine, username: str, password_hash: str, *, attempts: Subject
) -> tuple[Account, int]:
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
    return account_value(row), ended


def remove_account(engine: Engine, username: str, *, attempts: Subject) -> Account:
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
    return account_value(row)


def set_role(engine: Engine, username: str, role: Role) -> tuple[Account, int]:
    """The account's new role; its sessions end (a session's rights are the role it was opened
    with). Returns the account and how many sessions ended."""
    with Session(engine) as session, session.begin():
        row = session.exec(select(AccountRow).where(AccountRow.username == username)).first()
        if row is None or row.id is None:
            raise missing_account(username)
        connection = session.connection()
        connection.execute(update(_ACCOUNT).where(_ACCOUNT.c.id == row.id).values(role=role))
        ended = delete_account_sessions(connection, row.id)
        session.expunge(row)
    row.role = role
    return account_value(row), ended


@dataclass(frozen=True)
class ProviderPerson:
    """Who an identity provider says signed in, and the role their claims give now."""

    issuer: str
    subject: str
    organisation: str
    role: Role
    display_name: str | None
    email: str | None


def signed_in_through_provider(
    engine: Engine, person: ProviderPerson, *, username: str, now: datetime
) -> Account:
    """The account of the provider's person, made at the first sign-in (as `username`) and given
    the claims' role, name and address at every one. Found by organisation, issuer and subject:
    one provider may serve several districts, and each has its own account of the person."""
    with Session(engine) as session, session.begin():
        row = session.exec(
            select(AccountRow).where(
                AccountRow.organisation == person.organisation,
                AccountRow.oidc_issuer == person.issuer,
                AccountRow.oidc_subject == person.subject,
            )
        ).first()
        if row is None:
            row = AccountRow(username=username, organisation=person.organisation,
                             password_hash="", created_at=now, oidc_issuer=person.issuer,
                             oidc_subject=person.subject)  # fmt: skip
        row.role = person.role
        row.display_name = person.display_name
        row.email = person.email
        session.add(row)
        session.flush()
        session.expunge(row)
    return account_value(row)


def username_taken(engine: Engine, username: str) -> bool:
    return find_account(engine, username) is not None
