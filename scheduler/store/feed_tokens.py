"""Feed tokens: long random secrets, stored only as SHA-256, revocable, one per audience."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scheduler.base.errors import NotFoundError
from scheduler.model.feed_link import FeedLink
from scheduler.store.tables import FeedTokenRow


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_value(row: FeedTokenRow) -> FeedLink:
    assert row.id is not None  # read or flushed: the database gave it its id
    return FeedLink(row.id, row.token_hash, row.audience, row.organisation, row.scope,
                    row.created_at, row.revoked_at)  # fmt: skip


def create_token(
    engine: Engine, *, audience: str, scope: str = "", organisation: str, now: datetime
) -> tuple[FeedLink, str]:
    """A new token of `organisation` (never none: a link without one opens nothing); the secret
    itself is returned once and never stored."""
    if not organisation:
        raise ValueError("a calendar link belongs to an organisation")
    token = secrets.token_urlsafe(32)
    row = FeedTokenRow(token_hash=hash_token(token), audience=audience, scope=scope,
                       organisation=organisation, created_at=now)  # fmt: skip
    with Session(engine) as session, session.begin():
        session.add(row)
        session.flush()
        session.expunge(row)
    return link_value(row), token


def list_tokens(engine: Engine, *, organisations: tuple[str, ...] | None = None) -> list[FeedLink]:
    """Every link, or those of `organisations` ("" among them: the links that belong to none)."""
    query = select(FeedTokenRow).order_by(col(FeedTokenRow.id))
    if organisations is not None:
        query = query.where(col(FeedTokenRow.organisation).in_(organisations))
    with Session(engine) as session:
        return [link_value(row) for row in session.exec(query)]


def active_tokens(engine: Engine) -> dict[str, FeedLink]:
    """Every token still valid, by hash."""
    with Session(engine) as session:
        rows = session.exec(select(FeedTokenRow).where(col(FeedTokenRow.revoked_at).is_(None)))
        return {row.token_hash: link_value(row) for row in rows}


def revoke_token(engine: Engine, token_id: int, *, now: datetime) -> FeedLink:
    with Session(engine) as session, session.begin():
        row = session.get(FeedTokenRow, token_id)
        if row is None:
            raise NotFoundError(
                f"Det finns ingen kalenderlänk med nummer {token_id} (se «scheduler feeds list»)."
            )
        if row.revoked_at is None:
            row.revoked_at = now
        session.flush()
        session.expunge(row)
    return link_value(row)
