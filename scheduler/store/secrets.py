"""Shared secrets: created on first use, the same for every process on the same store."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scheduler.store.tables import SecretRow


def shared_secret(engine: Engine, name: str) -> str:
    with Session(engine) as session:
        row = session.get(SecretRow, name)
        if row is not None:
            return row.value
    try:
        with Session(engine) as session, session.begin():
            session.add(SecretRow(name=name, value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another process created it first: use theirs
    with Session(engine) as session:
        row = session.get(SecretRow, name)
        assert row is not None
        return row.value
