"""A coordinator's account for the workspace, as a value: one organisation's pages only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Account:
    id: int
    username: str  # case-folded: "Anna" and "anna" are one account
    organisation: str
    password_hash: str  # argon2; the password itself is never kept
    created_at: datetime
