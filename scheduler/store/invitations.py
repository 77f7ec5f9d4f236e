"""One-time links that let a new coordinator or reader set their password (/konton): kept by the
SHA-256 of their secret, used once. Accepting one creates the account, with the role the link
was made for, and stamps the link in one transaction, so two tabs posting the same link make one
account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.model.account import COORDINATOR, Account, Role
from scheduler.model.invitation import Invitation
from scheduler.store.accounts import account_value, stored_role
from scheduler.store.tables import AccountRow, InvitationRow

_INVITATION = InvitationRow.__table__  # type: ignore[attr-defined]


def _value(row: InvitationRow) -> Invitation:
    assert row.id is not None
    return Invitation(row.id, row.username, row.organisation, row.email, row.created_by,
                      row.created_at, row.expires_at, row.used_at, stored_role(row.account_role))  # fmt: skip


def add_invitation(engine: Engine, *, token_hash: str, username: str, organisation: str,
                   email: str | None, created_by: str, now: datetime, expires_at: datetime,
                   role: Role = COORDINATOR) -> Invitation:  # fmt: skip
    with Session(engine) as session, session.begin():
        row = InvitationRow(token_hash=token_hash, username=username, organisation=organisation,
                            email=email, created_by=created_by, created_at=now,
                            expires_at=expires_at, account_role=role)  # fmt: skip
        session.add(row)
        session.flush()
        return _value(row)


def find_invitation(engine: Engine, token_hash: str) -> Invitation | None:
    with Session(engine) as session:
        row = session.exec(
            select(InvitationRow).where(InvitationRow.token_hash == token_hash)
        ).first()
        return None if row is None else _value(row)


def open_invitations(engine: Engine, organisation: str, *, now: datetime) -> list[Invitation]:
    """The organisation's links not used and not expired, newest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(InvitationRow)
            .where(InvitationRow.organisation == organisation,
                   col(InvitationRow.used_at).is_(None), InvitationRow.expires_at > now)
            .order_by(col(InvitationRow.created_at).desc())
        ).all()  # fmt: skip
        return [_value(row) for row in rows]


def withdraw_invitation(engine: Engine, invitation_id: int, organisation: str) -> bool:
    with Session(engine) as session, session.begin():
        done = session.connection().execute(
            delete(_INVITATION).where(_INVITATION.c.id == invitation_id,
                                      _INVITATION.c.organisation == organisation)
        )  # fmt: skip
        return bool(done.rowcount)


def accept_invitation(engine: Engine, token_hash: str, *, password_hash: str, now: datetime) -> Account:  # fmt: skip
    """The link's account created with its password, and the link used, in one transaction."""
    with Session(engine) as session, session.begin():
        connection = session.connection()
        stamped = connection.execute(
            update(_INVITATION)
            .where(_INVITATION.c.token_hash == token_hash, _INVITATION.c.used_at.is_(None),
                   _INVITATION.c.expires_at > now)
            .values(used_at=now)
        )  # fmt: skip
        if stamped.rowcount != 1:
            raise NotFoundError("Länken är redan använd eller har slutat gälla.")
        invitation = session.exec(
            select(InvitationRow).where(InvitationRow.token_hash == token_hash)
        ).one()
        row = AccountRow(username=invitation.username, organisation=invitation.organisation,
                         password_hash=password_hash, created_at=now,
                         role=stored_role(invitation.account_role))  # fmt: skip
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise UsageError(
                f"Det finns redan ett konto som heter «{invitation.username}»."
            ) from None
        session.expunge(row)
    return account_value(row)
