"""Sign-ins through an identity provider under way (table `oidc_sign_in`): what the provider's
answer must match, by the SHA-256 of the state the browser carries there and back.

Each is taken once: the answer deletes its row, so a replayed answer finds nothing. Rows older
than the caller's limit are deleted whenever one is added, and beyond the newest `keep_at_most`
too, so the table never grows with sign-ins that were never finished, however many are begun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select

from scheduler.store.tables import OidcSignInRow

_SIGN_IN = OidcSignInRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PendingSignIn:
    organisation: str
    nonce: str
    code_verifier: str
    created_at: datetime


def add_sign_in(engine: Engine, *, state_hash: str, pending: PendingSignIn,
                forget_before: datetime, keep_at_most: int) -> None:  # fmt: skip
    with engine.begin() as connection:
        connection.execute(delete(_SIGN_IN).where(_SIGN_IN.c.created_at < forget_before))
        newest = (
            select(_SIGN_IN.c.state_hash)
            .order_by(_SIGN_IN.c.created_at.desc())
            .limit(keep_at_most - 1)
            .scalar_subquery()
        )
        connection.execute(delete(_SIGN_IN).where(_SIGN_IN.c.state_hash.not_in(newest)))
        connection.execute(
            _SIGN_IN.insert().values(
                state_hash=state_hash, organisation=pending.organisation, nonce=pending.nonce,
                code_verifier=pending.code_verifier, created_at=pending.created_at,
            )
        )  # fmt: skip


def take_sign_in(engine: Engine, state_hash: str) -> PendingSignIn | None:
    """The sign-in of this state, deleted as it is read (by one request only)."""
    with engine.begin() as connection:
        row = connection.execute(
            select(_SIGN_IN.c.organisation, _SIGN_IN.c.nonce, _SIGN_IN.c.code_verifier,
                   _SIGN_IN.c.created_at).where(_SIGN_IN.c.state_hash == state_hash)
        ).first()  # fmt: skip
        if row is None:
            return None
        deleted = connection.execute(delete(_SIGN_IN).where(_SIGN_IN.c.state_hash == state_hash))
        if deleted.rowcount != 1:  # another request took it first
            return None
    return PendingSignIn(*row)
