"""The workspace's server-side sessions: opened at sign-in, looked up on every page, ended by
logout, a new password or the account's removal (scheduler.store.sessions).

The browser holds only a random id (256 bits); the store keeps its SHA-256, so reading the table
opens no session. A session ends `server.session_hours` after sign-in, or earlier when it has
been unused for `server.session_idle_minutes` (OWASP ASVS 3.3.2). Its last use is written at most
once a minute, not once a page.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from scheduler.settings.model import Server
from scheduler.store.sessions import (
    StoredSession,
    add_session,
    delete_session,
    find_session,
    touch_session,
)

# Last use is written when it is older than this: the idle timeout is then exact to a minute.
TOUCH_EVERY = timedelta(minutes=1)
# An address as the server got it (IPv6 with a zone is under 64); longer is cut.
MAX_ADDRESS_CHARS = 64


@dataclass(frozen=True)
class SessionRules:
    """`server.session_hours` and `server.session_idle_minutes`, made only by `from_section`."""

    lifetime: timedelta
    idle: timedelta

    @classmethod
    def from_section(cls, server: Server) -> SessionRules:
        return cls(timedelta(hours=server.session_hours),
                   timedelta(minutes=server.session_idle_minutes))  # fmt: skip


@dataclass(frozen=True)
class SessionLookup:
    """The session a cookie opens, or None; `expired` when it was one that has ended."""

    session: StoredSession | None
    expired: bool = False


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def open_session(engine: Engine, rules: SessionRules, *, account_id: int, client_address: str,
                 now: datetime) -> str:  # fmt: skip
    """A new session (a new id every sign-in: no fixation); the id for the browser's cookie."""
    session_id = secrets.token_urlsafe(32)
    add_session(engine, id_hash=id_hash(session_id), account_id=account_id, now=now,
                expires_at=now + rules.lifetime, client_address=client_address[:MAX_ADDRESS_CHARS],
                idle_before=now - rules.idle)  # fmt: skip
    return session_id


def look_up(
    engine: Engine, rules: SessionRules, session_id: str, *, now: datetime
) -> SessionLookup:
    """The session of this id, its last use noted; an ended one is deleted and says so."""
    hashed = id_hash(session_id)
    found = find_session(engine, hashed)
    if found is None:
        return SessionLookup(None)
    if now >= found.expires_at or now - found.last_seen_at >= rules.idle:
        delete_session(engine, hashed)
        return SessionLookup(None, expired=True)
    if now - found.last_seen_at >= TOUCH_EVERY:
        touch_session(engine, hashed, now=now)
    return SessionLookup(found)


def close_session(engine: Engine, session_id: str) -> None:
    delete_session(engine, id_hash(session_id))
