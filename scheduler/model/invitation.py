"""A one-time link for a new account (a coordinator or a reader) to set their password, as a value
(the secret itself is never stored: only its SHA-256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.model.account import COORDINATOR, Role


@dataclass(frozen=True)
class Invitation:
    id: int
    username: str
    organisation: str
    email: str | None
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    role: Role = COORDINATOR  # the account the link makes
