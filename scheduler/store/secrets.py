"""Shared secrets: created on first use, the same for every process on the same store."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from scheduler.store.tables import SecretRow

_SECRETS: Any = SecretRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it
_VALUE = select(_SECRETS.c.value).where(_SECRETS.c.name == bindparam("name"))


def shared_secret(engine: Engine, name: str) -> str:
    """Read with one Core select (every file of a many-plan import asks, for its reminders'
    answer links), created by the first process that asks."""
    found = _read(engine, name)
    if found is not None:
        return found
    try:
        with engine.begin() as connection:
            connection.execute(insert(_SECRETS), {"name": name, "value": secrets.token_urlsafe(48)})
    except IntegrityError:
        pass  # another process created it first: use theirs
    found = _read(engine, name)
    assert found is not None
    return found


def _read(engine: Engine, name: str) -> str | None:
    with engine.connect() as connection:
        found: str | None = connection.execute(_VALUE, {"name": name}).scalar()
    return found
